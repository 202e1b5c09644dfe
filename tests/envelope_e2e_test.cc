// keep::Envelope against a real keepd: the example, the cache's counts (one keepd
// call per data key, not per record), partitions, rewrap after a rotation, a disabled
// key, a record under another key, wrong contexts and a multi-segment value.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "format/record.h"
#include "harness.h"
#include "keep/envelope.h"

namespace keep {
namespace {

using testing::Keepd;

class EnvelopeE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Keepd>();
    server_->Start();
    client_ = server_->NewClient();
    ASSERT_TRUE(client_->CreateKey({"orders"}).ok());
  }
  std::unique_ptr<Keepd> server_;
  std::unique_ptr<Client> client_;
};

TEST_F(EnvelopeE2e, TheExampleWorksAsWritten) {
  Envelope env(*client_, {.key = "orders"});
  auto blob = env.Encrypt("4111 1111 1111 1111", {{"table", "cards"}, {"row", "42"}});
  ASSERT_TRUE(blob.ok()) << blob.status().ToString();
  auto back = env.Decrypt(*blob, {{"table", "cards"}, {"row", "42"}});
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->view(), "4111 1111 1111 1111");
  // Another process (a fresh Envelope, empty cache) reads it through keepd.
  Envelope other(*client_, {.key = "orders"});
  EXPECT_EQ(other.Decrypt(*blob, {{"table", "cards"}, {"row", "42"}})->view(),
            "4111 1111 1111 1111");
  // The whole context is bound to the data key by default: keepd refuses another row.
  Envelope third(*client_, {.key = "orders"});
  auto wrong = third.Decrypt(*blob, {{"table", "cards"}, {"row", "43"}});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().reason(), "context_mismatch") << wrong.status().ToString();
  // Partitioned by table, a row is bound by the record alone: refused locally even with
  // the data key in the cache.
  Envelope by_table(*client_, {.key = "orders", .partition_by = std::vector<std::string>{"table"}});
  auto row42 = by_table.Encrypt("x", {{"table", "cards"}, {"row", "42"}});
  ASSERT_TRUE(row42.ok());
  auto row43 = by_table.Decrypt(*row42, {{"table", "cards"}, {"row", "43"}});
  ASSERT_FALSE(row43.ok());
  EXPECT_EQ(row43.status().reason(), "wrong_key") << row43.status().ToString();
  EXPECT_EQ(by_table.decrypt_cache().hits, 1u);
  // Another table: keepd's context check on the wrapped key.
  Envelope cold(*client_, {.key = "orders"});
  auto other_table = cold.Decrypt(*row42, {{"table", "users"}, {"row", "42"}});
  ASSERT_FALSE(other_table.ok());
  EXPECT_EQ(other_table.status().reason(), "context_mismatch") << other_table.status().ToString();
}

TEST_F(EnvelopeE2e, OneKeepdCallPerDataKeyNotPerRecord) {
  Envelope env(*client_, {.key = "orders", .partition_by = std::vector<std::string>{"table"}});
  std::vector<std::string> blobs;
  for (int i = 0; i < 500; ++i) {
    auto b = env.Encrypt("record " + std::to_string(i),
                         {{"table", "cards"}, {"row", std::to_string(i)}});
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    blobs.push_back(*b);
  }
  EXPECT_EQ(env.encrypt_cache().misses, 1u);
  EXPECT_EQ(env.encrypt_cache().hits, 499u);
  Envelope reader(*client_, {.key = "orders"});
  for (int i = 0; i < 500; ++i) {
    auto p = reader.Decrypt(blobs[i], {{"table", "cards"}, {"row", std::to_string(i)}});
    ASSERT_TRUE(p.ok()) << i << ": " << p.status().ToString();
    EXPECT_EQ(p->view(), "record " + std::to_string(i));
  }
  EXPECT_EQ(reader.decrypt_cache().misses, 1u);
  EXPECT_EQ(reader.decrypt_cache().hits, 499u);

  // By default the whole context partitions: a data key per row.
  Envelope strict(*client_, {.key = "orders"});
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(strict.Encrypt("x", {{"table", "cards"}, {"row", std::to_string(i)}}).ok());
  }
  EXPECT_EQ(strict.encrypt_cache().misses, 5u);
  // max_messages: a new data key every 2 records.
  Envelope small(*client_, {.key = "orders", .cache = {.max_messages = 2}});
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(small.Encrypt("x").ok());
  EXPECT_EQ(small.encrypt_cache().misses, 3u);
  // max_age 0: no cache at all.
  Envelope none(*client_, {.key = "orders", .cache = {.max_age_s = 0}});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(none.Encrypt("x").ok());
  EXPECT_EQ(none.encrypt_cache().misses, 3u);
  EXPECT_EQ(none.encrypt_cache().entries, 0u);
}

