#include "service/service.h"
#include "seal/dev_file_seal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <thread>

#include "store/sqlite_store.h"

namespace keep::service {
namespace {

namespace fs = std::filesystem;

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("keep-svc-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    Open();
  }
  void TearDown() override {
    svc_.reset();
    fs::remove_all(dir_);
  }
  void Open() {
    svc_.reset();
    auto st = store::OpenSqliteStore((dir_ / "keep.db").string());
    ASSERT_TRUE(st.ok());
    svc_ = std::make_unique<Service>(
        std::move(st).value(), std::make_unique<seal::DevFileSeal>((dir_ / "root.key").string()));
  }
  fs::path dir_;
  std::unique_ptr<Service> svc_;
  RequestContext ctx_{"req-1", "127.0.0.1", {"token:test", "test", {"root"}}};
};

TEST_F(ServiceTest, InitUnsealSealAndTokens) {
  auto h = svc_->custody().GetHealth();
  ASSERT_TRUE(h.ok());
  EXPECT_FALSE(h->initialized);
  EXPECT_EQ(svc_->custody().Unseal().status().reason(), "not_initialized");
  auto init = svc_->custody().Init();
  ASSERT_TRUE(init.ok()) << init.status();
  EXPECT_EQ(svc_->custody().Init().status().reason(), "already_initialized");
  const std::string token(AsChars(init->root_token.view()));
  auto id = svc_->directory().tokens().Lookup(token);
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(id->IsRoot());
  EXPECT_EQ(svc_->directory().tokens().Lookup("keep_wrong").status().code(),
            Code::kUnauthenticated);
  ASSERT_TRUE(svc_->custody().Seal().ok());
  EXPECT_EQ(svc_->CreateKey(ctx_, {"k"}).status().reason(), "sealed");
  EXPECT_EQ(svc_->Random(ctx_, 16).status().reason(), "sealed");
  EXPECT_EQ(svc_->directory().tokens().Lookup(token).status().reason(), "sealed");
  ASSERT_TRUE(svc_->custody().Unseal().ok());
  EXPECT_TRUE(svc_->directory().tokens().Lookup(token).ok());
}

// A peer every identity maps to, that is never reached (the responder side is under test).
class QuietPeer final : public PeerLinks {
 public:
  bool Known(std::string_view p) const override { return p == "p"; }
  std::string PeerOf(std::string_view) const override { return "p"; }
  Result<KeygenReveal> KeygenCommit(std::string_view, const KeygenOffer&) override {
    return Unavailable("peer_unavailable", "quiet");
  }
  Result<Bytes> KeygenFinish(std::string_view, std::string_view, std::string_view,
                             const KeygenReveal&) override {
    return Unavailable("peer_unavailable", "quiet");
  }
  Result<PartialAnswer> Partial(std::string_view, const PartialRequest&) override {
    return Unavailable("peer_unavailable", "quiet");
  }
};

TEST_F(ServiceTest, SealForgetsHalfMadeSplitKeyVersions) {
  ASSERT_TRUE(svc_->custody().Init().ok());
  svc_->SetPeers(std::make_shared<QuietPeer>());
  const std::string session(32, 'a');
  KeygenOffer offer{"vault", {1}, 1, session, Bytes(32, 7)};
  auto reveal = svc_->SplitKeygenCommit(ctx_, offer);
  ASSERT_TRUE(reveal.ok()) << reveal.status();
  // The share waits for the initiator's reveal; a seal wipes it, so after the unseal the
  // session is unknown (404), not merely refused for a bad reveal (400).
  ASSERT_TRUE(svc_->custody().Seal().ok());
  ASSERT_TRUE(svc_->custody().Unseal().ok());
  auto finish = svc_->SplitKeygenFinish(ctx_, "vault", session, *reveal);
  EXPECT_EQ(finish.status().code(), Code::kNotFound) << finish.status();
  // Without a seal between, the same steps reach the check of the reveal.
  const std::string other(32, 'b');
  ASSERT_TRUE(svc_->SplitKeygenCommit(ctx_, {"vault", {1}, 1, other, Bytes(32, 7)}).ok());
  EXPECT_EQ(svc_->SplitKeygenFinish(ctx_, "vault", other, *reveal).status().code(),
            Code::kInvalidArgument);
}

TEST_F(ServiceTest, EnvelopeOperationsAndRestart) {
  ASSERT_TRUE(svc_->custody().Init().ok());
  ASSERT_TRUE(svc_->CreateKey(ctx_, {"orders"}).ok());
  keys::CreateKeyOptions chacha{"chacha", keys::KeyType::kChaCha20Poly1305, "", 0};
  ASSERT_TRUE(svc_->CreateKey(ctx_, chacha).ok());
  format::EncryptionContext c = {{"tenant", "42"}};
  auto e = svc_->Encrypt(ctx_, "orders", AsBytes("card 4111"), c);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->ciphertext.rfind("keep:", 0), 0u);
  auto d = svc_->Decrypt(ctx_, "", e->ciphertext, c);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(d->plaintext.Equals(AsBytes("card 4111")));
  EXPECT_EQ(d->key, "orders");
  EXPECT_EQ(svc_->Decrypt(ctx_, "orders", e->ciphertext, {}).status().reason(), "context_mismatch");
  EXPECT_EQ(svc_->Decrypt(ctx_, "chacha", e->ciphertext, c).status().reason(), "key_mismatch");
  EXPECT_EQ(svc_->Decrypt(ctx_, "", "keep:AAAA", c).status().reason(), "invalid_ciphertext");

