// libkeep's typed client against a real keepd over TLS: every typed call, the server's
// error codes kept apart, batches with failing items, names checked before sending,
// failover past a dead address, Retry-After against the deadline, and one Client shared
// by many threads.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "harness.h"
#include "keep/client.h"

namespace keep {
namespace {

using testing::Keepd;

class ClientE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Keepd>();
    server_->Start();
    client_ = server_->NewClient();
  }
  std::unique_ptr<Keepd> server_;
  std::unique_ptr<Client> client_;
};

// A port nobody listens on: bound, then closed.
int DeadPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

TEST_F(ClientE2e, KeysLifecycle) {
  Client& c = *client_;
  auto k = c.CreateKey({"orders", "", "order records", "90d"});
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  EXPECT_EQ(k->name, "orders");
  EXPECT_EQ(k->type, "aes256-gcm");
  EXPECT_EQ(k->description, "order records");
  EXPECT_EQ(k->auto_rotate_period, "90d");
  EXPECT_EQ(k->state, "enabled");
  EXPECT_EQ(k->latest_version, 1u);
  ASSERT_EQ(k->versions.size(), 1u);

  auto again = c.CreateKey({"orders"});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().reason(), "already_exists") << again.status().ToString();

  for (const char* n : {"orders-a", "orders-b", "other"}) ASSERT_TRUE(c.CreateKey({n}).ok());
  auto page = c.ListKeys("orders", "", 2);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->keys.size(), 2u);
  EXPECT_EQ(page->keys[0], "orders");
  EXPECT_FALSE(page->next.empty());
  auto rest = c.ListKeys("orders", page->next, 2);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->keys.size(), 1u);
  EXPECT_EQ(rest->keys[0], "orders-b");
  EXPECT_TRUE(rest->next.empty());

  auto r = c.RotateKey("orders");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->latest_version, 2u);
  KeyChanges ch;
  ch.enabled = false;
  ch.description = "off";
  auto u = c.UpdateKey("orders", ch);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->state, "disabled");
  EXPECT_EQ(u->description, "off");
  auto refused = c.Encrypt("orders", "x");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().reason(), "key_disabled") << refused.status().ToString();

  auto d = c.DeleteKey("orders", 7);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->state, "pending_deletion");
  EXPECT_TRUE(d->deletion_date.has_value());
  auto back = c.UndeleteKey("orders");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->state, "disabled");

  auto missing = c.GetKey("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
}

TEST_F(ClientE2e, CryptoCallsKeepTheServersErrorCodesApart) {
  Client& c = *client_;
  ASSERT_TRUE(c.CreateKey({"k"}).ok());
  const std::string plain("\x00\x01binary\xff", 9);
  const EncryptionContext ctx{{"table", "cards"}, {"row", "42"}};
  auto e = c.Encrypt("k", plain, ctx);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->key, "k");
  EXPECT_EQ(e->version, 1u);
  EXPECT_EQ(e->ciphertext.rfind("keep:", 0), 0u);

  auto d = c.Decrypt("", e->ciphertext, ctx);  // the key named in the ciphertext
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->plaintext.view(), plain);
  static_assert(std::is_same_v<decltype(d->plaintext), SecretString>);

  auto wrong = c.Decrypt("k", e->ciphertext, {{"table", "cards"}, {"row", "43"}});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().reason(), "context_mismatch") << wrong.status().ToString();
  std::string flipped = e->ciphertext;
  flipped[flipped.size() - 3] = flipped[flipped.size() - 3] == 'A' ? 'B' : 'A';
  auto bad = c.Decrypt("k", flipped, ctx);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().reason(), "context_mismatch");
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument) << bad.status().ToString();

  ASSERT_TRUE(c.RotateKey("k").ok());
  auto w = c.Rewrap("k", e->ciphertext, ctx);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->version, 2u);
  EXPECT_EQ(c.Decrypt("k", w->ciphertext, ctx)->plaintext.view(), plain);
  auto v1 = c.Encrypt("k", plain, {}, 1u);
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(v1->version, 1u);

  auto dk = c.GenerateDataKey("k", 256, true, ctx);
  ASSERT_TRUE(dk.ok()) << dk.status().ToString();
  ASSERT_TRUE(dk->plaintext.has_value());
  EXPECT_EQ(dk->plaintext->size(), 32u);
  auto unwrapped = c.Decrypt("k", dk->ciphertext, ctx);
  ASSERT_TRUE(unwrapped.ok());
  EXPECT_EQ(unwrapped->plaintext.view(), dk->plaintext->view());
  auto wrapped_only = c.GenerateDataKey("k", 128, false);
  ASSERT_TRUE(wrapped_only.ok());
  EXPECT_FALSE(wrapped_only->plaintext.has_value());
  EXPECT_FALSE(c.GenerateDataKey("k", 100).ok());

  auto rnd = c.Random(16);
  ASSERT_TRUE(rnd.ok());
  EXPECT_EQ(rnd->size(), 16u);
  EXPECT_NE(rnd->view(), c.Random(16)->view());

  auto h = c.Health();
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->http_status, 200);
  EXPECT_TRUE(h->initialized);
  EXPECT_FALSE(h->sealed);
  EXPECT_EQ(h->seal_type, "dev-file");
}

