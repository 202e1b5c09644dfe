// The file v1 body (docs/formats.md §8): segments sealed and opened in batches on a
// SegmentPool. Two batches per stream — one being filled by the caller, one being sealed
// or opened by the pool — so reading, writing and the AES-GCM work overlap; output leaves
// in order, a batch at a time. A segment is "last" only when nothing follows it, so a
// batch goes to the pool only once more input has arrived after it (or at Finish).
#include <openssl/crypto.h>

#include <algorithm>
#include <atomic>
#include <cstring>

#include "crypto/aead.h"
#include "format/file_internal.h"
#include "format/segment_pool.h"

namespace keep::format::file {
namespace {

constexpr size_t kBatchBytes = 4 << 20;
constexpr size_t kTag = crypto::kAeadTagSize;
constexpr size_t kNone = SIZE_MAX;

// At least two: a full batch goes to the pool but for its final segment (see Dispatch).
size_t SegmentsPerBatch(size_t segment) {
  return std::max<size_t>(2, kBatchBytes / segment);
}

// The first segment of part `part` of `n` segments cut into `parts` (one per worker: a
// batch costs two hand-offs, not one per segment).
size_t Begin(size_t part, size_t parts, size_t n) {
  return n * part / parts;
}

// Lowers `v` to `i` if smaller (the first failing segment of a batch).
void LowerTo(std::atomic<size_t>& v, size_t i) {
  size_t cur = v.load();
  while (i < cur && !v.compare_exchange_weak(cur, i)) {
  }
}

}  // namespace

// One batch: `in` holds what the caller fed, `out` what the pool made of it.
struct Batch {
  crypto::SecretBytes plain;  // Encryptor: input; Decryptor: output (wiping memory)
  Bytes sealed;               // Encryptor: output; Decryptor: input
  size_t used = 0;            // bytes fed
  size_t made = 0;            // bytes produced (the successful prefix for Decryptor)
  uint64_t first = 0;         // counter of the first segment
  size_t segments = 0;
  bool last = false;  // its final segment is the body's last
  bool busy = false;  // submitted to the pool, not yet collected
  std::atomic<size_t> bad{kNone};
};

struct Encryptor::State {
  crypto::SecretBytes key;
  size_t segment = 0;
  size_t per_batch = 0;
  uint64_t counter = 0;
  Batch batches[2];
  Batch* filling = &batches[0];
  Batch* working = &batches[1];
  SegmentPool pool;
  WriteFn out;
  bool finished = false;
  explicit State(unsigned threads) : pool(threads) {}

  // Waits for the batch in the pool and hands its output on.
  Status Collect() {
    if (!working->busy) return Status::Ok();
    pool.Wait();
    working->busy = false;
    OPENSSL_cleanse(working->plain.data(), working->used);
    working->used = 0;
    if (working->bad.load() != kNone) return Internal("AES-GCM sealing failed");
    return out(ByteView(working->sealed.data(), working->made));
  }

