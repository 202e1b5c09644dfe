// Transport-neutral HTTP request/response, so the API is a pure function that can be
// tested without sockets and Beast stays inside server.cc.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace keep::http {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as received
  std::optional<std::string> authorization;
  std::string body;
  std::string remote_address;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  // The body holds secrets (plaintext, data keys, tokens): the server wipes it after
  // writing.
  bool sensitive = false;
};

}  // namespace keep::http
