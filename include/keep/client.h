// keep::Client — a connection to a keepd server over HTTPS (libkeep).
//
// Create() validates the options and loads the CA; the TLS connection is opened on
// the first request and kept alive; if the server has closed it, the request is
// retried once on a fresh connection (requests are idempotent or safe to repeat:
// encrypt returns a new ciphertext, nothing is lost). The server certificate must
// chain to `ca_cert_file` (or the system store when empty) and match the host name or
// IP address in `address`.
//
// Errors: kInvalidArgument for bad options; kUnavailable ("unavailable") when the
// server cannot be reached, TLS fails, or the timeout passes. HTTP error statuses are
// not errors at this level: Send returns them; StatusOf() turns them into a Status.
// Thread-compatible: use one Client per thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "keep/result.h"
#include "keep/secret_string.h"

namespace keep {

struct ClientOptions {
  std::string address = "https://127.0.0.1:8443";  // https://HOST:PORT (IPv6 as [::1])
  std::string token;                               // bearer token; never logged
  std::string ca_cert_file;                        // PEM; empty: system trust store
  std::string client_cert_file;  // mutual TLS: client certificate chain (PEM); empty: none
  std::string client_key_file;   // its private key (PEM)
  int timeout_ms = 30000;        // per request, connect included
};

struct HttpResult {
  int status = 0;
  SecretString body;  // may hold plaintexts and data keys: wiped when it goes
  std::string request_id;
  int retry_after_s = 0;  // Retry-After (429, 503 overloaded) in seconds; 0: none given
};

class Client {
 public:
  static Result<std::unique_ptr<Client>> Create(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends one request (`target` is the path and query, e.g. "/v1/keys").
  Result<HttpResult> Send(std::string_view method, std::string_view target, std::string_view body);

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  Result<HttpResult> SendOnce(std::string_view method, std::string_view target,
                              std::string_view body);
  std::unique_ptr<Impl> impl_;
};

// OK for 2xx; otherwise a Status whose reason is the API error code and whose message
// is the server's message.
Status StatusOf(const HttpResult& result);

}  // namespace keep
