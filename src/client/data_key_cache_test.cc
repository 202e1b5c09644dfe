// The data-key cache on its own, with time passed in: limits by age, messages and bytes,
// LRU eviction at capacity, counters, and max_age 0 caching nothing.
#include "client/data_key_cache.h"

#include <gtest/gtest.h>

namespace keep::client {
namespace {

std::shared_ptr<DataKeyEntry> Entry(uint8_t seed, int64_t created) {
  Bytes k(32, seed);
  auto keys = format::record::RecordKeys::Derive(k);
  return std::make_shared<DataKeyEntry>(std::move(*keys), "wrapped-" + std::to_string(seed),
                                        created);
}

TEST(DataKeyCache, ReusesUntilMaxMessagesThenMisses) {
  CacheLimits l;
  l.max_messages = 3;
  DataKeyCache c(l);
  EXPECT_EQ(c.Acquire("p", 10, 0), nullptr);  // empty: miss
  auto e = Entry(1, 0);
  e->Use(10);  // the record that fetched it
  c.Insert("p", e);
  EXPECT_EQ(c.Acquire("p", 10, 1), e);
  EXPECT_EQ(c.Acquire("p", 10, 2), e);
  EXPECT_EQ(c.Acquire("p", 10, 3), nullptr);  // a 4th record would exceed 3
  const CacheStats s = c.Stats();
  EXPECT_EQ(s.hits, 2u);
  EXPECT_EQ(s.misses, 2u);
  EXPECT_EQ(s.expirations, 1u);
  EXPECT_EQ(s.entries, 0u);
}

TEST(DataKeyCache, MaxBytesAndMaxAge) {
  CacheLimits l;
  l.max_bytes = 100;
  l.max_age_s = 5;
  DataKeyCache c(l);
  c.Insert("p", Entry(1, 0));
  EXPECT_NE(c.Acquire("p", 60, 1000), nullptr);
  EXPECT_EQ(c.Acquire("p", 41, 1000), nullptr);  // 60 + 41 > 100
  c.Insert("d", Entry(2, 0));
  EXPECT_NE(c.Find("d", 4999), nullptr);
  EXPECT_EQ(c.Find("d", 5000), nullptr);  // 5 s old: expired
  EXPECT_EQ(c.Stats().expirations, 2u);
}

TEST(DataKeyCache, EvictsTheLeastRecentlyUsedAtCapacity) {
  CacheLimits l;
  l.capacity = 2;
  DataKeyCache c(l);
  c.Insert("a", Entry(1, 0));
  c.Insert("b", Entry(2, 0));
  EXPECT_NE(c.Find("a", 1), nullptr);  // a is now the most recent
  c.Insert("c", Entry(3, 0));          // evicts b
  EXPECT_EQ(c.Find("b", 1), nullptr);
  EXPECT_NE(c.Find("a", 1), nullptr);
  EXPECT_NE(c.Find("c", 1), nullptr);
  EXPECT_EQ(c.Stats().evictions, 1u);
  EXPECT_EQ(c.Stats().entries, 2u);
  c.Clear();
  EXPECT_EQ(c.Stats().entries, 0u);
}

TEST(DataKeyCache, MaxAgeZeroCachesNothing) {
  CacheLimits l;
  l.max_age_s = 0;
  DataKeyCache c(l);
  c.Insert("a", Entry(1, 0));
  EXPECT_EQ(c.Find("a", 0), nullptr);
  EXPECT_EQ(c.Stats().entries, 0u);
}

}  // namespace
}  // namespace keep::client
