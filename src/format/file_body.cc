// The file v1 body (docs/formats.md §8): segments sealed and opened in batches on a
// SegmentPool. Two batches per stream: while the pool works on one, the caller's thread
// hands the previous batch's output on and fills the other — from Write/Space, or, with
// WriteAt, the pool's threads read their own segments (pread), so the reading is spread
// over the cores too. Output leaves in order, a batch at a time. A segment is "last" only
// when nothing follows it: a streamed batch goes to the pool but for its final segment,
// which moves to the front of the next batch.
#include <openssl/crypto.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <utility>

#include "crypto/aead.h"
#include "format/file_internal.h"
#include "format/segment_pool.h"

namespace keep::format::file {
namespace {

constexpr size_t kBatchBytes = 4 << 20;
constexpr size_t kTag = crypto::kAeadTagSize;
constexpr size_t kNone = SIZE_MAX;

// At least two: a streamed batch goes to the pool but for its final segment.
size_t SegmentsPerBatch(size_t segment) {
  return std::max<size_t>(2, kBatchBytes / segment);
}

// The first segment of part `part` of `n` segments cut into `parts` (one per worker: a
// batch costs two hand-offs, not one per segment).
size_t Begin(size_t part, size_t parts, size_t n) {
  return n * part / parts;
}

// Write in terms of Space and Commit (Encryptor's and Decryptor's).
template <typename Body>
Status CopyIn(Body& body, ByteView in, bool finished) {
  if (finished) return FailedPrecondition("finished", "the body is already finished");
  while (!in.empty()) {
    KEEP_ASSIGN_OR_RETURN(std::span<uint8_t> space, body.Space());
    const size_t take = std::min(in.size(), space.size());
    std::memcpy(space.data(), in.data(), take);
    body.Commit(take);
    in = in.subspan(take);
  }
  return Status::Ok();
}

// Lowers `v` to `i` if smaller (the first failing segment of a batch).
void LowerTo(std::atomic<size_t>& v, size_t i) {
  size_t cur = v.load();
  while (i < cur && !v.compare_exchange_weak(cur, i)) {
  }
}

}  // namespace

// One batch of segments, and what the pool made of it.
struct Batch {
  crypto::SecretBytes plain;  // Encryptor: input; Decryptor: output (wiping memory)
  Bytes sealed;               // Encryptor: output; Decryptor: input
  size_t used = 0;            // input bytes
  size_t made = 0;            // output bytes when every segment succeeded
  uint64_t first = 0;         // counter of the first segment
  size_t segments = 0;
  bool last = false;  // its final segment is the body's last
  bool busy = false;  // submitted to the pool, not yet reaped
  std::atomic<size_t> bad{kNone};
  // WriteAt: where the batch starts in the input, how to read it, the first read error.
  uint64_t at = 0;
  const ReadAtFn* read_at = nullptr;
  std::mutex read_mu;
  Status read_error;

  // Reads input bytes [off, off + to.size()) of the batch into `to` (WriteAt only).
  bool Fill(size_t off, std::span<uint8_t> to) {
    if (read_at == nullptr || to.empty()) return true;
    Status st = (*read_at)(at + off, to);
    if (st.ok()) return true;
    std::lock_guard lock(read_mu);
    if (read_error.ok()) read_error = std::move(st);
    return false;
  }
  bool failed() {
    std::lock_guard lock(read_mu);
    return !read_error.ok() || bad.load() != kNone;
  }
  void Reset(size_t segment_count, uint64_t first_segment, bool is_last) {
    segments = segment_count;
    first = first_segment;
    last = is_last;
    bad = kNone;
    std::lock_guard lock(read_mu);
    read_error = Status::Ok();
  }
};

// What both directions share: the two batches, the pool, the order of hand-offs.
struct Pipeline {
  crypto::SecretBytes key;
  size_t segment = 0;
  size_t per_batch = 0;
  uint64_t dispatched = 0;  // segments handed to the pool
  Batch batches[2];
  Batch* filling = &batches[0];
  Batch* working = &batches[1];
  Batch* done = nullptr;  // reaped, its output not yet handed on
  SegmentPool pool;
  WriteFn out;
  bool finished = false;
  bool body_done = false;  // WriteAt did the whole body
  explicit Pipeline(unsigned threads) : pool(threads) {}

