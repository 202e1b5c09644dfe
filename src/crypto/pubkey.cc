#include "crypto/pubkey.h"

#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstring>

#include "common/encoding.h"
#include "crypto/aead.h"
#include "crypto/asymmetric.h"
#include "crypto/kdf.h"
#include "crypto/random.h"

namespace keep::crypto {
namespace {

constexpr uint8_t kTagX25519 = 0x01;
constexpr uint8_t kTagRsa = 0x02;
constexpr int kMinRsaBits = 2048;
constexpr int kScryptLogN = 14;
constexpr uint64_t kScryptP = 8;

std::shared_ptr<EVP_PKEY> Share(EVP_PKEY* k) {
  return std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free);
}

OsslPtr<BIO> MemBio(std::string_view text) {
  return OsslPtr<BIO>(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

Result<KeyType> TypeOf(EVP_PKEY* k) {
  if (EVP_PKEY_is_a(k, "X25519")) return KeyType::kX25519;
  if (EVP_PKEY_is_a(k, "RSA")) {
    if (EVP_PKEY_get_bits(k) < kMinRsaBits) {
      return InvalidArgument("RSA keys must have at least 2048 bits (this one has " +
                             std::to_string(EVP_PKEY_get_bits(k)) + ")");
    }
    return KeyType::kRsa;
  }
  return InvalidArgument(std::string("unsupported key type ") + EVP_PKEY_get0_type_name(k) +
                         ": use an X25519 or RSA key");
}

Result<Bytes> RawPublic(EVP_PKEY* k) {
  Bytes out(32);
  size_t n = out.size();
  if (EVP_PKEY_get_raw_public_key(k, out.data(), &n) != 1 || n != 32) {
    DrainOpenSslErrors("x25519 public");
    return Internal("cannot read an X25519 public key");
  }
  return out;
}

Result<SecretBytes> Derive(EVP_PKEY* own, EVP_PKEY* peer) {
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr));
  size_t n = 32;
  SecretBytes shared(32);
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer) != 1 ||
      EVP_PKEY_derive(ctx.get(), shared.data(), &n) != 1 || n != 32) {
    DrainOpenSslErrors("x25519 derive");
    // OpenSSL refuses an all-zero result (a low-order peer point) here too.
    return InvalidArgument("X25519 key agreement failed (invalid or low-order public key)");
  }
  static constexpr uint8_t kZero[32] = {};
  if (ConstantTimeEquals(shared.view(), ByteView(kZero, 32))) {
    return InvalidArgument("X25519 key agreement failed (low-order public key)");
  }
  return shared;
}

Result<SecretBytes> WrapKey(const SecretBytes& shared, ByteView eph_pub, ByteView recipient_pub,
                            std::string_view label) {
  Bytes salt(eph_pub.begin(), eph_pub.end());
  salt.insert(salt.end(), recipient_pub.begin(), recipient_pub.end());
  static constexpr std::string_view kInfo("keep x25519 seal v1\0", 20);
  Bytes info(kInfo.begin(), kInfo.end());
  info.insert(info.end(), label.begin(), label.end());
  SecretBytes key(32);
  KEEP_RETURN_IF_ERROR(HkdfSha256(shared.view(), salt, info, key.mutable_view()));
  return key;
}

ByteView LabelBytes(std::string_view label) {
  return ByteView(reinterpret_cast<const uint8_t*>(label.data()), label.size());
}

}  // namespace

