#include "crypto/sign.h"

#include <openssl/err.h>
#include <openssl/pem.h>

namespace keep::crypto {

Result<SigningKey> SigningKey::FromSeed(ByteView seed) {
  if (seed.size() != kEd25519SeedSize) return InvalidArgument("an Ed25519 seed is 32 bytes");
  EVP_PKEY* raw = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size());
  if (!raw) {
    DrainOpenSslErrors("ed25519 key");
    return Internal("cannot make an Ed25519 key");
  }
  SigningKey k;
  k.key_ = std::shared_ptr<EVP_PKEY>(raw, EVP_PKEY_free);
  size_t len = k.public_.size();
  if (EVP_PKEY_get_raw_public_key(raw, k.public_.data(), &len) != 1 || len != k.public_.size()) {
    DrainOpenSslErrors("ed25519 public key");
    return Internal("cannot derive the Ed25519 public key");
  }
  return k;
}

Result<Ed25519Signature> SigningKey::Sign(ByteView message) const {
  OsslPtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  Ed25519Signature sig{};
  size_t len = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1 ||
      len != sig.size()) {
    DrainOpenSslErrors("ed25519 sign");
    return Internal("Ed25519 signing failed");
  }
  return sig;
}

bool VerifyEd25519(ByteView public_key, ByteView message, ByteView signature) {
  if (public_key.size() != kEd25519PublicSize || signature.size() != kEd25519SignatureSize) {
    return false;
  }
  OsslPtr<EVP_PKEY> key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size()));
  OsslPtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  const bool ok = key && ctx &&
                  EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
                  EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                                   message.size()) == 1;
  if (!ok) ERR_clear_error();  // an invalid signature is an answer, not an error to log
  return ok;
}

Result<std::string> Ed25519PublicKeyPem(const Ed25519PublicKey& key) {
  OsslPtr<EVP_PKEY> pkey(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()));
  OsslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!pkey || !bio || PEM_write_bio_PUBKEY(bio.get(), pkey.get()) != 1) {
    DrainOpenSslErrors("ed25519 pem");
    return Internal("cannot encode the Ed25519 public key");
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

Result<Ed25519PublicKey> ParseEd25519PublicKeyPem(std::string_view pem) {
  if (pem.size() > 4096) return InvalidArgument("the public key PEM is too large");
  OsslPtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  OsslPtr<EVP_PKEY> pkey(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  ERR_clear_error();
  if (!pkey) return InvalidArgument("not a PEM public key");
  if (EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519) {
    return InvalidArgument("not an Ed25519 public key");
  }
  Ed25519PublicKey out{};
  size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(pkey.get(), out.data(), &len) != 1 || len != out.size()) {
    ERR_clear_error();
    return InvalidArgument("not an Ed25519 public key");
  }
  return out;
}

}  // namespace keep::crypto