  void Allocate() {
    for (Batch& b : batches) {
      b.plain = crypto::SecretBytes(per_batch * segment);
      b.sealed.resize(per_batch * (segment + kTag));
    }
  }
  // Waits for the pool's batch (if any); it becomes `done`.
  void Reap(bool wipe_plain) {
    if (!working->busy) return;
    pool.Wait();
    working->busy = false;
    if (wipe_plain) OPENSSL_cleanse(working->plain.data(), working->used);
    working->used = 0;
    done = working;
  }
  // Swaps the filled batch into the pool's place and submits `job` for its parts; with
  // WriteAt each part first reads its input in one piece (`input`: the batch's input
  // buffer, `unit`: input bytes per segment).
  template <typename Job>
  void Submit(std::span<uint8_t> input, size_t unit, Job job) {
    std::swap(filling, working);
    Batch* b = working;
    b->busy = true;
    dispatched += b->segments;
    const size_t parts = std::min(b->segments, std::max<size_t>(1, pool.workers()));
    pool.Submit(parts, [b, parts, input, unit, job](size_t part) {
      const size_t begin = Begin(part, parts, b->segments);
      const size_t end = Begin(part + 1, parts, b->segments);
      const size_t from = std::min(begin * unit, b->used), to = std::min(end * unit, b->used);
      if (!b->Fill(from, input.subspan(from, to - from))) {
        LowerTo(b->bad, begin);
        return;
      }
      for (size_t i = begin; i < end; ++i) {
        if (!job(b, i)) LowerTo(b->bad, i);
      }
    });
  }
  ~Pipeline() {
    if (working->busy) pool.Wait();  // abandoned mid-stream: let the pool finish
    for (Batch& b : batches) OPENSSL_cleanse(b.plain.data(), b.plain.size());
  }
};

struct Encryptor::State : Pipeline {
  using Pipeline::Pipeline;

  Status Emit() {
    Batch* d = std::exchange(done, nullptr);
    if (d == nullptr) return Status::Ok();
    {
      std::lock_guard lock(d->read_mu);
      if (!d->read_error.ok()) return d->read_error;
    }
    if (d->bad.load() != kNone) return Internal("AES-GCM sealing failed");
    return out(ByteView(d->sealed.data(), d->made));
  }
  Status Collect() {
    Reap(true);
    return Emit();
  }

  // Hands the filled batch to the pool: every segment when `last` or `whole`, else all but
  // its final one, whose bytes move to the front of the next batch. Then hands on the
  // previous batch's output while the pool works.
  Status Dispatch(bool last, bool whole = false) {
    Reap(true);
    if (done != nullptr && done->failed()) return Emit();
    Batch* b = filling;
    Batch* next = working;  // after the swap, the batch the caller fills
    size_t n = std::max<size_t>(1, (b->used + segment - 1) / segment);
    if (!last && !whole) {
      n = per_batch - 1;
      const size_t keep = n * segment;
      std::memcpy(next->plain.data(), b->plain.data() + keep, b->used - keep);
      next->used = b->used - keep;
      b->used = keep;
    }
    b->Reset(n, dispatched, last);
    b->made = b->used + n * kTag;
    Submit(b->plain.mutable_view(), segment, [this](Batch* bb, size_t i) {
      const size_t off = i * segment;
      const size_t len = std::min(segment, bb->used - std::min(off, bb->used));
      const auto nonce = SegmentNonce(bb->first + i, bb->last && i + 1 == bb->segments);
      return crypto::AeadSeal(
                 crypto::AeadAlgorithm::kAesGcm, key.view(), nonce, {},
                 bb->plain.view().subspan(off, len),
                 std::span<uint8_t>(bb->sealed.data() + i * (segment + kTag), len + kTag))
          .ok();
    });
    return Emit();
  }
};

Encryptor::Encryptor(Encryptor&&) noexcept = default;
Encryptor& Encryptor::operator=(Encryptor&&) noexcept = default;
Encryptor::~Encryptor() = default;

Result<Encryptor> Encryptor::Create(const crypto::SecretBytes& file_key, const Header& header,
                                    WriteFn out, unsigned threads) {
  KEEP_RETURN_IF_ERROR(CheckHeader(header));
  Encryptor e;
  e.s_ = std::make_unique<State>(threads);
  State& s = *e.s_;
  KEEP_ASSIGN_OR_RETURN(s.key, Derive(file_key, header, kPayloadInfo));
  s.segment = header.segment_size();
  s.per_batch = SegmentsPerBatch(s.segment);
  s.Allocate();
  s.out = std::move(out);
  return e;
}

Result<std::span<uint8_t>> Encryptor::Space() {
  State& s = *s_;
  if (s.finished || s.body_done) {
    return FailedPrecondition("finished", "the body is already finished");
  }
  if (s.filling->used == s.per_batch * s.segment) KEEP_RETURN_IF_ERROR(s.Dispatch(false));
  return s.filling->plain.mutable_view().subspan(s.filling->used);
}

void Encryptor::Commit(size_t n) {
  s_->filling->used += n;
}

Status Encryptor::Write(ByteView in) {
  return CopyIn(*this, in, s_->finished);
}

Status Encryptor::WriteAt(uint64_t size, const ReadAtFn& read_at, const ProgressFn& progress) {
  State& s = *s_;
  if (s.finished || s.body_done || s.dispatched > 0 || s.filling->used > 0) {
    return FailedPrecondition("finished", "WriteAt takes the whole body, and only that");
  }
  s.body_done = true;
  const uint64_t cap = s.per_batch * s.segment;
  uint64_t at = 0;
  Status st;
  do {
    Batch* b = s.filling;
    b->used = static_cast<size_t>(std::min<uint64_t>(cap, size - at));
    b->at = at;
    b->read_at = &read_at;
    at += b->used;
    st = s.Dispatch(at == size, /*whole=*/true);
    if (st.ok() && progress) progress(at);
  } while (st.ok() && at < size);
  if (st.ok()) st = s.Collect();
  s.Reap(true);
  for (Batch& b : s.batches) b.read_at = nullptr;
  return st;
}

Status Encryptor::Finish() {
  State& s = *s_;
  if (s.finished) return FailedPrecondition("finished", "the body is already finished");
  s.finished = true;
  if (s.body_done) return Status::Ok();
  KEEP_RETURN_IF_ERROR(s.Dispatch(true));
  return s.Collect();
}

struct Decryptor::State : Pipeline {
  using Pipeline::Pipeline;
  uint64_t released = 0;  // segments whose plaintext went out

