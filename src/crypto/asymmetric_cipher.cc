// crypto/asymmetric.h: RSA-OAEP-SHA256, AES key wrap with padding (RFC 5649) and HMAC —
// the encryption and MAC halves (asymmetric.cc has key pairs and signatures).
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "crypto/asymmetric.h"
#include "crypto/ossl.h"

namespace keep::crypto::asym {

size_t OaepMaxPlaintext(const PublicKeyRef& key) {
  const size_t k = static_cast<size_t>(key.bits() + 7) / 8;
  return k > 66 ? k - 66 : 0;
}

bool SetOaepSha256(EVP_PKEY_CTX* ctx, ByteView label) {
  if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) != 1) {
    return false;
  }
  if (label.empty()) return true;
  // OpenSSL takes ownership of the label copy.
  auto* copy = static_cast<unsigned char*>(OPENSSL_memdup(label.data(), label.size()));
  if (copy == nullptr) return false;
  if (EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, copy, static_cast<int>(label.size())) != 1) {
    OPENSSL_free(copy);
    return false;
  }
  return true;
}

Result<Bytes> OaepEncrypt(const PublicKeyRef& key, ByteView label, ByteView plaintext) {
  if (key.kind() != Kind::kRsa) return InvalidArgument("RSA-OAEP needs an RSA key");
  if (plaintext.size() > OaepMaxPlaintext(key)) {
    return InvalidArgument("RSA-OAEP-SHA256 with a " + std::to_string(key.bits()) +
                           "-bit key encrypts at most " + std::to_string(OaepMaxPlaintext(key)) +
                           " bytes");
  }
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  size_t n = 0;
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1 || !SetOaepSha256(ctx.get(), label) ||
      EVP_PKEY_encrypt(ctx.get(), nullptr, &n, plaintext.data(), plaintext.size()) != 1) {
    DrainOpenSslErrors("oaep encrypt init");
    return Internal("RSA-OAEP encryption failed");
  }
  Bytes out(n);
  if (EVP_PKEY_encrypt(ctx.get(), out.data(), &n, plaintext.data(), plaintext.size()) != 1) {
    DrainOpenSslErrors("oaep encrypt");
    return Internal("RSA-OAEP encryption failed");
  }
  out.resize(n);
  return out;
}

Result<SecretBytes> OaepDecrypt(const KeyPair& key, ByteView label, ByteView ciphertext) {
  if (key.kind() != Kind::kRsa) return InvalidArgument("RSA-OAEP needs an RSA key");
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  size_t n = 0;
  if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1 || !SetOaepSha256(ctx.get(), label) ||
      EVP_PKEY_decrypt(ctx.get(), nullptr, &n, ciphertext.data(), ciphertext.size()) != 1) {
    ERR_clear_error();
    return InvalidArgument("invalid ciphertext", "invalid_ciphertext");
  }
  SecretBytes out(n);
  if (EVP_PKEY_decrypt(ctx.get(), out.data(), &n, ciphertext.data(), ciphertext.size()) != 1) {
    ERR_clear_error();
    return InvalidArgument("invalid ciphertext", "invalid_ciphertext");
  }
  out.Truncate(n);
  return out;
}

namespace {

const EVP_CIPHER* WrapCipher(size_t kek_size) {
  return kek_size == 16   ? EVP_aes_128_wrap_pad()
         : kek_size == 24 ? EVP_aes_192_wrap_pad()
         : kek_size == 32 ? EVP_aes_256_wrap_pad()
                          : nullptr;
}

}  // namespace

Result<Bytes> KeyWrapPad(ByteView kek, ByteView plaintext) {
  const EVP_CIPHER* c = WrapCipher(kek.size());
  if (c == nullptr) return InvalidArgument("a key encryption key has 16, 24 or 32 bytes");
  if (plaintext.empty()) return InvalidArgument("nothing to wrap");
  OsslPtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  Bytes out(plaintext.size() + 16);
  int n = 0;
  if (!ctx) return Internal("cannot set up key wrap");
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  if (EVP_EncryptInit_ex(ctx.get(), c, nullptr, kek.data(), nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &n, plaintext.data(),
                        static_cast<int>(plaintext.size())) != 1) {
    DrainOpenSslErrors("key wrap");
    return Internal("key wrap failed");
  }
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<SecretBytes> KeyUnwrapPad(ByteView kek, ByteView wrapped) {
  const EVP_CIPHER* c = WrapCipher(kek.size());
  if (c == nullptr) return InvalidArgument("a key encryption key has 16, 24 or 32 bytes");
  if (wrapped.size() < 16 || wrapped.size() % 8 != 0) {
    return InvalidArgument("invalid ciphertext", "invalid_ciphertext");
  }
  OsslPtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  SecretBytes out(wrapped.size());
  int n = 0;
  if (!ctx) return Internal("cannot set up key unwrap");
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  if (EVP_DecryptInit_ex(ctx.get(), c, nullptr, kek.data(), nullptr) != 1 ||
      EVP_DecryptUpdate(ctx.get(), out.data(), &n, wrapped.data(),
                        static_cast<int>(wrapped.size())) != 1 ||
      n <= 0) {
    ERR_clear_error();
    return InvalidArgument("invalid ciphertext", "invalid_ciphertext");
  }
  out.Truncate(static_cast<size_t>(n));
  return out;
}

Result<Bytes> Hmac(Hash hash, ByteView key, ByteView message) {
  Bytes out(HashSize(hash));
  size_t n = 0;
  const char* name = hash == Hash::kSha256 ? "SHA256" : hash == Hash::kSha384 ? "SHA384" : "SHA512";
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, name, nullptr, key.data(), key.size(), message.data(),
                message.size(), out.data(), out.size(), &n) == nullptr ||
      n != out.size()) {
    DrainOpenSslErrors("hmac");
    return Internal("HMAC failed");
  }
  return out;
}

bool HmacVerify(Hash hash, ByteView key, ByteView message, ByteView tag) {
  auto mac = Hmac(hash, key, message);
  if (!mac.ok() || tag.size() != mac->size()) return false;
  return CRYPTO_memcmp(mac->data(), tag.data(), tag.size()) == 0;
}

}  // namespace keep::crypto::asym
