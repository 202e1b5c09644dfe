#include "crypto/random.h"

#include <openssl/rand.h>

#include <climits>

#include "crypto/ossl.h"

namespace keep::crypto {

Status RandomFill(std::span<uint8_t> out) {
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

Result<SecretBytes> RandomSecret(size_t n) {
  SecretBytes s(n);
  KEEP_RETURN_IF_ERROR(RandomFill(s.mutable_view()));
  return s;
}

}  // namespace keep::crypto