  // Hands on the plaintext of the reaped batch's segments before the first that failed,
  // then reports that one.
  Status Emit() {
    Batch* d = std::exchange(done, nullptr);
    if (d == nullptr) return Status::Ok();
    Status read_error;
    {
      std::lock_guard lock(d->read_mu);
      read_error = d->read_error;
    }
    const size_t bad = d->bad.load();
    const size_t good = bad == kNone ? d->segments : bad;
    const size_t bytes = bad == kNone ? d->made : good * segment;
    released = d->first + good;
    Status st = bytes > 0 ? out(ByteView(d->plain.data(), bytes)) : Status::Ok();
    OPENSSL_cleanse(d->plain.data(), bytes);
    if (bad == kNone) return st;
    KEEP_RETURN_IF_ERROR(st);
    if (!read_error.ok()) return read_error;
    const bool last = d->last && bad + 1 == d->segments;
    return Bad(last ? "the file is truncated, or its last segment (" + std::to_string(released) +
                          ") was altered"
                    : "segment " + std::to_string(released) +
                          " failed authentication (altered, reordered or duplicated)");
  }
  Status Collect() {
    Reap(false);
    return Emit();
  }

  // Hands `n` segments of the filled batch to the pool (its bytes past them move to the
  // next batch), the last of them the body's last when `last`; then the previous batch's
  // plaintext.
  Status Dispatch(size_t n, bool last) {
    Reap(false);
    if (done != nullptr && done->failed()) return Emit();
    const size_t full = segment + kTag;
    Batch* b = filling;
    Batch* next = working;
    if (b->used > n * full) {
      const size_t keep = n * full;
      std::memcpy(next->sealed.data(), b->sealed.data() + keep, b->used - keep);
      next->used = b->used - keep;
      b->used = keep;
    }
    b->Reset(n, dispatched, last);
    b->made = b->used - std::min(b->used, n * kTag);
    Submit(std::span<uint8_t>(b->sealed), full, [this, full](Batch* bb, size_t i) {
      const size_t off = i * full;
      const size_t len = std::min(full, bb->used - off);
      const auto nonce = SegmentNonce(bb->first + i, bb->last && i + 1 == bb->segments);
      return crypto::AeadOpen(crypto::AeadAlgorithm::kAesGcm, key.view(), nonce, {},
                              ByteView(bb->sealed.data() + off, len),
                              bb->plain.mutable_view().subspan(i * segment, len - kTag))
          .ok();
    });
    return Emit();
  }

