// The file v1 body (docs/formats.md §8): segments sealed and opened in batches on a
// SegmentPool. Two batches per stream: while the pool works on one, the caller's thread
// hands the previous batch's output on and fills the other — from Write/Space, or, with
// WriteAt, the pool's threads read their own segments (pread), so the reading is spread
// over the cores too. Output leaves in order, a batch at a time. A segment is "last" only
// when nothing follows it: a streamed batch goes to the pool but for its final segment,
// which moves to the front of the next batch.
#include "format/file_body_internal.h"

namespace keep::format::file {

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
    Reap(false);
    return Emit();
  }

  // Hands the filled batch to the pool: every segment when `last` or `whole`, else all but
  // its final one, whose bytes move to the front of the next batch. Then hands on the
  // previous batch's output while the pool works.
  Status Dispatch(bool last, bool whole = false) {
    Reap(false);
    if (done != nullptr && done->failed()) return Emit();
    Batch* b = filling;
    Batch* next = working;  // after the swap, the batch the caller fills
    size_t n = std::max<size_t>(1, (b->used + segment - 1) / segment);
    if (!last && !whole) {
      n = per_batch - 1;
      const size_t keep = n * segment;
      std::memcpy(next->plain.data(), b->plain.data() + keep, b->used - keep);
      OPENSSL_cleanse(b->plain.data() + keep, b->used - keep);  // moved, not left behind
      next->used = b->used - keep;
      b->used = keep;
    }
    b->Reset(n, dispatched, last);
    b->made = b->used + n * kTag;
    Submit(b->plain.mutable_view(), segment, [this](Batch* bb, size_t i) {
      const size_t off = i * segment;
      const size_t len = std::min(segment, bb->used - std::min(off, bb->used));
      const auto nonce = SegmentNonce(bb->first + i, bb->last && i + 1 == bb->segments);
      const ByteView in = bb->mapped != nullptr ? ByteView(bb->mapped + off, len)
                                                : bb->plain.view().subspan(off, len);
      const bool ok =
          crypto::AeadSeal(crypto::AeadAlgorithm::kAesGcm, key.view(), nonce, {}, in,
                           std::span<uint8_t>(bb->sealed.data() + i * (segment + kTag), len + kTag))
              .ok();
      // Wiped by the worker that sealed it (a mapping is the page cache's, not a copy).
      if (bb->mapped == nullptr) OPENSSL_cleanse(bb->plain.data() + off, len);
      return ok;
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
  return WriteWhole(size, &read_at, nullptr, progress);
}

Status Encryptor::WriteMapped(ByteView input, const ProgressFn& progress) {
  return WriteWhole(input.size(), nullptr, input.data(), progress);
}

Status Encryptor::WriteWhole(uint64_t size, const ReadAtFn* read_at, const uint8_t* mapped,
                             const ProgressFn& progress) {
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
    b->read_at = read_at;
    b->mapped = mapped != nullptr ? mapped + at : nullptr;
    at += b->used;
    st = s.Dispatch(at == size, /*whole=*/true);
    if (st.ok() && progress) progress(at);
  } while (st.ok() && at < size);
  if (st.ok()) st = s.Collect();
  s.Reap(false);
  for (Batch& b : s.batches) {
    b.read_at = nullptr;
    b.mapped = nullptr;
  }
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

}  // namespace keep::format::file
