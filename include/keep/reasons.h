// keep — the error reasons: the one list of every `error.code` the API sends, with its
// HTTP status and meaning, and of the reasons local failures carry that never cross the
// wire (the command line's files and outputs).
//
// Server, client and docs agree on it: a Status can only carry a reason from these lists
// (keep/status.h: ReasonCode does not compile with any other name), libkeep's StatusOf
// maps codes through this table, docs/api.md's error table lists exactly kApiReasons with
// these statuses (tests/check_reasons.py), and src/http/errors_test.cc round-trips each
// one. Add a reason here first.
#pragma once

#include <string_view>

#include "keep/code.h"

namespace keep {

struct Reason {
  std::string_view name;  // snake_case, the JSON `error.code`
  int http_status;
  Code code;
  std::string_view meaning;
};

inline constexpr Reason kApiReasons[] = {
    {"bad_request", 400, Code::kInvalidArgument, "malformed or unacceptable input"},
    {"invalid_ciphertext", 400, Code::kInvalidArgument,
     "corrupt, truncated, tampered, or not made by this keep"},
    {"context_mismatch", 400, Code::kInvalidArgument, "the encryption context differs"},
    {"key_mismatch", 400, Code::kInvalidArgument,
     "the ciphertext belongs to another key than the one in the path"},
    {"invalid_key_usage", 400, Code::kInvalidArgument,
     "the key's type or purpose does not allow the operation (e.g. signing with an AES key)"},
    {"invalid_share", 400, Code::kInvalidArgument,
     "a share that is mistyped, from another set, altered, encrypted or of the wrong kind"},
    {"unauthenticated", 401, Code::kUnauthenticated, "no credential, or one that failed"},
    {"permission_denied", 403, Code::kPermissionDenied, "no policy grants the capability"},
    {"not_found", 404, Code::kNotFound, "no such key, token, policy or route"},
    {"method_not_allowed", 405, Code::kMethodNotAllowed, "see the Allow header"},
    {"already_exists", 409, Code::kAlreadyExists, "the name is taken"},
    {"key_disabled", 409, Code::kFailedPrecondition, "the key is disabled"},
    {"key_pending_deletion", 409, Code::kFailedPrecondition, "the key is scheduled for deletion"},
    {"version_retired", 409, Code::kFailedPrecondition,
     "the version is below the key's minimum decryption version"},
    {"already_initialized", 409, Code::kAlreadyExists, "keep is initialized already"},
    {"failed_precondition", 409, Code::kFailedPrecondition,
     "the object's state forbids the operation"},
    {"conflict", 409, Code::kFailedPrecondition,
     "another node or request changed the same record first"},
    {"rekey_in_progress", 409, Code::kFailedPrecondition, "a rekey is already in progress"},
    {"payload_too_large", 413, Code::kTooLarge, "the body or batch is too large"},
    {"rate_limited", 429, Code::kResourceExhausted, "over a rate limit (see Retry-After)"},
    {"internal", 500, Code::kInternal, "a failure inside keep; the detail is in its log"},
    {"not_implemented", 501, Code::kUnimplemented, "this server does not offer the operation"},
    {"sealed", 503, Code::kUnavailable, "keep is sealed"},
    {"not_initialized", 503, Code::kFailedPrecondition, "keep is not initialized"},
    {"locked_down", 503, Code::kUnavailable,
     "this identity, or keep as a whole, exceeded a decrypt budget"},
    {"audit_unavailable", 503, Code::kUnavailable,
     "the request's audit record could not be written: nothing was returned"},
    {"overloaded", 503, Code::kUnavailable,
     "connections or request bodies at their limit (see Retry-After)"},
    {"hsm_pin_rejected", 503, Code::kUnavailable,
     "the HSM refused the PIN; automatic unseal stopped"},
    {"store_unavailable", 503, Code::kUnavailable,
     "the database is unreachable: writes are refused, keys in memory still serve"},
    {"unavailable", 503, Code::kUnavailable, "keep cannot serve the request now"},
    {"peer_unavailable", 503, Code::kUnavailable,
     "a split key's peer deployment could not be reached (or none is configured)"},
    {"peer_refused", 503, Code::kUnavailable,
     "a split key's peer deployment refused its part (its error is in the message)"},
    {"peer_misbehaved", 502, Code::kUnavailable,
     "a split key's peer answered with a partial or key share whose proof does not verify"},
};

// Reasons of failures inside one process that are never sent by the API.
inline constexpr std::string_view kLocalReasons[] = {
    "cannot_write",       // an output file could not be written
    "cannot_read",        // an input could not be read (an I/O error, not its content)
    "exists",             // an output that must not be replaced exists
    "is_directory",       // an output names a directory
    "output_is_input",    // the output is the input's device or FIFO
    "invalid_file",       // a keep file that is damaged or not a keep file
    "invalid_record",     // a keep record (keep::Envelope) that is damaged or not a record
    "invalid_snapshot",   // a backup snapshot that is damaged or not a keep snapshot
    "foreign_snapshot",   // a backup snapshot of another deployment
    "wrong_key",          // no identity given opens the file
    "invalid_signature",  // keep verify: the signature or MAC does not verify
    "finished",           // a file body written after its end
    "listen_failed",      // keepd cannot bind its address
    "schema_too_new",     // the store was written by a newer keep
    "usage",              // the command line is wrong (the keep CLI exits 2)
    "bad_answer",         // the server's answer is not what the API says (another program?)
    // The KMIP door's, each answered as the KMIP Result Reason of the same name (never an
    // API error.code).
    "kmip_missing_data",             // a required field is absent
    "kmip_format_not_supported",     // Key Format Type Not Supported
    "kmip_not_extractable",          // Get of an object whose Extractable is false
    "kmip_index_out_of_bounds",      // no attribute instance with that index
    "kmip_read_only_attribute",      // a server-maintained attribute
    "kmip_feature_not_supported",    // a mode, method or parameter keep does not offer
    "kmip_operation_not_supported",  // an operation keep does not offer
};

// Whether `name` is a reason of either list ("ok" is the reason of success).
constexpr bool IsKnownReason(std::string_view name) {
  if (name == "ok") return true;
  for (const auto& r : kApiReasons) {
    if (r.name == name) return true;
  }
  for (auto r : kLocalReasons) {
    if (r == name) return true;
  }
  return false;
}

// The API reason named `name`, or nullptr when the list has none.
constexpr const Reason* FindApiReason(std::string_view name) {
  for (const auto& r : kApiReasons) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

}  // namespace keep
