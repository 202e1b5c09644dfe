// Transport-neutral HTTP request/response, so the API is a pure function that can be
// tested without sockets and Beast stays inside server.cc.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "keep/secret_string.h"

namespace keep::audit {
class Ticket;
}

namespace keep::http {

struct HttpRequest {
  std::string method;                         // "GET", "POST", ...
  std::string target;                         // path and query, as received
  std::optional<SecretString> authorization;  // the bearer token
  SecretString body;  // may hold plaintexts, shares, keys: wiped wherever it goes
  std::string remote_address;
  // A client certificate the TLS layer verified against the configured client CA:
  // its subject (RFC 2253) and the SHA-256 of its SubjectPublicKeyInfo (hex). Empty: none.
  std::string client_cert_subject;
  std::string client_cert_spki_sha256;
  // The other headers (names as received) — filled only for requests to "/", the AWS KMS
  // door, whose signature covers them; other endpoints need none.
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpResponse {
  int status = 200;
  SecretString body;  // may hold plaintexts, data keys, tokens, shares: always wiped
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  // For errors: the API error code (audit outcome).
  std::string error_code;
  // With ApiOptions::async_audit: the audit record still being written. The transport must
  // not send this response until the ticket completes successfully; if it fails or takes
  // longer than Api::audit_timeout_ms(), it sends Api::AuditFailed() instead.
  std::shared_ptr<audit::Ticket> audit_ticket;
};

}  // namespace keep::http
