#include "keep/status.h"

namespace keep {

ReasonCode DefaultReason(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kInvalidArgument:
      return "bad_request";
    case Code::kUnauthenticated:
      return "unauthenticated";
    case Code::kPermissionDenied:
      return "permission_denied";
    case Code::kNotFound:
      return "not_found";
    case Code::kMethodNotAllowed:
      return "method_not_allowed";
    case Code::kAlreadyExists:
      return "already_exists";
    case Code::kFailedPrecondition:
      return "failed_precondition";
    case Code::kTooLarge:
      return "payload_too_large";
    case Code::kResourceExhausted:
      return "rate_limited";
    case Code::kUnimplemented:
      return "not_implemented";
    case Code::kUnavailable:
      return "unavailable";
    case Code::kInternal:
      return "internal";
    case Code::kDataLoss:
      return "internal";
  }
  return "internal";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string s(reason_);
  s += ": ";
  s += message_;
  return s;
}

std::ostream& operator<<(std::ostream& os, const Status& s) {
  return os << s.ToString();
}

Status InvalidArgument(std::string message, ReasonCode reason) {
  return Status(Code::kInvalidArgument, reason, std::move(message));
}
Status NotFound(std::string message, ReasonCode reason) {
  return Status(Code::kNotFound, reason, std::move(message));
}
Status AlreadyExists(std::string message, ReasonCode reason) {
  return Status(Code::kAlreadyExists, reason, std::move(message));
}
Status FailedPrecondition(ReasonCode reason, std::string message) {
  return Status(Code::kFailedPrecondition, reason, std::move(message));
}
Status Unauthenticated(std::string message) {
  return Status(Code::kUnauthenticated, std::move(message));
}
Status PermissionDenied(std::string message) {
  return Status(Code::kPermissionDenied, std::move(message));
}
Status Unavailable(ReasonCode reason, std::string message) {
  return Status(Code::kUnavailable, reason, std::move(message));
}
Status Internal(std::string message) {
  return Status(Code::kInternal, std::move(message));
}
Status DataLoss(std::string message) {
  return Status(Code::kDataLoss, std::move(message));
}

}  // namespace keep