  // The end of a body of `whole` full segments and `rest` more bytes: the last segment is
  // the rest (or the last full one). Dispatches what remains of the filled batch and
  // collects; a body that ends in a stub, an empty last segment after a full one, or
  // nothing at all fails after the authenticated segments went out.
  Status End(uint64_t whole_in_batch, size_t rest) {
    const size_t full = segment + kTag;
    if (whole_in_batch == 0 && rest == 0) {
      KEEP_RETURN_IF_ERROR(Collect());
      return Bad(dispatched == 0 ? "the file has no body"
                                 : "the file is truncated (its last segment is missing)");
    }
    const bool stub = rest != 0 && rest < kTag;
    const bool empty_after_full = rest == kTag && (whole_in_batch > 0 || dispatched > 0);
    if (stub || empty_after_full) {
      if (whole_in_batch > 0) {
        filling->used = whole_in_batch * full;
        KEEP_RETURN_IF_ERROR(Dispatch(whole_in_batch, false));
      }
      KEEP_RETURN_IF_ERROR(Collect());
      return Bad(stub ? "the file is truncated (its last segment is missing)"
                      : "an empty last segment follows a full one (not made by keep)");
    }
    KEEP_RETURN_IF_ERROR(Dispatch(whole_in_batch + (rest != 0 ? 1 : 0), true));
    return Collect();
  }
};

Decryptor::Decryptor(Decryptor&&) noexcept = default;
Decryptor& Decryptor::operator=(Decryptor&&) noexcept = default;
Decryptor::~Decryptor() = default;

uint64_t Decryptor::segments() const {
  return s_->released;
}

Result<Decryptor> Decryptor::Create(const crypto::SecretBytes& file_key, const Header& header,
                                    WriteFn out, unsigned threads) {
  KEEP_RETURN_IF_ERROR(CheckHeader(header));
  Decryptor d;
  d.s_ = std::make_unique<State>(threads);
  State& s = *d.s_;
  KEEP_ASSIGN_OR_RETURN(s.key, Derive(file_key, header, kPayloadInfo));
  s.segment = header.segment_size();
  s.per_batch = SegmentsPerBatch(s.segment);
  s.Allocate();
  s.out = std::move(out);
  return d;
}

Result<std::span<uint8_t>> Decryptor::Space() {
  State& s = *s_;
  if (s.finished || s.body_done) {
    return FailedPrecondition("finished", "the body is already finished");
  }
  const size_t cap = s.per_batch * (s.segment + kTag);
  if (s.filling->used == cap) KEEP_RETURN_IF_ERROR(s.Dispatch(s.per_batch - 1, false));
  return std::span<uint8_t>(s.filling->sealed).subspan(s.filling->used);
}

void Decryptor::Commit(size_t n) {
  s_->filling->used += n;
}

Status Decryptor::Write(ByteView in) {
  return CopyIn(*this, in, s_->finished);
}

Status Decryptor::WriteAt(uint64_t size, const ReadAtFn& read_at, const ProgressFn& progress) {
  State& s = *s_;
  if (s.finished || s.body_done || s.dispatched > 0 || s.filling->used > 0) {
    return FailedPrecondition("finished", "WriteAt takes the whole body, and only that");
  }
  s.body_done = true;
  const size_t full = s.segment + kTag;
  const uint64_t whole = size / full;
  const size_t rest = static_cast<size_t>(size % full);
  // Batches of whole segments; the final batch (with the rest, as a segment of its own
  // when it is one) goes through End.
  uint64_t left = whole, at = 0;
  const uint64_t tail = rest >= kTag ? 1 : 0;
  Status st;
  while (st.ok() && left + tail > s.per_batch) {
    Batch* b = s.filling;
    b->used = s.per_batch * full;
    b->at = at;
    b->read_at = &read_at;
    at += b->used;
    left -= s.per_batch;
    st = s.Dispatch(s.per_batch, false);
    if (st.ok() && progress) progress(at);
  }
  if (st.ok()) {
    Batch* b = s.filling;
    b->used = static_cast<size_t>(left * full + (rest >= kTag ? rest : 0));
    b->at = at;
    b->read_at = &read_at;
    st = s.End(left, rest);
    if (progress) progress(size);
  }
  s.Reap(false);
  for (Batch& b : s.batches) b.read_at = nullptr;
  return st;
}

Status Decryptor::Finish() {
  State& s = *s_;
  if (s.finished) return FailedPrecondition("finished", "the body is already finished");
  s.finished = true;
  if (s.body_done) return Status::Ok();
  const size_t full = s.segment + kTag;
  const size_t used = s.filling->used;
  return s.End(used / full, used % full);
}

}  // namespace keep::format::file