TEST_F(ClientE2e, BatchesAnswerPerItem) {
  Client& c = *client_;
  ASSERT_TRUE(c.CreateKey({"k"}).ok());
  const std::vector<EncryptItem> items = {
      {"one", {{"n", "1"}}, {}}, {"two", {{"n", "2"}}, {}}, {"", {}, {}}};
  auto enc = c.EncryptBatch("k", items);
  ASSERT_TRUE(enc.ok()) << enc.status().ToString();
  ASSERT_EQ(enc->size(), 3u);
  for (const auto& r : *enc) ASSERT_TRUE(r.ok()) << r.status().ToString();

  std::vector<DecryptItem> back = {{(*enc)[0]->ciphertext, {{"n", "1"}}},
                                   {(*enc)[1]->ciphertext, {{"n", "1"}}},  // wrong context
                                   {"keep:garbage", {}},
                                   {(*enc)[2]->ciphertext, {}}};
  auto dec = c.DecryptBatch("", back);
  ASSERT_TRUE(dec.ok()) << dec.status().ToString();
  ASSERT_EQ(dec->size(), 4u);
  ASSERT_TRUE((*dec)[0].ok());
  EXPECT_EQ((*dec)[0]->plaintext.view(), "one");
  ASSERT_FALSE((*dec)[1].ok());
  EXPECT_EQ((*dec)[1].status().reason(), "context_mismatch");
  ASSERT_FALSE((*dec)[2].ok());
  EXPECT_EQ((*dec)[2].status().code(), Code::kInvalidArgument);
  ASSERT_TRUE((*dec)[3].ok());
  EXPECT_EQ((*dec)[3]->plaintext.view(), "");

  ASSERT_TRUE(c.RotateKey("k").ok());
  back.resize(1);
  auto rw = c.RewrapBatch("k", back);
  ASSERT_TRUE(rw.ok());
  ASSERT_TRUE((*rw)[0].ok());
  EXPECT_EQ((*rw)[0]->version, 2u);
}

TEST_F(ClientE2e, NamesThatCouldChangeThePathAreRefusedBeforeSending) {
  for (const char* bad : {"../sys/seal", "a/b", "k?x=1", "", "sp ace", "k%2f"}) {
    auto r = client_->Encrypt(bad, "x");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(client_->GetKey(bad).status().code(), Code::kInvalidArgument) << bad;
  }
  // Nothing reached the server: its trail holds no request naming them.
  EXPECT_EQ(testing::Slurp(server_->audit_path()).find("sys/seal"), std::string::npos);
  // List parameters are encoded, not spliced.
  auto page = client_->ListKeys("a&limit=1000", "", 5);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_TRUE(page->keys.empty());
}

TEST_F(ClientE2e, FailsOverPastADeadServer) {
  ClientOptions o;
  o.addresses = {"https://127.0.0.1:" + std::to_string(DeadPort()), server_->addr()};
  o.token = server_->token();
  o.ca_cert_file = server_->ca();
  o.backoff_initial_ms = 1;
  auto c = Client::Create(o);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->CreateKey({"k"}).ok());  // not written to the dead one: failed over
  for (int i = 0; i < 5; ++i) ASSERT_TRUE((*c)->Encrypt("k", "x").ok());

  // Only dead servers: "unavailable" within the deadline, after max_attempts.
  o.addresses = {"https://127.0.0.1:" + std::to_string(DeadPort())};
  o.max_attempts = 3;
  auto dead = Client::Create(o);
  auto r = (*dead)->Encrypt("k", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "unavailable");

  o.addresses = {"http://127.0.0.1:1"};
  EXPECT_EQ(Client::Create(o).status().code(), Code::kInvalidArgument);
  o.addresses = {server_->addr()};
  o.max_attempts = 0;
  EXPECT_EQ(Client::Create(o).status().code(), Code::kInvalidArgument);
}

TEST(ClientRetries, RetryAfterBeyondTheDeadlineEndsTheCallAtOnce) {
  Keepd server("\n[rate_limits]\nidentity_encrypt = 1\nburst_seconds = 1\n");
  server.Start();
  auto c = server.NewClient();
  ASSERT_TRUE(c->CreateKey({"k"}).ok());
  ASSERT_TRUE(c->Encrypt("k", "x").ok());  // the one token
  // The bucket is empty: 429 with Retry-After 1. A 300 ms deadline cannot wait for it.
  const auto t0 = std::chrono::steady_clock::now();
  auto r = c->Encrypt("k", "x", {}, {}, CallOptions{300});
  const auto waited = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "rate_limited") << r.status().ToString();
  EXPECT_LT(waited, std::chrono::milliseconds(900)) << "it slept the Retry-After";
  // A deadline long enough: waits for the refill and succeeds.
  auto later = c->Encrypt("k", "x", {}, {}, CallOptions{10000});
  EXPECT_TRUE(later.ok()) << later.status().ToString();
}

TEST_F(ClientE2e, OneClientServesManyThreads) {
  ASSERT_TRUE(client_->CreateKey({"k"}).ok());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        const std::string msg = std::to_string(t) + "/" + std::to_string(i);
        auto e = client_->Encrypt("k", msg, {{"t", std::to_string(t)}});
        auto d = e.ok() ? client_->Decrypt("k", e->ciphertext, {{"t", std::to_string(t)}})
                        : Result<Plaintext>(e.status());
        if (!d.ok() || d->plaintext.view() != msg) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace keep
