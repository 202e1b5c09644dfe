// ReloadableTls: a server TLS context whose certificate, key and client CAs can be
// replaced while keepd serves (SIGHUP), without dropping a connection.
//
// The listener keeps using ctx(), the context built at start; a ClientHello callback on
// it moves each new handshake onto the newest context (SSL_set_SSL_CTX), with that
// context's verify mode. Connections already established keep the material they
// handshook with. Session tickets stay those of the first context, so resumption survives
// a reload. Thread-safe: Reload may run while handshakes are in progress on every reactor.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <mutex>
#include <string>

#include "crypto/ossl.h"
#include "http/tls.h"
#include "keep/result.h"

namespace keep::http {

class ReloadableTls {
 public:
  // Builds the first context from `files`. Errors: as MakeServerContext.
  static Result<std::unique_ptr<ReloadableTls>> Create(const TlsFiles& files);
  ~ReloadableTls();
  ReloadableTls(const ReloadableTls&) = delete;
  ReloadableTls& operator=(const ReloadableTls&) = delete;

  // The context to give the listener; valid as long as this object.
  SSL_CTX* ctx() const { return base_.get(); }
  // Reads `files` again (the same paths after a certificate was renewed in place, or new
  // ones); on success new handshakes use them. Errors: the files cannot be read or do not
  // match — the running material stays in use.
  Status Reload(const TlsFiles& files);
  // "subject …, expires …, sha256 …" of the certificate new handshakes get (for logs).
  std::string Describe() const;

 private:
  explicit ReloadableTls(crypto::OsslPtr<SSL_CTX> base);
  static int OnClientHello(SSL* ssl, int* alert, void* arg);

  crypto::OsslPtr<SSL_CTX> base_;
  mutable std::mutex mu_;
  crypto::OsslPtr<SSL_CTX> current_;  // null: base_ is current
};

}  // namespace keep::http