  ASSERT_TRUE(svc_->RotateKey(ctx_, "orders").ok());
  auto r = svc_->Rewrap(ctx_, "orders", e->ciphertext, c);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->version, 2u);
  EXPECT_TRUE(
      svc_->Decrypt(ctx_, "orders", r->ciphertext, c)->plaintext.Equals(AsBytes("card 4111")));

  auto dk = svc_->DataKey(ctx_, "chacha", 256, true, {});
  ASSERT_TRUE(dk.ok());
  ASSERT_TRUE(dk->plaintext.has_value());
  EXPECT_EQ(dk->plaintext->size(), 32u);
  auto unwrapped = svc_->Decrypt(ctx_, "chacha", dk->ciphertext, {});
  ASSERT_TRUE(unwrapped.ok());
  EXPECT_TRUE(unwrapped->plaintext == *dk->plaintext);
  EXPECT_EQ(svc_->DataKey(ctx_, "chacha", 100, true, {}).status().reason(), "bad_request");
  EXPECT_FALSE(svc_->DataKey(ctx_, "chacha", 128, false, {})->plaintext.has_value());

  ASSERT_TRUE(svc_->custody().RotateKeyring().ok());
  Open();  // restart: dev-file seal unseals, old keyring term and keys still read
  ASSERT_TRUE(svc_->custody().Unseal().ok());
  auto again = svc_->Decrypt(ctx_, "", e->ciphertext, c);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->plaintext.Equals(AsBytes("card 4111")));
  EXPECT_EQ(svc_->GetKey(ctx_, "orders")->latest_version, 2u);
}

TEST(ServiceMaintenance, BackgroundTaskRotatesAndPurgesOnSchedule) {
  const fs::path dir = fs::temp_directory_path() / ("keep-maint-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::atomic<int64_t> now{1'700'000'000};
  {
    Service svc(*store::OpenSqliteStore((dir / "keep.db").string()),
                std::make_unique<seal::DevFileSeal>((dir / "root.key").string()),
                [&now] { return now.load(); });
    ASSERT_TRUE(svc.custody().Init().ok());
    RequestContext ctx;
    ASSERT_TRUE(svc.CreateKey(ctx, {"auto", keys::KeyType::kAes256Gcm, "", 3600}).ok());
    ASSERT_TRUE(svc.CreateKey(ctx, {"doomed"}).ok());
    ASSERT_TRUE(svc.DeleteKey(ctx, "doomed", 7).ok());
    svc.StartMaintenance(1);
    now += 3600;
    auto wait_for = [](const std::function<bool()>& cond) {
      for (int i = 0; i < 60 && !cond(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      return cond();
    };
    EXPECT_TRUE(wait_for([&] { return svc.GetKey(ctx, "auto")->latest_version == 2; }))
        << "the background task rotates a key whose period has elapsed";
    EXPECT_TRUE(svc.GetKey(ctx, "doomed").ok()) << "not before its deletion date";
    now += 7 * 86400;
    EXPECT_TRUE(wait_for([&] { return !svc.GetKey(ctx, "doomed").ok(); }))
        << "the background task destroys a key after its deletion date";
    svc.StopMaintenance();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace keep::service
