// TLS set-up for keepd: server contexts (TLS 1.2 minimum, 1.3 preferred, modern
// ciphers only) and a development CA + server certificate generator for `make run`
// and the tests. Not thread-safe during set-up; the SSL_CTX is then shared read-only.
#pragma once

#include <openssl/ssl.h>

#include <string>

#include "crypto/ossl.h"
#include "keep/result.h"

namespace keep::http {

struct TlsFiles {
  std::string cert_file;  // PEM chain, leaf first
  std::string key_file;   // PEM private key
};

// Ensures `dir` holds ca.pem, server.pem and server.key (P-256, valid 1 year, SANs
// localhost, 127.0.0.1 and ::1), creating them if any is missing. Private keys are
// written with mode 0600; the CA private key is not kept.
Result<TlsFiles> EnsureDevCertificates(const std::string& dir);

Result<crypto::OsslPtr<SSL_CTX>> MakeServerContext(const TlsFiles& files);

}  // namespace keep::http
