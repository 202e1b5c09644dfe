// Store: the durable key/value interface every backend implements (SQLite now,
// PostgreSQL later). Values are opaque bytes: keep only ever stores ciphertext here
// (the barrier in keys/ encrypts before writing), plus non-secret schema metadata.
//
// Paths are printable ASCII, at most 512 bytes. Listing is in ascending byte order.
// Thread-safety: implementations are thread-safe; Commit is atomic and durable when
// it returns OK (all of a batch or none of it).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "keep/result.h"

namespace keep::store {

struct Record {
  std::string path;
  Bytes value;
};

struct WriteOp {
  enum class Kind {
    kPut,     // insert or replace
    kCreate,  // insert; the whole batch fails with kAlreadyExists if the path exists
    kDelete,  // remove if present
    // Replace the value only if it still equals `expected`; otherwise the whole batch
    // fails with kFailedPrecondition (reason "conflict") and nothing is written. For rewrites that
    // keep the record's meaning (re-encryption under a new keyring term): other nodes are
    // not notified of them.
    kRewrite,
  };
  Kind kind;
  std::string path;
  Bytes value;
  Bytes expected;  // kRewrite only
};

// The paths written by every committed transaction of every node, for backends shared
// by several nodes. Not thread-safe: one reader.
class ChangeFeed {
 public:
  virtual ~ChangeFeed() = default;
  // Waits up to `timeout_ms` for changes; returns the changed paths (possibly none).
  // Errors: kUnavailable when the feed's connection is lost (changes may have been
  // missed: the caller must reload everything and open a new feed).
  virtual Result<std::vector<std::string>> Wait(int timeout_ms) = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // The value at `path`, or nullopt. Errors: kInternal on I/O failure.
  virtual Result<std::optional<Bytes>> Get(std::string_view path) = 0;

  // Up to `limit` records whose path starts with `prefix` and sorts after `after`
  // (empty: from the start), in ascending path order.
  virtual Result<std::vector<Record>> List(std::string_view prefix, std::string_view after,
                                           size_t limit) = 0;

  // Applies `ops` in one transaction. Errors: kAlreadyExists (a kCreate collided;
  // nothing was written), kFailedPrecondition "conflict" (a kRewrite found another value),
  // kInvalidArgument (bad path), kInternal (I/O).
  virtual Status Commit(std::span<const WriteOp> ops) = 0;

  // The schema version the backend is at (after migrations).
  virtual int SchemaVersion() = 0;

  // A feed of changes made by any node. Backends that only ever have one node (SQLite)
  // return kUnimplemented.
  virtual Result<std::unique_ptr<ChangeFeed>> Watch() {
    return Status(Code::kUnimplemented, "this store has a single node");
  }

  // The whole database as one consistent SQLite file, taken while the store serves
  // (writers wait while the copy is made). Errors: kUnimplemented for stores that are
  // backed up with their own tools (PostgreSQL: pg_dump, docs/operations.md); kInternal.
  virtual Result<Bytes> Snapshot() {
    return Status(Code::kUnimplemented,
                  "this store is backed up with its own tools (PostgreSQL: pg_dump)");
  }
};

// Checks a path: 1..512 printable ASCII bytes.
Status ValidatePath(std::string_view path);

}  // namespace keep::store
