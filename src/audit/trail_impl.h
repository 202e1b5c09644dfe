// Private to src/audit: FileTrail's state, and the helpers that trail.cc (the public API,
// the writer thread, batches and checkpoints) and trail_file.cc (opening the file,
// recovering a torn end, rotation) share.
#pragma once

#include <fcntl.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>
#include <atomic>
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include "audit/chain.h"
#include "audit/trail.h"
#include "common/encoding.h"
#include "common/json_text.h"
#include "common/log.h"
#include "common/prometheus.h"
#include "crypto/kdf.h"
#include "crypto/sign.h"

namespace keep::audit {

namespace json = boost::json;
using Clock = std::chrono::system_clock;

inline int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}

inline std::string TimeText(int64_t ms) {
  const time_t secs = static_cast<time_t>(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

// ,"key":"value": the one JSON string writer (common/json_text.h: valid UTF-8 whatever
// the client sent).
inline void Str(std::string& out, std::string_view key, std::string_view value) {
  out += ",\"";
  out += key;
  out += "\":";
  AppendJsonString(out, value);
}

inline void Num(std::string& out, std::string_view key, uint64_t v) {
  out += ",\"";
  out += key;
  out += "\":";
  out += std::to_string(v);
}

inline Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Unavailable("audit_unavailable",
                         std::string("the audit trail cannot be written: ") + std::strerror(errno));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

struct FileTrail::Impl {
  // Records waiting for the writer: their bodies back to back in one buffer that keeps its
  // capacity (the writer swaps two of these), so a record costs no allocation of its own and
  // nothing a reactor allocated is freed on the writer's thread (a cross-thread free takes
  // the allocating thread's malloc arena lock: contended, it was a fifth of keepd's futex
  // calls).
  struct Entry {
    size_t offset, size;  // of the body in Batch::bodies
    std::shared_ptr<Ticket> ticket;
    std::chrono::steady_clock::time_point queued;
  };
  struct Batch {
    std::string bodies;
    std::vector<Entry> entries;
    bool empty() const { return entries.empty(); }
    size_t size() const { return entries.size(); }
    std::string_view body(const Entry& e) const {
      return std::string_view(bodies).substr(e.offset, e.size);
    }
    void clear() {
      bodies.clear();
      entries.clear();
    }
  };

  TrailOptions opt;
  SecretSource secret;
  int fd = -1;
  uint64_t size = 0;
  // Blocks allocated ahead of the end (fallocate, FALLOC_FL_KEEP_SIZE: the size readers see
  // is unchanged) up to here; 0 when the file does not support it.
  uint64_t allocated = 0;
  bool allocate_refused = false;

  // Chain state: the writer thread's (and Open's before it starts).
  uint64_t next_seq = 1;
  Hash prev{};
  uint64_t since_checkpoint = 0;
  int64_t last_checkpoint_ms = 0;
  std::shared_ptr<const crypto::SecretBytes> signer_source;
  std::optional<crypto::SigningKey> signer;

  // The trail key as a precomputed HMAC state, for the secret it came from; identity ids
  // (few, repeated on every request) are cached per thread, so the hot path takes no lock.
  mutable std::mutex hmac_mu;
  mutable std::shared_ptr<const crypto::SecretBytes> hmac_source;
  mutable std::shared_ptr<crypto::HmacKey> hmac_key;

  mutable std::mutex mu;
  std::condition_variable writer_cv;
  bool writer_idle = false;  // under mu: the writer waits for work (needs a notify)
  Batch queue;
  Batch inflight;  // the batch being written
  bool stop = false;
  std::condition_variable watchdog_cv;
  std::thread watchdog;
  bool closed = false;
  TrailStats stats;  // batches, failures: under mu
  std::atomic<uint64_t> records{0}, checkpoints{0}, rotations{0};
  prometheus::Histogram commit_seconds;  // one write (+ fdatasync) of a batch of records
  std::thread thread;

  ~Impl() {
    if (fd >= 0) ::close(fd);
  }

  Result<std::string> Hmac(std::string_view value, bool cache) const;

  const crypto::SigningKey* Signer();

  std::string Line(uint64_t seq, std::string_view body, const Hash& prev_hash) const;

  Result<std::string> CheckpointLine(const crypto::SigningKey& k, uint64_t seq, const Hash& p,
                                     uint64_t covered, bool final) const;

  // Writes `bodies` (and a checkpoint when due or `final`) as one append. On failure the
  // file is cut back to where it was and the chain state is unchanged.
  Status WriteBatch(const std::vector<std::string_view>& bodies, bool final);

  Status OpenFile(bool* clean);

  // Allocates the file's blocks ahead of the next `bytes` bytes, in steps of kAllocateAhead
  // (capped at max_bytes): an append into allocated blocks makes fdatasync commit less
  // (measured on ext4 with 4.5 KB per sync: 257 -> 217 us, 105 -> 88 us of CPU per sync).
  // Best effort: a file system that cannot is simply appended to.
  void AllocateAhead(uint64_t bytes);
  // Gives back the blocks allocated past the end (before a rotation and on close).
  void ReleaseAhead();

  Status WriteStart(bool clean, std::string_view previous_file);

  Status Rotate();

  // Fails the tickets of records not written within write_timeout_ms (a hung disk), so
  // every ticket completes in bounded time. A record written later still lands in the
  // trail (its request was refused).
  void Watch();

  void Run();
};

}  // namespace keep::audit
