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
  struct Slot {
    std::string body;  // the fields between "seq" and "prev"
    std::shared_ptr<Ticket> ticket;
    std::chrono::steady_clock::time_point queued;
  };

  TrailOptions opt;
  SecretSource secret;
  int fd = -1;
  uint64_t size = 0;

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
  std::deque<Slot> queue;
  std::deque<Slot> inflight;  // the batch being written
  bool stop = false;
  std::condition_variable watchdog_cv;
  std::thread watchdog;
  bool closed = false;
  TrailStats stats;  // batches, failures: under mu
  std::atomic<uint64_t> records{0}, checkpoints{0}, rotations{0};
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

  Status WriteStart(bool clean, std::string_view previous_file);

  Status Rotate();

  // Fails the tickets of records not written within write_timeout_ms (a hung disk), so
  // every ticket completes in bounded time. A record written later still lands in the
  // trail (its request was refused).
  void Watch();

  void Run();
};

}  // namespace keep::audit
