// Snapshot: the file `keep operator backup` writes and `keepd --restore` reads — one
// SQLite database (consistent, taken with SQLite's online backup API while keepd serves)
// with what is needed to refuse the wrong one. Layout (docs/formats.md §9):
//
//   "KEEPSNAP" | version 0x01 | header length (u32 BE) | header (JSON) | database | SHA-256
//
// The header says when it was taken, by which keep, the deployment it belongs to, the
// keyring term and schema version in force, and the database's length; the trailing
// SHA-256 covers every byte before it. The database is keep's store as it is at rest:
// every record under the barrier is ciphertext, so a snapshot opens only with the root
// key (shares, HSM) of its deployment. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/bytes.h"
#include "keep/result.h"

namespace keep::store {

struct SnapshotInfo {
  int64_t created = 0;     // unix seconds
  std::string deployment;  // 32 lower-case hex digits (core/deployment)
  std::string keep_version;
  int64_t keyring_term = 0;
  int schema = 0;  // the store's schema version
  std::string backend = "sqlite";
  uint64_t database_bytes = 0;
};

inline constexpr size_t kSnapshotHeaderMax = 64 * 1024;

// The snapshot of `database` (a whole SQLite file); info.database_bytes is set here.
// Errors: kInvalidArgument when `database` is not a SQLite file.
Result<Bytes> EncodeSnapshot(SnapshotInfo info, std::span<const uint8_t> database);

struct Snapshot {
  SnapshotInfo info;
  std::span<const uint8_t> database;  // within the bytes passed to DecodeSnapshot
};

// Checks everything: magic, version, lengths, header fields and types, the checksum,
// and that the database is a SQLite file. Errors: kInvalidArgument with reason
// "invalid_snapshot" and what is wrong ("not a keep snapshot", "truncated", "checksum
// mismatch: the file is corrupt", …).
Result<Snapshot> DecodeSnapshot(std::span<const uint8_t> bytes);

// The SHA-256 trailer in hex (for the operator to note beside the file).
std::string SnapshotChecksum(std::span<const uint8_t> snapshot);

}  // namespace keep::store
