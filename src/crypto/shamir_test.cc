#include "crypto/shamir.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "common/bytes.h"
#include "crypto/random.h"

namespace keep::crypto {
namespace {

TEST(Gf256, FieldLaws) {
  // Known product in the AES field: 0x57 * 0x83 = 0xc1 (FIPS-197 §4.2).
  EXPECT_EQ(Gf256Mul(0x57, 0x83), 0xc1);
  EXPECT_EQ(Gf256Mul(0x57, 0x13), 0xfe);
  for (int a = 0; a < 256; ++a) {
    EXPECT_EQ(Gf256Mul(static_cast<uint8_t>(a), 1), a);
    EXPECT_EQ(Gf256Mul(static_cast<uint8_t>(a), 0), 0);
    if (a != 0) {
      EXPECT_EQ(Gf256Mul(static_cast<uint8_t>(a), Gf256Inv(static_cast<uint8_t>(a))), 1) << a;
    }
  }
  EXPECT_EQ(Gf256Inv(0), 0);
}

TEST(Shamir, AnyThresholdSharesRecoverFewerDoNot) {
  std::mt19937 rng(2026);
  int cases = 0;
  for (int round = 0; round < 300; ++round) {
    const int n = 1 + static_cast<int>(rng() % 12);
    const int m = 1 + static_cast<int>(rng() % static_cast<unsigned>(n));
    auto secret = *RandomSecret(32);
    auto shares = ShamirSplit(secret, n, m);
    ASSERT_TRUE(shares.ok());
    ASSERT_EQ(shares->size(), static_cast<size_t>(n));
    std::vector<const Share*> all;
    for (const auto& s : *shares) all.push_back(&s);
    for (int trial = 0; trial < 4; ++trial) {
      std::shuffle(all.begin(), all.end(), rng);
      std::vector<const Share*> enough(all.begin(), all.begin() + m);
      auto got = ShamirCombine(enough);
      ASSERT_TRUE(got.ok());
      EXPECT_TRUE(*got == secret) << "n=" << n << " m=" << m;
      if (m > 1) {
        std::vector<const Share*> short_by_one(all.begin(), all.begin() + (m - 1));
        auto wrong = ShamirCombine(short_by_one);
        ASSERT_TRUE(wrong.ok());
        EXPECT_FALSE(*wrong == secret)
            << "m-1 shares must not give the secret (n=" << n << " m=" << m << ")";
      }
      ++cases;
    }
    std::vector<const Share*> every(all.begin(), all.end());
    EXPECT_TRUE(*ShamirCombine(every) == secret) << "extra shares are fine";
  }
  EXPECT_EQ(cases, 1200);
}

TEST(Shamir, MaximumSharesAndBadInput) {
  auto secret = SecretBytes::CopyOf(AsBytes("root key material"));
  auto shares = ShamirSplit(secret, 255, 200);
  ASSERT_TRUE(shares.ok());
  std::vector<const Share*> pick;
  for (int i = 54; i < 254; ++i) pick.push_back(&(*shares)[static_cast<size_t>(i)]);
  EXPECT_TRUE(*ShamirCombine(pick) == secret);
  EXPECT_FALSE(ShamirSplit(secret, 256, 2).ok());
  EXPECT_FALSE(ShamirSplit(secret, 3, 4).ok());
  EXPECT_FALSE(ShamirSplit(secret, 3, 0).ok());
  EXPECT_FALSE(ShamirSplit(SecretBytes(), 3, 2).ok());
  EXPECT_FALSE(ShamirCombine({}).ok());
  std::vector<const Share*> dup = {&(*shares)[0], &(*shares)[0]};
  EXPECT_FALSE(ShamirCombine(dup).ok());
  Share zero{0, SecretBytes(secret.size())};
  EXPECT_FALSE(ShamirCombine({&zero}).ok());
  Share shorter{7, SecretBytes(3)};
  EXPECT_FALSE(ShamirCombine({&(*shares)[0], &shorter}).ok());
}

TEST(Shamir, OneOfOneIsTheSecretItselfOnlyThroughCombine) {
  auto secret = *RandomSecret(32);
  auto shares = ShamirSplit(secret, 3, 1);
  ASSERT_TRUE(shares.ok());
  for (const auto& s : *shares) EXPECT_TRUE(*ShamirCombine({&s}) == secret);
}

}  // namespace
}  // namespace keep::crypto
