// Shared by the file format's tests (file_test.cc, file_body_test.cc): small segments, the
// identities, random bytes.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>

#include "crypto/fixture_keys.h"
#include "crypto/pubkey.h"
#include "crypto/random.h"
#include "format/file.h"

namespace keep::format::file {

constexpr uint8_t kSmall = 12;  // 4 KiB segments keep the tests fast
constexpr size_t kSeg = size_t{1} << kSmall;

// The tag bytes of a body of n plaintext bytes: one per segment, at least one segment.
inline size_t TagBytes(size_t n) {
  return 16 * std::max<size_t>(1, (n + kSeg - 1) / kSeg);
}

struct Identities {
  crypto::PrivateKey x = *crypto::GeneratePrivateKey(crypto::KeyType::kX25519);
  crypto::PrivateKey rsa = crypto::testing::FixtureRsa3072();
  crypto::PrivateKey other = *crypto::GeneratePrivateKey(crypto::KeyType::kX25519);
};

inline const Identities& Ids() {
  static const Identities ids;
  return ids;
}

inline Bytes Random(size_t n) {
  Bytes b(n);
  EXPECT_TRUE(crypto::RandomFill(b).ok());
  return b;
}

}  // namespace keep::format::file
