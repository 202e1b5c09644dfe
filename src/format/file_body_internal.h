// Private to src/format's file body (file_body.cc: Encryptor; file_open.cc: Decryptor):
// the batches, the pool and the order of hand-offs both directions share.
#pragma once

#include <openssl/crypto.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <utility>

#include "common/mapped_file.h"
#include "crypto/aead.h"
#include "format/file_internal.h"
#include "format/segment_pool.h"

namespace keep::format::file {

inline constexpr size_t kBatchBytes = 4 << 20;
inline constexpr size_t kTag = crypto::kAeadTagSize;
inline constexpr size_t kNone = SIZE_MAX;

// At least two: a streamed batch goes to the pool but for its final segment.
inline size_t SegmentsPerBatch(size_t segment) {
  return std::max<size_t>(2, kBatchBytes / segment);
}

// The first segment of part `part` of `n` segments cut into `parts` (one per worker: a
// batch costs two hand-offs, not one per segment).
inline size_t Begin(size_t part, size_t parts, size_t n) {
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
inline void LowerTo(std::atomic<size_t>& v, size_t i) {
  size_t cur = v.load();
  while (i < cur && !v.compare_exchange_weak(cur, i)) {
  }
}

// Drops the page-table entries of mapped input bytes already sealed (whole pages inside
// [p, p + n)): the pages stay in the page cache, but not in this process's resident set,
// which stays bounded however large the mapped file.
inline void ReleaseMapped(const uint8_t* p, size_t n) {
  const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t lo = (reinterpret_cast<uintptr_t>(p) + page - 1) / page * page;
  const uintptr_t hi = (reinterpret_cast<uintptr_t>(p) + n) / page * page;
  if (hi > lo) ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);  // advice only
}

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
  const uint8_t* mapped = nullptr;  // WriteMapped: the batch's input in the mapping
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
  // Waits for the pool's batch (if any); it becomes `done`. `wipe_plain`: wipe its
  // plaintext here (the Encryptor's workers wipe theirs as they seal).
  void Reap(bool wipe_plain) {
    if (!working->busy) return;
    if (body_done) pool.Help();  // WriteAt/WriteMapped: nothing else to do meanwhile
    pool.Wait();
    working->busy = false;
    if (working->mapped != nullptr) ReleaseMapped(working->mapped, working->used);
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
    // Streaming: a part per worker (the caller is busy reading). Whole bodies: the caller
    // helps (Reap), and smaller parts, taken in turn, even out threads that run slower.
    const size_t threads = std::max<size_t>(1, pool.workers()) + (body_done ? 1 : 0);
    const size_t parts = std::min(b->segments, body_done ? 4 * threads : threads);
    pool.Submit(parts, [b, parts, input, unit, job](size_t part) {
      const size_t begin = Begin(part, parts, b->segments);
      const size_t end = Begin(part + 1, parts, b->segments);
      const size_t from = std::min(begin * unit, b->used), to = std::min(end * unit, b->used);
      if (!b->Fill(from, input.subspan(from, to - from))) {
        OPENSSL_cleanse(input.data() + from, to - from);  // whatever was read of it
        LowerTo(b->bad, begin);
        return;
      }
      auto run = [&] {
        for (size_t i = begin; i < end; ++i) {
          if (!job(b, i)) LowerTo(b->bad, i);
        }
      };
      if (b->mapped == nullptr) {
        run();
      } else if (!RunCatchingBusError(run)) {  // the mapped file shrank under us
        {
          std::lock_guard lock(b->read_mu);
          if (b->read_error.ok()) {
            b->read_error = InvalidArgument(std::string(kInputChanged));
          }
        }
        LowerTo(b->bad, begin);
      }
    });
  }
  ~Pipeline() {
    if (working->busy) pool.Wait();  // abandoned mid-stream: let the pool finish
    for (Batch& b : batches) OPENSSL_cleanse(b.plain.data(), b.plain.size());
  }
};

}  // namespace keep::format::file
