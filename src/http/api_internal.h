// Private to the http layer: the per-request state shared by the api_*.cc files.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/api.h"
#include "http/errors.h"
#include "http/json_fields.h"
#include "http/routes.h"

namespace keep::http {

// A REST request on its way through the Gate: the Passage (identity, audit record,
// Retry-After) plus what the REST door decoded.
struct Api::Call : access::Passage {
  Call(HttpRequest& r, std::string id)
      : access::Passage(id, std::string(r.remote_address)), req(r), request_id(std::move(id)) {}
  HttpRequest& req;
  std::string request_id;
  std::string path;  // without the query, "//" folded, no trailing "/"
  std::string_view query;
  const Route* route = nullptr;  // null: no route (404/405)
  std::string_view param;        // the route's {param} segment (a key, policy, accessor)
};

// The path without its query, with "//" folded and no trailing "/" (as clients send it).
inline std::string CleanPath(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  std::string out;
  out.reserve(path.size());
  for (char c : path) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out += c;
  }
  if (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

// An error answer for `call`.
inline HttpResponse Err(const Api::Call& call, const Status& st) {
  return ErrorResponse(st, call.request_id);
}

// Percent-decodes one query parameter value. Errors: bad_request.
Result<std::string> QueryParam(std::string_view query, std::string_view name, bool* present);
// An integer query parameter; empty when absent. Errors: bad_request.
Result<std::optional<int64_t>> IntParam(std::string_view query, std::string_view name);

// A JSON answer; the body is (or is copied into) wiping memory.
HttpResponse JsonResponse(int status, SecretString body);
std::string KeyJson(const keys::KeyMeta& m);

}  // namespace keep::http