Result<PublicKey> PublicFromKey(std::shared_ptr<EVP_PKEY> shared) {
  EVP_PKEY* key = shared.get();
  PublicKey pub;
  KEEP_ASSIGN_OR_RETURN(pub.type_, TypeOf(key));
  pub.bits_ = EVP_PKEY_get_bits(key);
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  if (len <= 0) {
    DrainOpenSslErrors("i2d_PUBKEY");
    return Internal("cannot encode a public key");
  }
  unsigned char md[32];
  unsigned int md_len = 0;
  const int ok = EVP_Digest(der, static_cast<size_t>(len), md, &md_len, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  if (ok != 1) return Internal("SHA-256 failed");
  pub.fingerprint_ = HexEncode(ByteView(md, md_len));
  pub.key_ = std::move(shared);
  return pub;
}

Result<PrivateKey> PrivateFromKey(std::shared_ptr<EVP_PKEY> shared) {
  PrivateKey key;
  KEEP_ASSIGN_OR_RETURN(key.type_, TypeOf(shared.get()));
  KEEP_ASSIGN_OR_RETURN(key.public_, PublicFromKey(shared));
  key.key_ = std::move(shared);
  return key;
}

Result<PrivateKey> GeneratePrivateKey(KeyType type, int rsa_bits) {
  EVP_PKEY* raw = type == KeyType::kX25519
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519")
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(rsa_bits));
  if (raw == nullptr) {
    DrainOpenSslErrors("keygen");
    return Internal("key generation failed");
  }
  return PrivateFromKey(Share(raw));
}

Result<SecretBytes> PrivateKeyPem(const PrivateKey& key, ByteView passphrase, PemKdf kdf) {
  OsslPtr<BIO> bio(BIO_new(BIO_s_secmem()));
  int ok = 0;
  if (bio && passphrase.empty()) {
    ok = PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  } else if (bio && kdf == PemKdf::kPbkdf2) {
    ok = PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), EVP_aes_256_cbc(),
                                       reinterpret_cast<const char*>(passphrase.data()),
                                       static_cast<int>(passphrase.size()), nullptr, nullptr);
  } else if (bio) {
    // PBES2 with scrypt (RFC 7914 §7) rather than OpenSSL's default PBKDF2 with 2,048
    // iterations: N = 2^14, r = 8 (16 MiB, the most OpenSSL readers accept by default)
    // and p = 8 to multiply the work by eight without more memory.
    uint8_t salt[16];
    X509_ALGOR* pbe = RandomFill(salt).ok()
                          ? PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), salt, sizeof salt, nullptr,
                                                  uint64_t{1} << kScryptLogN, 8, kScryptP)
                          : nullptr;
    PKCS8_PRIV_KEY_INFO* p8inf = pbe != nullptr ? EVP_PKEY2PKCS8(key.get()) : nullptr;
    X509_SIG* p8 = p8inf != nullptr
                       ? PKCS8_set0_pbe(reinterpret_cast<const char*>(passphrase.data()),
                                        static_cast<int>(passphrase.size()), p8inf, pbe)
                       : nullptr;
    if (p8 != nullptr) {
      pbe = nullptr;  // owned by p8 now
      ok = PEM_write_bio_PKCS8(bio.get(), p8);
      X509_SIG_free(p8);
    }
    PKCS8_PRIV_KEY_INFO_free(p8inf);
    X509_ALGOR_free(pbe);
  }
  if (ok != 1) {
    DrainOpenSslErrors("PEM_write_bio_PKCS8PrivateKey");
    return Internal("cannot encode the private key");
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return SecretBytes::CopyOf(
      ByteView(reinterpret_cast<const uint8_t*>(data), static_cast<size_t>(n)));
}

std::string PublicKeyPem(const PublicKey& key) {
  OsslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1) return {};
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string PublicKey::Describe() const {
  return type_ == KeyType::kX25519 ? "x25519" : "rsa-" + std::to_string(bits_);
}

Result<PublicKey> ParsePublicKeyPem(std::string_view pem) {
  if (pem.find("PRIVATE KEY-----") != std::string_view::npos) {
    return InvalidArgument("this is a private key: give the custodian's public key");
  }
  if (pem.find("-----BEGIN PUBLIC KEY-----") == std::string_view::npos) {
    return InvalidArgument("not a PEM public key (expected -----BEGIN PUBLIC KEY-----)");
  }
  auto bio = MemBio(pem);
  EVP_PKEY* raw = bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (raw == nullptr) {
    DrainOpenSslErrors("PEM_read_bio_PUBKEY");
    return InvalidArgument("the PEM public key is malformed");
  }
  return PublicFromKey(Share(raw));
}

