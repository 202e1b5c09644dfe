#include "crypto/random.h"

#include <openssl/rand.h>

#include <openssl/crypto.h>
#include <pthread.h>

#include <climits>
#include <cstring>

#include "crypto/ossl.h"

namespace keep::crypto {

namespace {

// Small requests (salts, nonces) are served from a per-thread buffer refilled 4 KiB at a
// time: one RAND_bytes call costs about a microsecond whatever its size. Served bytes
// are wiped from the buffer; a forked child discards its copy (pthread_atfork), so two
// processes never hand out the same bytes.
constexpr size_t kBufferSize = 4096;
constexpr size_t kBufferedMax = 64;

struct RandomBuffer {
  uint8_t bytes[kBufferSize];
  size_t left = 0;
  ~RandomBuffer() { OPENSSL_cleanse(bytes, sizeof bytes); }
};

thread_local RandomBuffer t_buffer;

void DiscardAfterFork() {
  OPENSSL_cleanse(t_buffer.bytes, sizeof t_buffer.bytes);
  t_buffer.left = 0;
}

[[maybe_unused]] const int kAtFork = pthread_atfork(nullptr, nullptr, DiscardAfterFork);

Status Direct(std::span<uint8_t> out);

}  // namespace

Status RandomFill(std::span<uint8_t> out) {
  if (out.empty()) return Status::Ok();  // (an empty span may have a null data pointer)
  if (out.size() > kBufferedMax) return Direct(out);
  RandomBuffer& b = t_buffer;
  if (b.left < out.size()) {
    KEEP_RETURN_IF_ERROR(Direct(std::span<uint8_t>(b.bytes, kBufferSize)));
    b.left = kBufferSize;
  }
  uint8_t* src = b.bytes + (kBufferSize - b.left);
  std::memcpy(out.data(), src, out.size());
  OPENSSL_cleanse(src, out.size());
  b.left -= out.size();
  return Status::Ok();
}

namespace {

Status Direct(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    const size_t n = std::min<size_t>(out.size() - done, INT_MAX);
    if (RAND_bytes(out.data() + done, static_cast<int>(n)) != 1) {
      DrainOpenSslErrors("RAND_bytes");
      return Internal("random generator failure");
    }
    done += n;
  }
  return Status::Ok();
}

}  // namespace

Result<SecretBytes> RandomSecret(size_t n) {
  SecretBytes s(n);
  KEEP_RETURN_IF_ERROR(RandomFill(s.mutable_view()));
  return s;
}

}  // namespace keep::crypto