TEST_F(EnvelopeE2e, RewrapMovesTheDataKeyToTheNewVersionAndLeavesTheData) {
  Envelope env(*client_, {.key = "orders"});
  const EncryptionContext ctx{{"row", "7"}};
  auto blob = env.Encrypt("payload", ctx);
  ASSERT_TRUE(blob.ok());
  ASSERT_TRUE(client_->RotateKey("orders").ok());
  auto moved = env.Rewrap(*blob, ctx);
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  size_t b1 = 0, b2 = 0;
  auto h1 = format::record::ParseHeader(*blob, &b1);
  auto h2 = format::record::ParseHeader(*moved, &b2);
  EXPECT_NE(h1->wrapped, h2->wrapped);
  EXPECT_EQ(blob->substr(b1), moved->substr(b2)) << "the body is untouched";
  EXPECT_EQ(h1->mac, h2->mac);
  Envelope reader(*client_, {.key = "orders"});
  EXPECT_EQ(reader.Decrypt(*moved, ctx)->view(), "payload");
  // Now old versions may be refused: the rewrapped record still opens.
  KeyChanges floor;
  floor.min_decryption_version = 2;
  ASSERT_TRUE(client_->UpdateKey("orders", floor).ok());
  Envelope fresh(*client_, {.key = "orders"});
  EXPECT_TRUE(fresh.Decrypt(*moved, ctx).ok());
  EXPECT_FALSE(fresh.Decrypt(*blob, ctx).ok());
  auto batch = fresh.RewrapBatch({{*blob, ctx}, {"not a record", ctx}, {*moved, {}}});
  ASSERT_TRUE(batch.ok());
  EXPECT_FALSE((*batch)[0].ok());  // its version is below the floor now
  EXPECT_EQ((*batch)[1].status().reason(), "invalid_record");
  EXPECT_FALSE((*batch)[2].ok());  // the partition's context is missing
}

TEST_F(EnvelopeE2e, KeepdDecidesWhenTheCacheIsCold) {
  Envelope env(*client_, {.key = "orders"});
  auto blob = env.Encrypt("secret", {});
  ASSERT_TRUE(blob.ok());
  KeyChanges off;
  off.enabled = false;
  ASSERT_TRUE(client_->UpdateKey("orders", off).ok());
  Envelope cold(*client_, {.key = "orders"});
  auto r = cold.Decrypt(*blob, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "key_disabled") << r.status().ToString();
  // The warm cache still serves until max_age: the documented trade-off.
  EXPECT_TRUE(env.Decrypt(*blob, {}).ok());
  env.ClearCache();
  EXPECT_EQ(env.Decrypt(*blob, {}).status().reason(), "key_disabled");
}

TEST_F(EnvelopeE2e, ARecordUnderAnotherKeyAndDamagedRecordsAreRefused) {
  ASSERT_TRUE(client_->CreateKey({"users"}).ok());
  Envelope orders(*client_, {.key = "orders"});
  Envelope users(*client_, {.key = "users"});
  auto blob = orders.Encrypt("x", {});
  ASSERT_TRUE(blob.ok());
  auto r = users.Decrypt(*blob, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "wrong_key");
  EXPECT_EQ(orders.Decrypt(blob->substr(0, blob->size() - 1), {}).status().reason(),
            "invalid_record");
  EXPECT_EQ(orders.Decrypt(*blob + "x", {}).status().reason(), "invalid_record");
  EXPECT_EQ(orders.Decrypt("", {}).status().reason(), "invalid_record");
  EXPECT_EQ(orders.Encrypt("x", {{"keep-record", "v1"}}).status().code(), Code::kInvalidArgument);
  Envelope bad(*client_, {.key = ""});
  EXPECT_EQ(bad.Encrypt("x").status().code(), Code::kInvalidArgument);
}

TEST_F(EnvelopeE2e, LargeValuesStreamInSegments) {
  Envelope env(*client_, {.key = "orders", .segment_log2 = 12});
  std::string big(200'000, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  auto blob = env.Encrypt(big, {{"file", "f"}});
  ASSERT_TRUE(blob.ok());
  EXPECT_GT(blob->size(), big.size() + 16 * 48);
  auto back = env.Decrypt(*blob, {{"file", "f"}});
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->view(), big);
}

}  // namespace
}  // namespace keep

namespace keep {
namespace {

// One Envelope shared by threads: the cache's counters add up, every record opens.
TEST_F(EnvelopeE2e, OneEnvelopeServesManyThreads) {
  Envelope env(*client_, {.key = "orders",
                          .cache = {.max_messages = 50},
                          .partition_by = std::vector<std::string>{"table"}});
  constexpr int kThreads = 8, kEach = 100;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const EncryptionContext ctx{{"table", "t" + std::to_string(t % 2)},
                                    {"row", std::to_string(i)}};
        const std::string msg = std::to_string(t) + "/" + std::to_string(i);
        auto b = env.Encrypt(msg, ctx);
        auto p = b.ok() ? env.Decrypt(*b, ctx) : Result<SecretString>(b.status());
        if (!p.ok() || p->view() != msg) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  const CacheStats s = env.encrypt_cache();
  EXPECT_EQ(s.hits + s.misses, static_cast<uint64_t>(kThreads * kEach));
  // At most 50 records per data key: at least 800 / 50 keepd calls; threads that miss at
  // once for one partition each fetch a key, so a few more — far from one per record.
  EXPECT_GE(s.misses, 16u);
  EXPECT_LE(s.misses, 200u);
}

}  // namespace
}  // namespace keep
