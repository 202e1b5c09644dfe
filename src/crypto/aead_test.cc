#include "crypto/aead.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace keep::crypto
