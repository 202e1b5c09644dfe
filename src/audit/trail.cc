#include "audit/trail.h"

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
#include "common/encoding.h"
#include "common/json_text.h"
#include "common/log.h"
#include "crypto/kdf.h"
#include "crypto/sign.h"

namespace keep::audit {
namespace {

namespace json = boost::json;
using Clock = std::chrono::system_clock;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}

std::string TimeText(int64_t ms) {
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
void Str(std::string& out, std::string_view key, std::string_view value) {
  out += ",\"";
  out += key;
  out += "\":";
  AppendJsonString(out, value);
}

void Num(std::string& out, std::string_view key, uint64_t v) {
  out += ",\"";
  out += key;
  out += "\":";
  out += std::to_string(v);
}

Status WriteAll(int fd, std::string_view data) {
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

}  // namespace

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

  Result<std::string> Hmac(std::string_view value, bool cache) const {
    auto s = secret ? secret() : nullptr;
    if (!s) return Unavailable("sealed", "keep is sealed");
    struct Cache {
      const void* trail = nullptr;
      // Never owning: a seal must be able to free (and wipe) the secret.
      std::weak_ptr<const crypto::SecretBytes> source;
      std::unordered_map<std::string, std::string> values;
    };
    thread_local Cache tl;
    if (cache && tl.trail == this && tl.source.lock() == s) {
      auto it = tl.values.find(std::string(value));
      if (it != tl.values.end()) return it->second;
    }
    std::shared_ptr<crypto::HmacKey> key;
    {
      std::lock_guard lk(hmac_mu);
      if (s != hmac_source) {
        KEEP_ASSIGN_OR_RETURN(auto k, crypto::HmacKey::Create(s->view().subspan(0, 32)));
        hmac_key = std::make_shared<crypto::HmacKey>(std::move(k));
        hmac_source = s;
      }
      key = hmac_key;
    }
    uint8_t mac[crypto::kSha256Size];
    KEEP_RETURN_IF_ERROR(key->Compute({AsBytes(value)}, mac));
    std::string out = "hmac-sha256:" + HexEncode(mac);
    if (cache) {
      if (tl.trail != this || tl.source.lock() != s || tl.values.size() >= 4096) {
        tl.values.clear();
        tl.trail = this;
        tl.source = s;
      }
      tl.values.emplace(value, out);
    }
    return out;
  }

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

  const crypto::SigningKey* Signer() {
    auto s = secret ? secret() : nullptr;
    if (!s) {
      signer.reset();
      signer_source.reset();
      return nullptr;
    }
    if (s != signer_source) {
      auto k = crypto::SigningKey::FromSeed(s->view().subspan(32, 32));
      if (!k.ok()) return nullptr;
      signer = std::move(*k);
      signer_source = s;
    }
    return &*signer;
  }

  std::string Line(uint64_t seq, std::string_view body, const Hash& prev_hash) const {
    std::string line = "{\"seq\":" + std::to_string(seq) + ",";
    line += body;
    line += ",\"prev\":\"" + HexEncode(prev_hash) + "\"}";
    return line;
  }

  Result<std::string> CheckpointLine(const crypto::SigningKey& k, uint64_t seq, const Hash& p,
                                     uint64_t covered, bool final) const {
    uint8_t kid[32];
    SHA256(k.public_key().data(), k.public_key().size(), kid);
    std::string line = "{\"seq\":" + std::to_string(seq) + ",\"time\":\"" + TimeText(NowMs()) +
                       "\",\"type\":\"checkpoint\",\"key_id\":\"" + HexEncode(ByteView(kid, 8)) +
                       "\",\"records\":" + std::to_string(covered) +
                       ",\"final\":" + (final ? "true" : "false") + ",\"prev\":\"" + HexEncode(p) +
                       "\"";
    KEEP_ASSIGN_OR_RETURN(auto sig, k.Sign(AsBytes(line)));
    line += ",\"sig\":\"" + Base64Encode(sig) + "\"}";
    return line;
  }

  // Writes `bodies` (and a checkpoint when due or `final`) as one append. On failure the
  // file is cut back to where it was and the chain state is unchanged.
  Status WriteBatch(const std::vector<std::string_view>& bodies, bool final) {
    std::string buf;
    uint64_t seq = next_seq;
    Hash p = prev;
    for (auto body : bodies) {
      std::string line = Line(seq++, body, p);
      p = LineHash(line);
      buf += line;
      buf += '\n';
    }
    uint64_t since = since_checkpoint + bodies.size();
    const int64_t now = NowMs();
    const bool due = final || since >= opt.checkpoint_records ||
                     (since > 0 && now - last_checkpoint_ms >= opt.checkpoint_interval_ms);
    bool checkpointed = false;
    if (due) {
      if (const crypto::SigningKey* k = Signer()) {
        KEEP_ASSIGN_OR_RETURN(std::string line, CheckpointLine(*k, seq++, p, since, final));
        p = LineHash(line);
        buf += line;
        buf += '\n';
        since = 0;
        checkpointed = true;
      }
    }
    if (buf.empty()) return Status::Ok();
    Status st = WriteAll(fd, buf);
    if (st.ok() && opt.fsync && ::fdatasync(fd) != 0 && errno != EINVAL) {
      st = Unavailable("audit_unavailable",
                       std::string("the audit trail cannot be synced: ") + std::strerror(errno));
    }
    if (!st.ok()) {
      if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
        // Not a regular file (a pipe, a device): nothing to cut back.
      }
      return st;
    }
    size += buf.size();
    records += seq - next_seq;
    if (checkpointed) {
      ++checkpoints;
      last_checkpoint_ms = now;
    }
    next_seq = seq;
    prev = p;
    since_checkpoint = since;
    return Status::Ok();
  }

