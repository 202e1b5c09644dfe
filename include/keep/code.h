// keep — Code: the kind of an error (Abseil-like), which fixes its HTTP status class.
// Shared by Status (keep/status.h) and the reasons table (keep/reasons.h).
#pragma once

namespace keep {

enum class Code {
  kOk = 0,
  kInvalidArgument,     // 400: malformed or unacceptable input
  kUnauthenticated,     // 401
  kPermissionDenied,    // 403
  kNotFound,            // 404
  kMethodNotAllowed,    // 405
  kAlreadyExists,       // 409
  kFailedPrecondition,  // 409: the object's state forbids the operation
  kTooLarge,            // 413
  kResourceExhausted,   // 429
  kUnimplemented,       // 501
  kUnavailable,         // 503: sealed, locked down, shutting down
  kInternal,            // 500: detail goes to the log only
  kDataLoss,            // 500: stored data failed authentication
};

}  // namespace keep
