// Token buckets and the sliding decrypt budget, on a synthetic clock.
#include "access/limits.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace keep::access {
namespace {

constexpr int64_t kSec = 1'000'000'000;

TEST(RateLimiter, UnconfiguredAdmitsEverything) {
  RateLimiter rl({});
  EXPECT_FALSE(rl.enabled());
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(rl.Take(OpClass::kDecrypt, "a", "k", 100, 0), 0);
}

TEST(RateLimiter, BucketDrainsRefillsAndSaysHowLongToWait) {
  RateLimitOptions o;
  o.identity[static_cast<int>(OpClass::kDecrypt)] = {10, 20};
  RateLimiter rl(o);
  int admitted = 0;
  for (int i = 0; i < 30; ++i) admitted += rl.Take(OpClass::kDecrypt, "a", "k", 1, 0) == 0;
  EXPECT_EQ(admitted, 20);  // the burst
  EXPECT_EQ(rl.Take(OpClass::kDecrypt, "a", "k", 1, 0), 1);
  EXPECT_EQ(rl.Take(OpClass::kDecrypt, "a", "k", 15, 0), 2);  // 15 tokens at 10/s
  // Other identities and other classes have their own buckets.
  EXPECT_EQ(rl.Take(OpClass::kDecrypt, "b", "k", 1, 0), 0);
  EXPECT_EQ(rl.Take(OpClass::kEncrypt, "a", "k", 1, 0), 0);
  // Half a second refills five.
  admitted = 0;
  for (int i = 0; i < 10; ++i) admitted += rl.Take(OpClass::kDecrypt, "a", "k", 1, kSec / 2) == 0;
  EXPECT_EQ(admitted, 5);
}

// A batch costs one token per item (issue 12.5: a batch of 1,000 used to go through on a
// full bucket of 20 and empty it, so a 10/s limit passed 1,000 items every 2 s).
TEST(RateLimiter, ABatchCostsOneTokenPerItemAndOneLargerThanTheBucketNeverPasses) {
  RateLimitOptions o;
  o.identity[static_cast<int>(OpClass::kDecrypt)] = {10, 20};
  RateLimiter rl(o);
  EXPECT_EQ(rl.Capacity(OpClass::kDecrypt, "c", "k"), 20u);
  EXPECT_EQ(rl.Capacity(OpClass::kEncrypt, "c", "k"), 0u);
  int64_t passed = 0;
  for (int64_t t = 0; t < 60 * kSec; t += kSec / 10) {  // a minute of retries, 10 a second
    EXPECT_EQ(rl.Take(OpClass::kDecrypt, "c", "k", 1000, t), RateLimiter::kNever);
    if (rl.Take(OpClass::kDecrypt, "c", "k", 15, t) == 0) passed += 15;
  }
  EXPECT_LE(passed, 20 + 60 * 10) << "no more than the burst plus the rate";
  EXPECT_GE(passed, 60 * 10 - 15);
  // All or nothing: a refused batch takes nothing.
  RateLimiter fresh(o);
  EXPECT_EQ(fresh.Take(OpClass::kDecrypt, "d", "k", 15, 0), 0);
  EXPECT_EQ(fresh.Take(OpClass::kDecrypt, "d", "k", 10, 0), 1);  // 5 left, 10 wanted: 0.5 s
  EXPECT_EQ(fresh.Take(OpClass::kDecrypt, "d", "k", 5, 0), 0);   // the 5 are still there
}

TEST(RateLimiter, PerKeyBucketsAreSharedByIdentities) {
  RateLimitOptions o;
  o.key[static_cast<int>(OpClass::kEncrypt)] = {1, 3};
  RateLimiter rl(o);
  EXPECT_EQ(rl.Take(OpClass::kEncrypt, "a", "k1", 2, 0), 0);
  EXPECT_EQ(rl.Take(OpClass::kEncrypt, "b", "k1", 1, 0), 0);
  EXPECT_EQ(rl.Take(OpClass::kEncrypt, "c", "k1", 1, 0), 1);
  EXPECT_EQ(rl.Take(OpClass::kEncrypt, "c", "k2", 1, 0), 0);
  EXPECT_EQ(rl.Take(OpClass::kEncrypt, "c", "", 1, 0), 0);  // no key: no key bucket
}

TEST(DecryptBudget, IdentityBudgetTripsOnlyThatIdentity) {
  DecryptBudget b({100, 0, 60, false});
  for (int i = 0; i < 100; ++i) ASSERT_EQ(b.Record("a", 1, 1000), DecryptBudget::Trip::kNone);
  EXPECT_EQ(b.Record("a", 1, 1000), DecryptBudget::Trip::kIdentity);
  EXPECT_EQ(b.Record("b", 50, 1000), DecryptBudget::Trip::kNone);
  b.Reset("a");
  EXPECT_EQ(b.Record("a", 1, 1000), DecryptBudget::Trip::kNone);
}

TEST(DecryptBudget, TheWindowSlides) {
  DecryptBudget b({100, 0, 60, false});
  EXPECT_EQ(b.Record("a", 90, 0), DecryptBudget::Trip::kNone);
  // 30 s into the next window the old count weighs half: 45 + 50 < 100.
  EXPECT_EQ(b.Record("a", 50, 90'000), DecryptBudget::Trip::kNone);
  // Two windows later everything is forgotten.
  EXPECT_EQ(b.Record("a", 99, 300'000), DecryptBudget::Trip::kNone);
  EXPECT_EQ(b.Record("a", 2, 300'000), DecryptBudget::Trip::kIdentity);
}

TEST(DecryptBudget, GlobalBudgetCountsEveryone) {
  DecryptBudget b({0, 10, 60, true});
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(b.Record("id" + std::to_string(i), 1, 5), DecryptBudget::Trip::kNone);
  }
  EXPECT_EQ(b.Record("other", 1, 5), DecryptBudget::Trip::kGlobal);
}

// SIGHUP: new rates apply at once, buckets start full, and a limit lifted admits everything.
TEST(RateLimiter, ReconfigureAppliesNewRatesWhileOthersTake) {
  RateLimitOptions one;
  one.identity[static_cast<int>(OpClass::kEncrypt)] = {1, 1};
  RateLimiter rl(one);
  EXPECT_EQ(rl.Take(OpClass::kEncrypt, "a", "", 1, 0), 0);
  EXPECT_EQ(rl.Take(OpClass::kEncrypt, "a", "", 1, 0), 1);
  RateLimitOptions hundred;
  hundred.identity[static_cast<int>(OpClass::kEncrypt)] = {100, 100};
  rl.Reconfigure(hundred);
  EXPECT_EQ(rl.Capacity(OpClass::kEncrypt, "a", ""), 100u);
  EXPECT_EQ(rl.Take(OpClass::kEncrypt, "a", "", 50, 0), 0);
  // Concurrent takers while the rates flip (TSan: no race on the options).
  std::atomic<bool> stop{false};
  std::vector<std::thread> takers;
  for (int t = 0; t < 3; ++t) {
    takers.emplace_back([&, t] {
      while (!stop) rl.Take(OpClass::kEncrypt, "id" + std::to_string(t), "k", 1, 0);
    });
  }
  for (int i = 0; i < 200; ++i) rl.Reconfigure(i % 2 ? one : hundred);
  rl.Reconfigure(RateLimitOptions{});
  stop = true;
  for (auto& t : takers) t.join();
  EXPECT_FALSE(rl.enabled());
  EXPECT_EQ(rl.Take(OpClass::kEncrypt, "a", "", 1000, 0), 0);
}

TEST(DecryptBudget, ReconfigureKeepsTheCountsSoFar) {
  DecryptBudget b({100, 0, 60, false});
  for (int i = 0; i < 10; ++i) ASSERT_EQ(b.Record("a", 1, 1000), DecryptBudget::Trip::kNone);
  b.Reconfigure({10, 0, 60, true});
  EXPECT_TRUE(b.options().seal);
  EXPECT_EQ(b.Record("a", 1, 1000), DecryptBudget::Trip::kIdentity);  // 11 > 10
  b.Reconfigure({});
  EXPECT_FALSE(b.enabled());
  EXPECT_EQ(b.Record("a", 1000, 1000), DecryptBudget::Trip::kNone);
}

}  // namespace
}  // namespace keep::access