  // Sends the filled batch to the pool (after collecting the previous one): every segment
  // when `last`, else all but its final segment, whose bytes move to the front of the next
  // batch (nothing is known to follow them yet).
  Status Dispatch(bool last) {
    KEEP_RETURN_IF_ERROR(Collect());
    std::swap(filling, working);
    Batch* b = working;
    if (last) {
      b->segments = std::max<size_t>(1, (b->used + segment - 1) / segment);
    } else {
      b->segments = per_batch - 1;
      const size_t keep = b->segments * segment;
      std::memcpy(filling->plain.data(), b->plain.data() + keep, b->used - keep);
      filling->used = b->used - keep;
      b->used = keep;
    }
    b->first = counter;
    b->last = last;
    b->made = b->used + b->segments * kTag;
    b->bad = kNone;
    b->busy = true;
    counter += b->segments;
    const size_t parts = std::min(b->segments, std::max<size_t>(1, pool.workers()));
    pool.Submit(parts, [this, b, parts](size_t part) {
      for (size_t i = Begin(part, parts, b->segments); i < Begin(part + 1, parts, b->segments);
           ++i) {
        const size_t off = i * segment;
        const size_t len = std::min(segment, b->used - std::min(off, b->used));
        const auto nonce = SegmentNonce(b->first + i, b->last && i + 1 == b->segments);
        if (!crypto::AeadSeal(
                 crypto::AeadAlgorithm::kAesGcm, key.view(), nonce, {},
                 b->plain.view().subspan(off, len),
                 std::span<uint8_t>(b->sealed.data() + i * (segment + kTag), len + kTag))
                 .ok()) {
          LowerTo(b->bad, i);
        }
      }
    });
    return Status::Ok();
  }
};

Encryptor::Encryptor(Encryptor&&) noexcept = default;
Encryptor& Encryptor::operator=(Encryptor&&) noexcept = default;
Encryptor::~Encryptor() {
  if (s_ && s_->working->busy) s_->pool.Wait();  // abandoned mid-stream: let the pool finish
}

Result<Encryptor> Encryptor::Create(const crypto::SecretBytes& file_key, const Header& header,
                                    WriteFn out, unsigned threads) {
  KEEP_RETURN_IF_ERROR(CheckHeader(header));
  Encryptor e;
  e.s_ = std::make_unique<State>(threads);
  State& s = *e.s_;
  KEEP_ASSIGN_OR_RETURN(s.key, Derive(file_key, header, kPayloadInfo));
  s.segment = header.segment_size();
  s.per_batch = SegmentsPerBatch(s.segment);
  for (Batch& b : s.batches) {
    b.plain = crypto::SecretBytes(s.per_batch * s.segment);
    b.sealed.resize(s.per_batch * (s.segment + kTag));
  }
  s.out = std::move(out);
  return e;
}

Result<std::span<uint8_t>> Encryptor::Space() {
  State& s = *s_;
  if (s.finished) return FailedPrecondition("finished", "the body is already finished");
  const size_t cap = s.per_batch * s.segment;
  if (s.filling->used == cap) KEEP_RETURN_IF_ERROR(s.Dispatch(false));
  return s.filling->plain.mutable_view().subspan(s.filling->used);
}

void Encryptor::Commit(size_t n) {
  s_->filling->used += n;
}

Status Encryptor::Write(ByteView in) {
  while (!in.empty()) {
    KEEP_ASSIGN_OR_RETURN(std::span<uint8_t> space, Space());
    const size_t take = std::min(in.size(), space.size());
    std::memcpy(space.data(), in.data(), take);
    Commit(take);
    in = in.subspan(take);
  }
  return s_->finished ? FailedPrecondition("finished", "the body is already finished")
                      : Status::Ok();
}

Status Encryptor::Finish() {
  State& s = *s_;
  if (s.finished) return FailedPrecondition("finished", "the body is already finished");
  s.finished = true;
  KEEP_RETURN_IF_ERROR(s.Dispatch(true));
  return s.Collect();
}

struct Decryptor::State {
  crypto::SecretBytes key;
  size_t segment = 0;
  size_t per_batch = 0;
  uint64_t counter = 0;  // segments released
  Batch batches[2];
  Batch* filling = &batches[0];
  Batch* working = &batches[1];
  SegmentPool pool;
  WriteFn out;
  bool finished = false;
  explicit State(unsigned threads) : pool(threads) {}

  // Waits for the batch in the pool, releases the plaintext of the segments before the
  // first that failed, then reports that one.
  Status Collect() {
    if (!working->busy) return Status::Ok();
    pool.Wait();
    Batch* b = working;
    b->busy = false;
    b->used = 0;
    const size_t bad = b->bad.load();
    const size_t good = bad == kNone ? b->segments : bad;
    const size_t bytes = bad == kNone ? b->made : good * segment;
    counter = b->first + good;
    Status st = bytes > 0 ? out(ByteView(b->plain.data(), bytes)) : Status::Ok();
    OPENSSL_cleanse(b->plain.data(), bytes);
    if (bad == kNone) return st;
    KEEP_RETURN_IF_ERROR(st);
    const bool last = b->last && bad + 1 == b->segments;
    return Bad(last ? "the file is truncated, or its last segment (" + std::to_string(counter) +
                          ") was altered"
                    : "segment " + std::to_string(counter) +
                          " failed authentication (altered, reordered or duplicated)");
  }

