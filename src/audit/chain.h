// The audit trail's file format (docs/formats.md §7): JSON lines in a hash chain with
// signed checkpoints, and its verifier.
//
// Every line is one JSON object whose first field is "seq" (1, 2, 3, … across files) and
// whose last field before any "sig" is "prev": the hex SHA-256 of the previous line's
// bytes (without the newline; 64 zeros for seq 1). Record types: "request", "lockdown",
// "start" (the trail was opened; "clean": false when the previous run did not close it)
// and "checkpoint" — signed with Ed25519 over the line's bytes up to `,"sig":"`;
// "final": true marks the checkpoint written when a file is closed or rotated.
//
// Pure functions; thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "crypto/sign.h"
#include "keep/result.h"

namespace keep::audit {

using Hash = std::array<uint8_t, 32>;

// SHA-256 of one line (without its newline).
Hash LineHash(std::string_view line);

// The signed part of a checkpoint line: everything before `,"sig":"`.
// Errors: bad_request when the line has no signature field.
Result<std::string_view> SignedPart(std::string_view line);

struct VerifyOptions {
  // The checkpoint public key; without it signatures are not checked (and the report says so).
  std::optional<crypto::Ed25519PublicKey> public_key;
  // The last file is still being written: a missing closing checkpoint is not an error.
  bool live = false;
};

struct VerifyReport {
  bool ok = false;
  uint64_t records = 0;      // lines read, checkpoints included
  uint64_t checkpoints = 0;  // signatures checked and valid (or present, without a key)
  uint64_t first_seq = 0, last_seq = 0;
  uint64_t unsigned_tail = 0;  // records after the last checkpoint
  bool signatures_checked = false;
  std::vector<std::string> notes;  // non-fatal facts (unclean restarts, mid-trail start)
  // When !ok: where and what. `file` and `line` (1-based) of the first bad record.
  std::string file;
  uint64_t line = 0;
  std::string error;
};

// Parses one trail line as JSON. Lines written by earlier keepd versions could hold bytes that
// are not UTF-8 (client input echoed unescaped): such a line is parsed leniently and
// `*invalid_utf8` set, so the chain still verifies and keepd still starts after it.
// Errors: bad_request when the line is not JSON at all.
Result<boost::json::value> ParseRecordLine(std::string_view line, bool* invalid_utf8);

// Verifies `files` as one trail, in order (rotated files first, the current one last).
// Detects modified, deleted, inserted, reordered and truncated records and reports the
// first bad position. I/O errors are reported in the report, never thrown.
VerifyReport VerifyTrail(const std::vector<std::string>& files, const VerifyOptions& options);

}  // namespace keep::audit
