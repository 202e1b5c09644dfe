#include "http/errors.h"

#include "common/log.h"

#include "http/json_fields.h"

namespace keep::http {

int HttpStatusFor(const Status& s) {
  switch (s.code()) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kMethodNotAllowed:
      return 405;
    case Code::kAlreadyExists:
      return 409;
    case Code::kFailedPrecondition:
      return s.reason() == "not_initialized" ? 503 : 409;
    case Code::kTooLarge:
      return 413;
    case Code::kResourceExhausted:
      return 429;
    case Code::kUnimplemented:
      return 501;
    case Code::kUnavailable:
      return s.reason() == "peer_misbehaved" ? 502 : 503;
    case Code::kInternal:
    case Code::kDataLoss:
      return 500;
  }
  return 500;
}

std::string_view PublicMessage(const Status& s) {
  if (s.code() == Code::kInternal || s.code() == Code::kDataLoss) return "internal error";
  return s.message();
}

HttpResponse ErrorResponse(const Status& s, std::string_view request_id) {
  if (s.code() == Code::kInternal || s.code() == Code::kDataLoss) {
    // The client sees "internal error"; the detail is for the operator only.
    log::Error("request {}: {}", request_id, s.ToString());
  }
  HttpResponse r;
  r.status = HttpStatusFor(s);
  const std::string_view reason =
      (s.code() == Code::kInternal || s.code() == Code::kDataLoss) ? "internal" : s.reason();
  r.error_code = std::string(reason);
  r.body = "{\"error\":{\"code\":";
  AppendJsonString(r.body, reason);
  r.body += ",\"message\":";
  AppendJsonString(r.body, PublicMessage(s));
  r.body += ",\"request_id\":";
  AppendJsonString(r.body, request_id);
  r.body += "}}";
  return r;
}

}  // namespace keep::http
