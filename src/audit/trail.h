// FileTrail: the tamper-evident audit trail (format in audit/chain.h, docs/formats.md §7).
//
// Append turns an event into one JSON line — token identities and encryption contexts
// as HMAC-SHA256 under the trail key, plaintexts never — and waits until a writer thread
// has appended it (and, with `fsync`, made it durable). Concurrent appends are group
// committed: one write and one fdatasync per batch. The wait is bounded (`write_timeout_ms`)
// and the queue too, so a full or hung disk fails requests (kUnavailable
// "audit_unavailable") instead of hanging the server; a failed write is truncated away so
// the file never holds a partial line.
//
// Checkpoints signed with Ed25519 are added every `checkpoint_records` records or
// `checkpoint_interval_ms` (whichever first) while the server is unsealed, and a final one
// on Close() and before rotation. Past `max_bytes` the file is renamed to
// "<path>.<UTC time>" and a new one continues the chain. On open, an existing file is
// continued: its last record's seq and hash are read back (a torn last line from a crash
// is cut off) and a "start" record notes whether the previous run closed the trail.
//
// The trail key and the signing key come from `SecretSource` (64 bytes: HMAC key, Ed25519
// seed) held under the barrier; while sealed there are neither HMACs nor checkpoints.
// Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "audit/sink.h"
#include "crypto/secret_bytes.h"
#include "keep/result.h"

namespace keep::audit {

struct TrailOptions {
  std::string path;
  uint64_t max_bytes = 256ull << 20;
  bool fsync = true;
  int write_timeout_ms = 5000;
  size_t max_queue = 65536;
  uint64_t checkpoint_records = 10000;
  int checkpoint_interval_ms = 10000;
  std::string node_id;
};

using SecretSource = std::function<std::shared_ptr<const crypto::SecretBytes>()>;

struct TrailStats {
  uint64_t records = 0;  // lines written, checkpoints included
  uint64_t batches = 0;  // writes (group commits)
  uint64_t checkpoints = 0;
  uint64_t failures = 0;  // appends that failed
  uint64_t rotations = 0;
};

class FileTrail final : public Sink {
 public:
  // Opens (creating with mode 0600) and starts the writer. Errors: kUnavailable when the
  // file cannot be opened or its tail read.
  static Result<std::unique_ptr<FileTrail>> Open(TrailOptions options, SecretSource secret);
  ~FileTrail() override;

  Status Append(const Event& event) override;
  std::shared_ptr<Ticket> AppendAsync(const Event& event) override;
  int write_timeout_ms() const override;
  // "hmac-sha256:<hex>" of `value` under the trail key, for finding records by a token
  // id or a context. Errors: kUnavailable "sealed".
  Result<std::string> HmacOf(std::string_view value) const override;
  // The checkpoint public key (PEM) and its id. Errors: kUnavailable "sealed".
  Result<std::string> PublicKeyPem() const override;
  // Writes the final checkpoint (when unsealed) and stops the writer. Idempotent.
  void Close();
  TrailStats stats() const;
  // keep_audit_queue_depth, _records_total, _batches_total, _checkpoints_total,
  // _failures_total, _rotations_total and the keep_audit_commit_seconds histogram.
  void WriteMetrics(std::string* out) const override;
  // Reads the current file backwards (trail_read.cc): at most 16 MiB scanned per call; a
  // line still being written is skipped.
  Result<RecentRecords> Recent(const RecentQuery& q) const override;

 private:
  struct Impl;
  explicit FileTrail(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace keep::audit