  Status OpenFile(bool* clean) {
    fd = ::open(opt.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      return Unavailable("audit_unavailable",
                         "cannot open the audit trail " + opt.path + ": " + std::strerror(errno));
    }
    struct stat sb;
    if (::fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
      size = 0;
      *clean = true;
      return Status::Ok();  // a pipe or device: nothing to continue
    }
    size = static_cast<uint64_t>(sb.st_size);
    *clean = true;
    if (size == 0) return Status::Ok();
    // Read back the tail to continue the chain.
    const int rfd = ::open(opt.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (rfd < 0) return Unavailable("audit_unavailable", "cannot read the audit trail's tail");
    const uint64_t want = std::min<uint64_t>(size, 1 << 20);
    std::string tail(want, '\0');
    const ssize_t n = ::pread(rfd, tail.data(), want, static_cast<off_t>(size - want));
    ::close(rfd);
    if (n != static_cast<ssize_t>(want)) {
      return Unavailable("audit_unavailable", "cannot read the audit trail's tail");
    }
    if (tail.back() != '\n') {
      const size_t nl = tail.rfind('\n');
      const uint64_t keep = nl == std::string::npos ? size - want : size - want + nl + 1;
      log::Warn("audit: {} ends with a torn record (a crash mid-write); cutting {} bytes", opt.path,
                size - keep);
      if (::ftruncate(fd, static_cast<off_t>(keep)) != 0) {
        return Unavailable("audit_unavailable", "cannot cut a torn record off the audit trail");
      }
      size = keep;
      tail.resize(nl == std::string::npos ? 0 : nl + 1);
      *clean = false;
      if (size == 0) return Status::Ok();
    }
    tail.pop_back();  // the final newline
    const size_t start = tail.rfind('\n');
    const std::string_view last =
        std::string_view(tail).substr(start == std::string::npos ? 0 : start + 1);
    if (start == std::string::npos && want < size) {
      return Unavailable("audit_unavailable", "the audit trail's last record is too long");
    }
    bool invalid_utf8 = false;  // a record from an earlier keepd: still a record
    auto parsed = ParseRecordLine(last, &invalid_utf8);
    json::value v = parsed.ok() ? std::move(*parsed) : json::value();
    const json::value* seq = v.is_object() ? v.get_object().if_contains("seq") : nullptr;
    if (!seq || !seq->is_int64() || seq->get_int64() < 1) {
      return Unavailable("audit_unavailable", "the audit trail " + opt.path +
                                                  " does not end with an audit record; move it "
                                                  "aside (and verify it) before starting");
    }
    next_seq = static_cast<uint64_t>(seq->get_int64()) + 1;
    prev = LineHash(last);
    const auto& o = v.get_object();
    const json::value* type = o.if_contains("type");
    const json::value* fin = o.if_contains("final");
    *clean = *clean && type && type->is_string() && type->get_string() == "checkpoint" && fin &&
             fin->is_bool() && fin->get_bool();
    return Status::Ok();
  }

  Status WriteStart(bool clean, std::string_view previous_file) {
    std::string body = "\"time\":\"" + TimeText(NowMs()) + "\",\"type\":\"start\"";
    Str(body, "node", opt.node_id);
    body += std::string(",\"clean\":") + (clean ? "true" : "false");
    if (!previous_file.empty()) Str(body, "previous_file", previous_file);
    return WriteBatch({body}, false);
  }

  Status Rotate() {
    if (Status st = WriteBatch({}, /*final=*/true); !st.ok()) return st;
    const bool signed_close = since_checkpoint == 0;
    std::string stamp = TimeText(NowMs());  // 2026-11-22T18:00:00.123Z → 20261122T180000.123Z
    std::erase(stamp, '-');
    std::erase(stamp, ':');
    std::string name = opt.path + "." + stamp;
    for (int i = 1; std::filesystem::exists(name); ++i)
      name = opt.path + "." + stamp + "-" + std::to_string(i);
    std::error_code ec;
    std::filesystem::rename(opt.path, name, ec);
    if (ec)
      return Unavailable("audit_unavailable", "cannot rotate the audit trail: " + ec.message());
    ::close(fd);
    fd = -1;
    bool clean = true;
    KEEP_RETURN_IF_ERROR(OpenFile(&clean));
    ++rotations;
    log::Info("audit: rotated to {} ({})", name, signed_close ? "closed" : "sealed: not signed");
    return WriteStart(signed_close, std::filesystem::path(name).filename().string());
  }

  // Fails the tickets of records not written within write_timeout_ms (a hung disk), so
  // every ticket completes in bounded time. A record written later still lands in the
  // trail (its request was refused).
  void Watch() {
    std::unique_lock lk(mu);
    const auto limit = std::chrono::milliseconds(opt.write_timeout_ms);
    while (!watchdog_cv.wait_for(lk, std::chrono::milliseconds(100), [&] { return stop; })) {
      const auto now = std::chrono::steady_clock::now();
      std::vector<std::shared_ptr<Ticket>> late;
      for (auto* d : {&inflight, &queue}) {
        for (const auto& slot : *d) {
          if (now - slot.queued > limit && !slot.ticket->done()) late.push_back(slot.ticket);
        }
      }
      if (late.empty()) continue;
      stats.failures += late.size();
      lk.unlock();
      log::Error("audit: {} records not written within {} ms; failing their requests", late.size(),
                 opt.write_timeout_ms);
      for (auto& t : late) {
        t->Complete(
            Unavailable("audit_unavailable", "the audit trail could not be written in time"));
      }
      lk.lock();
    }
  }

  void Run() {
    std::unique_lock lk(mu);
    for (;;) {
      writer_idle = true;
      writer_cv.wait_for(lk, std::chrono::milliseconds(std::min(opt.checkpoint_interval_ms, 1000)),
                         [&] { return stop || !queue.empty(); });
      writer_idle = false;
      if (stop && queue.empty()) break;
      inflight.swap(queue);
      std::deque<Slot>& batch = inflight;  // only this thread changes it while unlocked
      lk.unlock();
      std::vector<std::string_view> bodies;
      bodies.reserve(batch.size());
      for (const auto& s : batch) bodies.push_back(s.body);
      Status st = WriteBatch(bodies, false);  // also a time-based checkpoint when idle
      if (st.ok() && size >= opt.max_bytes) {
        if (Status r = Rotate(); !r.ok()) log::Error("audit: {}", r.ToString());
      }
      if (!st.ok()) log::Error("audit: {}", st.ToString());
      lk.lock();
      if (!batch.empty()) ++stats.batches;
      if (!st.ok()) stats.failures += batch.size();
      lk.unlock();
      for (auto& s : batch) s.ticket->Complete(st);  // outside the lock: callbacks run here
      lk.lock();
      inflight.clear();
    }
    lk.unlock();
    if (fd >= 0) {
      if (Status st = WriteBatch({}, /*final=*/true); !st.ok())
        log::Error("audit: {}", st.ToString());
    }
  }
};

FileTrail::FileTrail(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FileTrail::~FileTrail() {
  Close();
}

Result<std::unique_ptr<FileTrail>> FileTrail::Open(TrailOptions options, SecretSource secret) {
  auto impl = std::make_unique<Impl>();
  impl->opt = std::move(options);
  impl->secret = std::move(secret);
  impl->last_checkpoint_ms = NowMs();
  bool clean = true;
  KEEP_RETURN_IF_ERROR(impl->OpenFile(&clean));
  const bool fresh = impl->next_seq == 1;
  KEEP_RETURN_IF_ERROR(impl->WriteStart(clean || fresh, ""));
  if (!clean && !fresh) {
    log::Warn(
        "audit: {} was not closed by the previous run (crash, or records removed from its end)",
        impl->opt.path);
  }
  Impl* raw = impl.get();
  raw->thread = std::thread([raw] { raw->Run(); });
  raw->watchdog = std::thread([raw] { raw->Watch(); });
  return std::unique_ptr<FileTrail>(new FileTrail(std::move(impl)));
}

std::shared_ptr<Ticket> FileTrail::AppendAsync(const Event& e) {
  auto ticket = std::make_shared<Ticket>();
  std::string b;
  b.reserve(512);
  b = "\"time\":\"" + TimeText(e.time_ms ? e.time_ms : NowMs()) + "\"";
  Str(b, "type", e.type);
  Str(b, "request_id", e.request_id);
  if (e.identity.rfind("token:", 0) == 0) {
    auto h = impl_->Hmac(e.identity, /*cache=*/true);
    Str(b, "identity", h.ok() ? *h : std::string("hmac-unavailable"));
  } else {
    Str(b, "identity", e.identity);
  }
  if (!e.identity_name.empty()) Str(b, "identity_name", e.identity_name);
  if (e.target.rfind("token:", 0) == 0) {
    auto h = impl_->Hmac(e.target, /*cache=*/true);
    Str(b, "target", h.ok() ? *h : std::string("hmac-unavailable"));
  } else if (!e.target.empty()) {
    Str(b, "target", e.target);
  }
  Str(b, "operation", e.operation);
  if (!e.key.empty()) Str(b, "key", e.key);
  if (e.version) Num(b, "version", e.version);
  if (e.status) Num(b, "status", static_cast<uint64_t>(e.status));
  Str(b, "outcome", e.outcome);
  Str(b, "remote", e.remote_address);
  if (!e.context.empty()) {
    auto h = impl_->Hmac(e.context, /*cache=*/false);
    Str(b, "context", h.ok() ? *h : std::string("hmac-unavailable"));
  }
  if (e.items) Num(b, "items", e.items);
  if (!e.detail.empty()) Str(b, "detail", e.detail);

  std::unique_lock lk(impl_->mu);
  if (impl_->closed) {
    ticket->Complete(Unavailable("audit_unavailable", "the audit trail is closed"));
  } else if (impl_->queue.size() >= impl_->opt.max_queue) {
    ++impl_->stats.failures;
    ticket->Complete(
        Unavailable("audit_unavailable", "the audit trail is not keeping up (queue full)"));
  } else {
    impl_->queue.push_back({std::move(b), ticket, std::chrono::steady_clock::now()});
    if (impl_->writer_idle) impl_->writer_cv.notify_one();  // else it picks this up next round
  }
  return ticket;
}

Status FileTrail::Append(const Event& e) {
  auto ticket = AppendAsync(e);
  auto done = std::make_shared<std::pair<std::mutex, std::condition_variable>>();
  ticket->OnDone([done] {
    std::lock_guard lk(done->first);
    done->second.notify_all();
  });
  std::unique_lock lk(done->first);
  if (!done->second.wait_for(lk, std::chrono::milliseconds(impl_->opt.write_timeout_ms),
                             [&] { return ticket->done(); })) {
    std::lock_guard slk(impl_->mu);
    ++impl_->stats.failures;
    return Unavailable("audit_unavailable", "the audit trail could not be written in time");
  }
  return ticket->status();
}

int FileTrail::write_timeout_ms() const {
  return impl_->opt.write_timeout_ms;
}

Result<std::string> FileTrail::HmacOf(std::string_view value) const {
  return impl_->Hmac(value, /*cache=*/false);
}

Result<std::string> FileTrail::PublicKeyPem() const {
  auto s = impl_->secret ? impl_->secret() : nullptr;
  if (!s) return Unavailable("sealed", "keep is sealed");
  KEEP_ASSIGN_OR_RETURN(auto k, crypto::SigningKey::FromSeed(s->view().subspan(32, 32)));
  return crypto::Ed25519PublicKeyPem(k.public_key());
}

void FileTrail::Close() {
  {
    std::lock_guard lk(impl_->mu);
    if (impl_->closed) return;
    impl_->closed = impl_->stop = true;
  }
  impl_->writer_cv.notify_all();
  impl_->watchdog_cv.notify_all();
  if (impl_->watchdog.joinable()) impl_->watchdog.join();
  if (impl_->thread.joinable()) impl_->thread.join();
}

TrailStats FileTrail::stats() const {
  std::lock_guard lk(impl_->mu);
  TrailStats s = impl_->stats;
  s.records = impl_->records;
  s.checkpoints = impl_->checkpoints;
  s.rotations = impl_->rotations;
  return s;
}

}  // namespace keep::audit
