#include "crypto/legacy.h"

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "common/encoding.h"
#include "crypto/ossl.h"

namespace keep::crypto {

std::string Md5HexLegacy(ByteView data) {
  static EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  uint8_t d[16];
  unsigned int n = 0;
  if (md5 == nullptr || EVP_Digest(data.data(), data.size(), d, &n, md5, nullptr) != 1 ||
      n != sizeof d) {
    DrainOpenSslErrors("md5");
    return {};
  }
  return HexEncode(ByteView(d, sizeof d));
}

Result<SecretBytes> RsaPkcs1v15DecryptLegacy(const PrivateKey& key, ByteView ciphertext) {
  if (key.type() != KeyType::kRsa) return InvalidArgument("not an RSA key");
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  size_t n = 0;
  if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
      EVP_PKEY_decrypt(ctx.get(), nullptr, &n, ciphertext.data(), ciphertext.size()) != 1) {
    DrainOpenSslErrors("pkcs1 decrypt");
    return InvalidArgument("the legacy entry does not decrypt");
  }
  SecretBytes out(n);
  if (EVP_PKEY_decrypt(ctx.get(), out.data(), &n, ciphertext.data(), ciphertext.size()) != 1) {
    DrainOpenSslErrors("pkcs1 decrypt");
    return InvalidArgument("the legacy entry does not decrypt");
  }
  out.Truncate(n);
  return out;
}

}  // namespace keep::crypto