Result<PrivateKey> ParsePrivateKeyPem(std::string_view pem, ByteView passphrase) {
  const bool encrypted = pem.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string::npos;
  if (!encrypted && pem.find("PRIVATE KEY-----") == std::string_view::npos) {
    return InvalidArgument("not a PEM private key");
  }
  if (encrypted && passphrase.empty()) {
    return InvalidArgument("the private key is encrypted: give its passphrase");
  }
  auto bio = MemBio(pem);
  // Empty passphrase for an unencrypted key; OpenSSL copies it into its own buffer.
  struct Pass {
    ByteView p;
  } pass{passphrase};
  auto cb = [](char* buf, int size, int, void* u) -> int {
    const auto* pp = static_cast<Pass*>(u);
    if (pp->p.empty() || pp->p.size() > static_cast<size_t>(size)) return 0;
    std::memcpy(buf, pp->p.data(), pp->p.size());
    return static_cast<int>(pp->p.size());
  };
  EVP_PKEY* raw = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, cb, &pass) : nullptr;
  if (raw == nullptr) {
    DrainOpenSslErrors("PEM_read_bio_PrivateKey");
    return InvalidArgument(encrypted ? "wrong passphrase or corrupt private key"
                                     : "the PEM private key is malformed");
  }
  return PrivateFromKey(Share(raw));
}

Result<SecretBytes> X25519(ByteView private_key, ByteView peer_public) {
  if (private_key.size() != 32 || peer_public.size() != 32) {
    return InvalidArgument("X25519 keys are 32 bytes");
  }
  OsslPtr<EVP_PKEY> own(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, private_key.data(), 32));
  OsslPtr<EVP_PKEY> peer(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_public.data(), 32));
  if (!own || !peer) {
    DrainOpenSslErrors("x25519 raw keys");
    return InvalidArgument("invalid X25519 key");
  }
  return Derive(own.get(), peer.get());
}

Result<Bytes> RsaOaepSha256Encrypt(const PublicKey& key, ByteView plaintext, ByteView label) {
  if (key.type() != KeyType::kRsa) return InvalidArgument("not an RSA key");
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  size_t n = 0;
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1 || !asym::SetOaepSha256(ctx.get(), label) ||
      EVP_PKEY_encrypt(ctx.get(), nullptr, &n, plaintext.data(), plaintext.size()) != 1) {
    DrainOpenSslErrors("rsa-oaep encrypt");
    return InvalidArgument("RSA-OAEP encryption failed (message too long for the key?)");
  }
  Bytes out(n);
  if (EVP_PKEY_encrypt(ctx.get(), out.data(), &n, plaintext.data(), plaintext.size()) != 1) {
    DrainOpenSslErrors("rsa-oaep encrypt");
    return InvalidArgument("RSA-OAEP encryption failed (message too long for the key?)");
  }
  out.resize(n);
  return out;
}

