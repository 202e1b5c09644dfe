// Private to the http layer: the per-request state shared by the api_*.cc files.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/api.h"
#include "http/errors.h"
#include "http/json_fields.h"

namespace keep::http {

struct Api::Call {
  HttpRequest& req;
  std::string request_id;
  std::string_view path;
  std::string_view query;
  std::vector<std::string_view> segments;  // path split on '/', without "v1"
  service::RequestContext ctx;
  audit::Event event;
  bool authenticated = false;
  bool audited = false;
  int retry_after = 0;  // seconds, for 429
};

// Percent-decodes one query parameter value. Errors: bad_request.
Result<std::string> QueryParam(std::string_view query, std::string_view name, bool* present);

HttpResponse JsonResponse(int status, std::string body);
HttpResponse MethodNotAllowed(std::string_view allow, std::string_view request_id);
std::string KeyJson(const keys::KeyMeta& m);

}  // namespace keep::http
