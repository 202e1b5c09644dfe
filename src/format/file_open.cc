// The file v1 body, opened: Decryptor (file_body.cc has the shared pipeline's story).
#include "format/file_body_internal.h"

namespace keep::format::file {

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