  // Sends `segments` segments of the filled batch (the last of them the body's last when
  // `last`) to the pool, after collecting the previous batch.
  Status Dispatch(size_t segments, bool last) {
    KEEP_RETURN_IF_ERROR(Collect());
    std::swap(filling, working);
    Batch* b = working;
    const size_t full = segment + kTag;
    if (b->used > segments * full) {  // the rest goes to the front of the next batch
      const size_t keep = segments * full;
      std::memcpy(filling->sealed.data(), b->sealed.data() + keep, b->used - keep);
      filling->used = b->used - keep;
      b->used = keep;
    }
    b->segments = segments;
    b->first = counter;
    b->last = last;
    b->made = b->used - std::min(b->used, segments * kTag);
    b->bad = kNone;
    b->busy = true;
    const size_t parts = std::min(segments, std::max<size_t>(1, pool.workers()));
    pool.Submit(parts, [this, b, full, parts](size_t part) {
      for (size_t i = Begin(part, parts, b->segments); i < Begin(part + 1, parts, b->segments);
           ++i) {
        const size_t off = i * full;
        const size_t len = std::min(full, b->used - off);
        const auto nonce = SegmentNonce(b->first + i, b->last && i + 1 == b->segments);
        if (!crypto::AeadOpen(crypto::AeadAlgorithm::kAesGcm, key.view(), nonce, {},
                              ByteView(b->sealed.data() + off, len),
                              b->plain.mutable_view().subspan(i * segment, len - kTag))
                 .ok()) {
          LowerTo(b->bad, i);
        }
      }
    });
    return Status::Ok();
  }
};

Decryptor::Decryptor(Decryptor&&) noexcept = default;
Decryptor& Decryptor::operator=(Decryptor&&) noexcept = default;
Decryptor::~Decryptor() {
  if (s_ && s_->working->busy) {
    s_->pool.Wait();
    OPENSSL_cleanse(s_->working->plain.data(), s_->working->plain.size());
  }
}

uint64_t Decryptor::segments() const {
  return s_->counter;
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
  for (Batch& b : s.batches) {
    b.plain = crypto::SecretBytes(s.per_batch * s.segment);
    b.sealed.resize(s.per_batch * (s.segment + kTag));
  }
  s.out = std::move(out);
  return d;
}

Result<std::span<uint8_t>> Decryptor::Space() {
  State& s = *s_;
  if (s.finished) return FailedPrecondition("finished", "the body is already finished");
  const size_t cap = s.per_batch * (s.segment + kTag);
  if (s.filling->used == cap) KEEP_RETURN_IF_ERROR(s.Dispatch(s.per_batch - 1, false));
  return std::span<uint8_t>(s.filling->sealed).subspan(s.filling->used);
}

void Decryptor::Commit(size_t n) {
  s_->filling->used += n;
}

Status Decryptor::Write(ByteView in) {
  while (!in.empty()) {
    KEEP_ASSIGN_OR_RETURN(std::span<uint8_t> space, Space());
    const size_t take = std::min(in.size(), space.size());
    std::memcpy(space.data(), in.data(), take);
    Commit(take);
    in = in.subspan(take);
  }
  return s_->finished ? FailedPrecondition("finished", "the body is already finished")
                      : Status::Ok();
}

Status Decryptor::Finish() {
  State& s = *s_;
  if (s.finished) return FailedPrecondition("finished", "the body is already finished");
  s.finished = true;
  const size_t full = s.segment + kTag;
  const size_t used = s.filling->used;
  const size_t whole = used / full, rest = used % full;
  // What the end of the body says: a last segment of `rest` bytes (or the last full one).
  if (used == 0) {
    KEEP_RETURN_IF_ERROR(s.Collect());
    return Bad(s.counter == 0 ? "the file has no body"
                              : "the file is truncated (its last segment is missing)");
  }
  if (rest != 0 && rest < kTag) {
    // The full segments before the stub were followed by more: not last.
    if (whole > 0) {
      s.filling->used = whole * full;
      KEEP_RETURN_IF_ERROR(s.Dispatch(whole, false));
    }
    KEEP_RETURN_IF_ERROR(s.Collect());
    return Bad("the file is truncated (its last segment is missing)");
  }
  if (rest == kTag && (whole > 0 || s.counter > 0 || s.working->busy)) {
    if (whole > 0) {
      s.filling->used = whole * full;
      KEEP_RETURN_IF_ERROR(s.Dispatch(whole, false));
    }
    KEEP_RETURN_IF_ERROR(s.Collect());
    return Bad("an empty last segment follows a full one (not made by keep)");
  }
  KEEP_RETURN_IF_ERROR(s.Dispatch(whole + (rest != 0 ? 1 : 0), true));
  return s.Collect();
}

}  // namespace keep::format::file
