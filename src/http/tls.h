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
  // Mutual TLS: client certificates are verified against these CAs (PEM). Empty: no
  // client certificates are asked for. `require_client_cert`: a handshake without one fails.
  std::string client_ca_file;
  bool require_client_cert = false;
};

// A verified client certificate: subject (RFC 2253) and SHA-256 of its
// SubjectPublicKeyInfo (lower-case hex). Empty when the peer sent none or it failed
// verification.
struct PeerCertificate {
  std::string subject;
  std::string spki_sha256;
};
PeerCertificate PeerOf(SSL* ssl);
// The same facts for a certificate file (PEM), for configuration and tools.
Result<PeerCertificate> DescribeCertificateFile(const std::string& pem_file);

// Ensures `dir` holds ca.pem, server.pem and server.key (P-256, valid 1 year, SANs
// localhost, 127.0.0.1 and ::1), creating them if any is missing. Private keys are
// written with mode 0600; the CA private key is not kept.
Result<TlsFiles> EnsureDevCertificates(const std::string& dir);

Result<crypto::OsslPtr<SSL_CTX>> MakeServerContext(const TlsFiles& files);

}  // namespace keep::http