Result<Bytes> SealTo(const PublicKey& recipient, ByteView plaintext, std::string_view label) {
  if (recipient.type() == KeyType::kRsa) {
    KEEP_ASSIGN_OR_RETURN(Bytes ct, RsaOaepSha256Encrypt(recipient, plaintext, LabelBytes(label)));
    Bytes out(1 + ct.size());
    out[0] = kTagRsa;
    std::memcpy(out.data() + 1, ct.data(), ct.size());
    return out;
  }
  OsslPtr<EVP_PKEY> eph(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
  if (!eph) {
    DrainOpenSslErrors("x25519 keygen");
    return Internal("cannot generate an X25519 key");
  }
  KEEP_ASSIGN_OR_RETURN(Bytes eph_pub, RawPublic(eph.get()));
  KEEP_ASSIGN_OR_RETURN(Bytes rcpt_pub, RawPublic(recipient.get()));
  KEEP_ASSIGN_OR_RETURN(SecretBytes shared, Derive(eph.get(), recipient.get()));
  KEEP_ASSIGN_OR_RETURN(SecretBytes key, WrapKey(shared, eph_pub, rcpt_pub, label));
  Bytes out(1 + 32 + kAeadNonceSize + plaintext.size() + kAeadTagSize);
  out[0] = kTagX25519;
  std::memcpy(out.data() + 1, eph_pub.data(), 32);
  std::span<uint8_t> nonce(out.data() + 33, kAeadNonceSize);
  KEEP_RETURN_IF_ERROR(RandomFill(nonce));
  KEEP_RETURN_IF_ERROR(AeadSeal(AeadAlgorithm::kAesGcm, key.view(), nonce, LabelBytes(label),
                                plaintext, std::span<uint8_t>(out).subspan(33 + kAeadNonceSize)));
  return out;
}

Result<SecretBytes> RsaOaepSha256Decrypt(const PrivateKey& key, ByteView ciphertext,
                                         ByteView label) {
  if (key.type() != KeyType::kRsa) return InvalidArgument("not an RSA key");
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  size_t n = 0;
  if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1 || !asym::SetOaepSha256(ctx.get(), label) ||
      EVP_PKEY_decrypt(ctx.get(), nullptr, &n, ciphertext.data(), ciphertext.size()) != 1) {
    DrainOpenSslErrors("rsa-oaep decrypt");
    return InvalidArgument("RSA-OAEP decryption failed");
  }
  SecretBytes out(n);
  if (EVP_PKEY_decrypt(ctx.get(), out.data(), &n, ciphertext.data(), ciphertext.size()) != 1) {
    DrainOpenSslErrors("rsa-oaep decrypt");
    return InvalidArgument("RSA-OAEP decryption failed (wrong key, label or corrupt data)");
  }
  out.Truncate(n);
  return out;
}

Result<SecretBytes> OpenWith(const PrivateKey& key, ByteView sealed, std::string_view label) {
  if (sealed.empty()) return InvalidArgument("the encrypted blob is empty");
  if (sealed[0] == kTagRsa) {
    if (key.type() != KeyType::kRsa) {
      return InvalidArgument("this was encrypted to an RSA key, not this X25519 key");
    }
    return RsaOaepSha256Decrypt(key, sealed.subspan(1), LabelBytes(label));
  }
  if (sealed[0] != kTagX25519) return InvalidArgument("unknown encrypted blob type");
  if (key.type() != KeyType::kX25519) {
    return InvalidArgument("this was encrypted to an X25519 key, not this RSA key");
  }
  if (sealed.size() < 1 + 32 + kAeadNonceSize + kAeadTagSize) {
    return InvalidArgument("the encrypted blob is truncated");
  }
  ByteView eph_pub = sealed.subspan(1, 32);
  OsslPtr<EVP_PKEY> eph(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, eph_pub.data(), 32));
  if (!eph) return InvalidArgument("the encrypted blob has an invalid ephemeral key");
  KEEP_ASSIGN_OR_RETURN(Bytes own_pub, RawPublic(key.get()));
  KEEP_ASSIGN_OR_RETURN(SecretBytes shared, Derive(key.get(), eph.get()));
  KEEP_ASSIGN_OR_RETURN(SecretBytes wrap, WrapKey(shared, eph_pub, own_pub, label));
  ByteView body = sealed.subspan(33 + kAeadNonceSize);
  SecretBytes out(body.size() - kAeadTagSize);
  if (!AeadOpen(AeadAlgorithm::kAesGcm, wrap.view(), sealed.subspan(33, kAeadNonceSize),
                LabelBytes(label), body, out.mutable_view())
           .ok()) {
    return InvalidArgument("decryption failed: encrypted to another key, or altered");
  }
  return out;
}

}  // namespace keep::crypto
