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

struct Api::Call {
  HttpRequest& req;
  std::string request_id;
  std::string path;  // without the query, "//" folded, no trailing "/"
  std::string_view query;
  const Route* route = nullptr;  // null: no route (404/405)
  std::string_view param;        // the route's {param} segment (a key, policy, accessor)
  service::RequestContext ctx;
  audit::Event event;
  bool authenticated = false;
  bool audited = false;
  int retry_after = 0;  // seconds, for 429
};

// An error answer for `call`.
inline HttpResponse Err(const Api::Call& call, const Status& st) {
  return ErrorResponse(st, call.request_id);
}

// Percent-decodes one query parameter value. Errors: bad_request.
Result<std::string> QueryParam(std::string_view query, std::string_view name, bool* present);

HttpResponse JsonResponse(int status, std::string body);
std::string KeyJson(const keys::KeyMeta& m);

}  // namespace keep::http
