// keep — Status: the outcome of an operation that returns no value.
//
// A Status is either OK or carries a Code (Abseil-like), a stable snake_case
// `reason` that is the API error code (for example "invalid_ciphertext"), and a
// message meant for a person. Messages never contain secrets: callers build them
// from non-secret facts only. Statuses are cheap to copy and thread-compatible.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "keep/code.h"
#include "keep/reasons.h"

namespace keep {

// A reason: one of the names in keep/reasons.h, and nothing else. From a literal the check
// happens at compile time (an unknown name does not compile); FromTable takes a name read
// at run time from those tables.
class ReasonCode {
 public:
  consteval ReasonCode(const char* name) : name_(name) {  // NOLINT: implicit on purpose
    if (!IsKnownReason(name_)) throw "not a reason listed in keep/reasons.h";
  }
  // `name` must be a table entry's own string (FindApiReason(...)->name, ...).
  static constexpr ReasonCode FromTable(std::string_view name) { return ReasonCode(name, 0); }
  constexpr std::string_view name() const { return name_; }

 private:
  constexpr ReasonCode(std::string_view name, int) : name_(name) {}
  std::string_view name_;
};

// The default API reason for a code ("bad_request" for kInvalidArgument, ...).
ReasonCode DefaultReason(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, ReasonCode reason, std::string message)
      : code_(code), reason_(reason.name()), message_(std::move(message)) {}
  Status(Code code, std::string message)
      : code_(code), reason_(DefaultReason(code).name()), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  // Stable snake_case identifier; "ok" when ok(). Always points at a string literal.
  std::string_view reason() const { return ok() ? std::string_view("ok") : reason_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

  // Marks a status as deliberately ignored.
  void IgnoreError() const {}

 private:
  Code code_ = Code::kOk;
  std::string_view reason_;  // a name from keep/reasons.h (ReasonCode)
  std::string message_;
};

std::ostream& operator<<(std::ostream& os, const Status& s);

// Helpers for the common codes.
Status InvalidArgument(std::string message, ReasonCode reason = "bad_request");
Status NotFound(std::string message, ReasonCode reason = "not_found");
Status AlreadyExists(std::string message, ReasonCode reason = "already_exists");
Status FailedPrecondition(ReasonCode reason, std::string message);
Status Unauthenticated(std::string message);
Status PermissionDenied(std::string message);
Status Unavailable(ReasonCode reason, std::string message);
Status Internal(std::string message);
Status DataLoss(std::string message);

}  // namespace keep

// Evaluates an expression returning Status; returns it from the caller on error.
#define KEEP_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::keep::Status keep_status_ = (expr);        \
    if (!keep_status_.ok()) return keep_status_; \
  } while (0)

#define KEEP_CONCAT_INNER_(a, b) a##b
#define KEEP_CONCAT_(a, b) KEEP_CONCAT_INNER_(a, b)
// `KEEP_ASSIGN_OR_RETURN(auto x, Fn());` binds the value of a Result or returns its Status.
#define KEEP_ASSIGN_OR_RETURN(lhs, rexpr) \
  KEEP_ASSIGN_OR_RETURN_IMPL_(KEEP_CONCAT_(keep_result_, __LINE__), lhs, rexpr)
#define KEEP_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                \
  if (!tmp.ok()) return std::move(tmp).status();     \
  lhs = std::move(tmp).value()
