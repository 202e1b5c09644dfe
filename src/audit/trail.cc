#include "audit/trail.h"

#include "audit/trail_impl.h"

namespace keep::audit {

Result<std::string> FileTrail::Impl::Hmac(std::string_view value, bool cache) const {
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

const crypto::SigningKey* FileTrail::Impl::Signer() {
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

std::string FileTrail::Impl::Line(uint64_t seq, std::string_view body,
                                  const Hash& prev_hash) const {
  std::string line = "{\"seq\":" + std::to_string(seq) + ",";
  line += body;
  line += ",\"prev\":\"" + HexEncode(prev_hash) + "\"}";
  return line;
}

Result<std::string> FileTrail::Impl::CheckpointLine(const crypto::SigningKey& k, uint64_t seq,
                                                    const Hash& p, uint64_t covered,
                                                    bool final) const {
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

Status FileTrail::Impl::WriteBatch(const std::vector<std::string_view>& bodies, bool final) {
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
  AllocateAhead(buf.size());
  Status st = WriteAll(fd, buf);
  if (st.ok() && opt.fsync && ::fdatasync(fd) != 0 && errno != EINVAL) {
    st = Unavailable("audit_unavailable",
                     std::string("the audit trail cannot be synced: ") + std::strerror(errno));
  }
  if (!st.ok()) {
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
      // Not a regular file (a pipe, a device): nothing to cut back.
    }
    allocated = 0;  // the cut also gave back the blocks allocated ahead
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

void FileTrail::Impl::Watch() {
  std::unique_lock lk(mu);
  const auto limit = std::chrono::milliseconds(opt.write_timeout_ms);
  while (!watchdog_cv.wait_for(lk, std::chrono::milliseconds(100), [&] { return stop; })) {
    const auto now = std::chrono::steady_clock::now();
    std::vector<std::shared_ptr<Ticket>> late;
    for (const Batch* b : {&inflight, &queue}) {
      for (const auto& e : b->entries) {
        if (now - e.queued > limit && !e.ticket->done()) late.push_back(e.ticket);
      }
    }
    if (late.empty()) continue;
    stats.failures += late.size();
    lk.unlock();
    log::Error("audit: {} records not written within {} ms; failing their requests", late.size(),
               opt.write_timeout_ms);
    for (auto& t : late) {
      t->Complete(Unavailable("audit_unavailable", "the audit trail could not be written in time"));
    }
    lk.lock();
  }
}

void FileTrail::Impl::Run() {
  std::vector<std::string_view> bodies;
  std::unique_lock lk(mu);
  for (;;) {
    writer_idle = true;
    writer_cv.wait_for(lk, std::chrono::milliseconds(std::min(opt.checkpoint_interval_ms, 1000)),
                       [&] { return stop || !queue.empty(); });
    writer_idle = false;
    if (stop && queue.empty()) break;
    std::swap(inflight, queue);
    Batch& batch = inflight;  // only this thread changes it while unlocked
    lk.unlock();
    bodies.clear();
    for (const auto& e : batch.entries) bodies.push_back(batch.body(e));
    const auto began = std::chrono::steady_clock::now();
    Status st = WriteBatch(bodies, false);  // also a time-based checkpoint when idle
    if (!bodies.empty()) {
      commit_seconds.Observe(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::steady_clock::now() - began)
                                 .count());
    }
    if (st.ok() && size >= opt.max_bytes) {
      if (Status r = Rotate(); !r.ok()) log::Error("audit: {}", r.ToString());
    }
    if (!st.ok()) log::Error("audit: {}", st.ToString());
    lk.lock();
    if (!batch.empty()) ++stats.batches;
    if (!st.ok()) stats.failures += batch.size();
    lk.unlock();
    for (auto& e : batch.entries) e.ticket->Complete(st);  // outside the lock: callbacks run here
    lk.lock();
    inflight.clear();
  }
  lk.unlock();
  if (fd >= 0) {
    if (Status st = WriteBatch({}, /*final=*/true); !st.ok())
      log::Error("audit: {}", st.ToString());
    ReleaseAhead();
  }
}

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
  thread_local std::string b;  // keeps its capacity: no allocation per record
  b.clear();
  b += "\"time\":\"";
  b += TimeText(e.time_ms ? e.time_ms : NowMs());
  b += '"';
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
  if (!e.peer_request_id.empty()) Str(b, "peer_request_id", e.peer_request_id);

  std::unique_lock lk(impl_->mu);
  if (impl_->closed) {
    ticket->Complete(Unavailable("audit_unavailable", "the audit trail is closed"));
  } else if (impl_->queue.size() >= impl_->opt.max_queue) {
    ++impl_->stats.failures;
    ticket->Complete(
        Unavailable("audit_unavailable", "the audit trail is not keeping up (queue full)"));
  } else {
    Impl::Batch& q = impl_->queue;
    q.entries.push_back({q.bodies.size(), b.size(), ticket, std::chrono::steady_clock::now()});
    q.bodies += b;
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

void FileTrail::WriteMetrics(std::string* out) const {
  const TrailStats s = stats();
  size_t depth = 0;
  {
    std::lock_guard lk(impl_->mu);
    depth = impl_->queue.size() + impl_->inflight.size();
  }
  using prometheus::Single;
  Single(out, "keep_audit_queue_depth", "gauge",
         "Audit records queued or being written (requests waiting for the trail).", depth);
  Single(out, "keep_audit_records_total", "counter",
         "Lines written to the audit trail, checkpoints included.", s.records);
  Single(out, "keep_audit_batches_total", "counter",
         "Group commits: one write (and fdatasync when audit.fsync) each.", s.batches);
  Single(out, "keep_audit_checkpoints_total", "counter", "Signed checkpoints written.",
         s.checkpoints);
  Single(out, "keep_audit_failures_total", "counter",
         "Records that could not be written in time (their requests were refused).", s.failures);
  Single(out, "keep_audit_rotations_total", "counter", "Trail files rotated.", s.rotations);
  prometheus::Family(out, "keep_audit_commit_seconds", "histogram",
                     "Time to write one batch of records and, when audit.fsync, sync it.");
  impl_->commit_seconds.Write(out, "keep_audit_commit_seconds", "");
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
