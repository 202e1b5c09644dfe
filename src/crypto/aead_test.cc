#include "crypto/aead.h"

#include <gtest/gtest.h>

#include <thread>

namespace keep::crypto {
namespace {

TEST(Aead, RejectsBadParameters) {
  Bytes key(32, 1), nonce(12, 2), out(16);
  EXPECT_FALSE(AeadSeal(AeadAlgorithm::kAesGcm, Bytes(31), nonce, {}, {}, out).ok());
  EXPECT_FALSE(AeadSeal(AeadAlgorithm::kAesGcm, key, Bytes{}, {}, {}, out).ok());
  EXPECT_FALSE(AeadSeal(AeadAlgorithm::kChaCha20Poly1305, key, Bytes(8), {}, {}, out).ok());
  Bytes short_out(15);
  EXPECT_FALSE(AeadSeal(AeadAlgorithm::kAesGcm, key, nonce, {}, {}, short_out).ok());
  Bytes empty;
  EXPECT_FALSE(AeadOpen(AeadAlgorithm::kAesGcm, key, nonce, {}, Bytes(15), empty).ok());
}

TEST(Aead, EveryBitFlipIsDetected) {
  for (auto alg : {AeadAlgorithm::kAesGcm, AeadAlgorithm::kChaCha20Poly1305}) {
    Bytes key(32, 7), nonce(12, 9), aad = {1, 2, 3}, msg = {10, 20, 30, 40, 50};
    Bytes ct(msg.size() + kAeadTagSize);
    ASSERT_TRUE(AeadSeal(alg, key, nonce, aad, msg, ct).ok());
    for (size_t bit = 0; bit < ct.size() * 8; ++bit) {
      Bytes bad = ct;
      bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      Bytes out(msg.size(), 0xAA);
      Status s = AeadOpen(alg, key, nonce, aad, bad, out);
      EXPECT_EQ(s.reason(), "invalid_ciphertext") << bit;
      EXPECT_EQ(out, Bytes(msg.size(), 0)) << "output must be wiped on failure";
    }
    Bytes out(msg.size());
    EXPECT_FALSE(AeadOpen(alg, key, nonce, Bytes{1, 2}, ct, out).ok());
    EXPECT_TRUE(AeadOpen(alg, key, nonce, aad, ct, out).ok());
    EXPECT_EQ(out, msg);
  }
}

// The thread's context is reused between calls (only the key and nonce change when the
// cipher is the same): whatever came before — another cipher, another key size, a longer
// nonce, a failed open — a seal gives the bytes a fresh thread's first seal gives.
TEST(Aead, ResultsDoNotDependOnWhatTheThreadDidBefore) {
  struct Case {
    AeadAlgorithm alg;
    size_t key_size, nonce_size;
  };
  const Case cases[] = {{AeadAlgorithm::kAesGcm, 32, 12},
                        {AeadAlgorithm::kAesGcm, 16, 12},
                        {AeadAlgorithm::kAesGcm, 32, 16},
                        {AeadAlgorithm::kAesGcm, 32, 8},
                        {AeadAlgorithm::kChaCha20Poly1305, 32, 12}};
  const Bytes aad = {4, 5, 6}, msg = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
  auto seal = [&](const Case& c, uint8_t seed) {
    Bytes key(c.key_size, seed), nonce(c.nonce_size, static_cast<uint8_t>(seed + 1));
    Bytes out(msg.size() + kAeadTagSize);
    EXPECT_TRUE(AeadSeal(c.alg, key, nonce, aad, msg, out).ok());
    return out;
  };
  for (const Case& want : cases) {
    Bytes fresh;
    std::thread([&] { fresh = seal(want, 42); }).join();
    for (const Case& before : cases) {
      SCOPED_TRACE(testing::Message()
                   << "after key " << before.key_size << " nonce " << before.nonce_size << " alg "
                   << static_cast<int>(before.alg));
      Bytes other = seal(before, 7);
      Bytes out(msg.size());
      Bytes nonce(before.nonce_size, 99);  // not the one sealed with: a failed open
      EXPECT_FALSE(AeadOpen(before.alg, Bytes(before.key_size, 7), nonce, aad, other, out).ok());
      EXPECT_EQ(seal(want, 42), fresh);
      Bytes opened(msg.size());
      Bytes key(want.key_size, 42), want_nonce(want.nonce_size, 43);
      EXPECT_TRUE(AeadOpen(want.alg, key, want_nonce, aad, fresh, opened).ok());
      EXPECT_EQ(opened, msg);
    }
  }
}

}  // namespace
}  // namespace keep::crypto
