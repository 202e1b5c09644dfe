// RAII for OpenSSL objects: OsslPtr<T> owns a T* and frees it with T's free function.
// Also DrainOpenSslErrors(), which moves OpenSSL's thread-local error queue to the
// server log (never to a client). Thread-compatible.
#pragma once

#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string_view>

namespace keep::crypto {

template <typename T>
struct OsslDeleter;

#define KEEP_OSSL_DELETER(T, fn)           \
  template <>                              \
  struct OsslDeleter<T> {                  \
    void operator()(T* p) const { fn(p); } \
  };

KEEP_OSSL_DELETER(EVP_CIPHER_CTX, EVP_CIPHER_CTX_free)
KEEP_OSSL_DELETER(EVP_CIPHER, EVP_CIPHER_free)
KEEP_OSSL_DELETER(EVP_MAC, EVP_MAC_free)
KEEP_OSSL_DELETER(EVP_MAC_CTX, EVP_MAC_CTX_free)
KEEP_OSSL_DELETER(EVP_KDF, EVP_KDF_free)
KEEP_OSSL_DELETER(EVP_KDF_CTX, EVP_KDF_CTX_free)
KEEP_OSSL_DELETER(EVP_PKEY, EVP_PKEY_free)
KEEP_OSSL_DELETER(EVP_PKEY_CTX, EVP_PKEY_CTX_free)
KEEP_OSSL_DELETER(EVP_MD_CTX, EVP_MD_CTX_free)
KEEP_OSSL_DELETER(X509, X509_free)
KEEP_OSSL_DELETER(X509_NAME, X509_NAME_free)
KEEP_OSSL_DELETER(X509_EXTENSION, X509_EXTENSION_free)
KEEP_OSSL_DELETER(BIO, BIO_free_all)
KEEP_OSSL_DELETER(SSL_CTX, SSL_CTX_free)
KEEP_OSSL_DELETER(BIGNUM, BN_free)
KEEP_OSSL_DELETER(ASN1_INTEGER, ASN1_INTEGER_free)
KEEP_OSSL_DELETER(PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free)
#undef KEEP_OSSL_DELETER

template <typename T>
using OsslPtr = std::unique_ptr<T, OsslDeleter<T>>;

// Logs and clears every entry in this thread's OpenSSL error queue, prefixed by `where`.
void DrainOpenSslErrors(std::string_view where);

}  // namespace keep::crypto
