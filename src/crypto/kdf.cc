#include "crypto/kdf.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto/ossl.h"

namespace keep::crypto {
namespace {

EVP_KDF* Hkdf() {
  static EVP_KDF* const kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  return kdf;
}

}  // namespace

Status Sha256(ByteView data, std::span<uint8_t, kSha256Size> out) {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned int n = 0;
  if (md == nullptr || EVP_Digest(data.data(), data.size(), out.data(), &n, md, nullptr) != 1 ||
      n != kSha256Size) {
    DrainOpenSslErrors("Sha256");
    return Internal("SHA-256 failed");
  }
  return Status::Ok();
}

Status HkdfSha256(ByteView ikm, ByteView salt, ByteView info, std::span<uint8_t> out) {
  if (out.empty() || out.size() > 255 * kSha256Size) {
    return InvalidArgument("HKDF output size out of range");
  }
  OsslPtr<EVP_KDF_CTX> ctx(EVP_KDF_CTX_new(Hkdf()));
  if (!ctx) return Internal("HKDF unavailable");
  char digest[] = "SHA256";
  static const uint8_t kEmpty[1] = {0};
  OSSL_PARAM params[5];
  size_t i = 0;
  params[i++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[i++] = OSSL_PARAM_construct_octet_string(
      OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(ikm.empty() ? kEmpty : ikm.data()), ikm.size());
  if (!salt.empty()) {
    params[i++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
                                                    const_cast<uint8_t*>(salt.data()), salt.size());
  }
  if (!info.empty()) {
    params[i++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                                    const_cast<uint8_t*>(info.data()), info.size());
  }
  params[i] = OSSL_PARAM_construct_end();
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    DrainOpenSslErrors("HKDF");
    OPENSSL_cleanse(out.data(), out.size());
    return Internal("key derivation failed");
  }
  return Status::Ok();
}

bool HmacSha256Verify(ByteView key, ByteView message, ByteView tag) {
  if (tag.size() < 16 || tag.size() > kSha256Size) return false;
  uint8_t mac[kSha256Size];
  if (!HmacSha256(key, message, mac).ok()) return false;
  const bool eq = CRYPTO_memcmp(mac, tag.data(), tag.size()) == 0;
  OPENSSL_cleanse(mac, sizeof mac);
  return eq;
}

}  // namespace keep::crypto

namespace keep::crypto {

Status HkdfExpandSha256Block(const HmacKey& prk, ByteView info,
                             std::span<uint8_t, kSha256Size> out) {
  static const uint8_t kCounter[1] = {0x01};
  return prk.Compute({info, ByteView(kCounter, 1)}, out);
}

}  // namespace keep::crypto
