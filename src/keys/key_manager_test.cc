#include "keys/key_manager.h"

#include <thread>

#include "crypto/random.h"
#include "keys/test_util.h"

namespace keep::keys {
namespace {

using testing::TempStore;

class KeyManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = *crypto::RandomSecret(32);
    barrier_ = std::make_unique<Barrier>(ts_.store());
    ASSERT_TRUE(barrier_->Initialize(root_).ok());
    km_ = std::make_unique<KeyManager>(*barrier_, [this] { return now_; });
  }
  Result<KeyMeta> Create(const std::string& name, int64_t period = 0) {
    CreateKeyOptions o;
    o.name = name;
    o.auto_rotate_period = period;
    return km_->Create(o);
  }

  TempStore ts_;
  crypto::SecretBytes root_;
  std::unique_ptr<Barrier> barrier_;
  std::unique_ptr<KeyManager> km_;
  int64_t now_ = 1'700'000'000;
};

TEST_F(KeyManagerTest, CreateGetListAndDuplicates) {
  ASSERT_TRUE(Create("orders").ok());
  EXPECT_EQ(Create("orders").status().reason(), "already_exists");
  EXPECT_EQ(Create("bad name").status().reason(), "bad_request");
  EXPECT_EQ(Create(std::string(129, 'a')).status().reason(), "bad_request");
  EXPECT_EQ(Create("").status().reason(), "bad_request");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Create("app." + std::to_string(i)).ok());
  auto page = km_->List("app.", "", 3);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->names, (std::vector<std::string>{"app.0", "app.1", "app.2"}));
  ASSERT_TRUE(page->next.has_value());
  auto page2 = km_->List("app.", *page->next, 3);
  EXPECT_EQ(page2->names, (std::vector<std::string>{"app.3", "app.4"}));
  EXPECT_FALSE(page2->next.has_value());
  auto m = km_->Get("orders");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->latest_version, 1u);
  EXPECT_EQ(m->state, KeyState::kEnabled);
  EXPECT_EQ(km_->Get("nope").status().reason(), "not_found");
}

TEST_F(KeyManagerTest, KeyMaterialNeverReachesTheFileInClear) {
  ASSERT_TRUE(Create("k").ok());
  ASSERT_TRUE(km_->Rotate("k").ok());
  auto v1 = km_->ForEncrypt("k", 1);
  auto v2 = km_->ForEncrypt("k");
  ASSERT_TRUE(v1.ok() && v2.ok());
  const std::string raw = ts_.RawFiles();
  ASSERT_FALSE(raw.empty());
  EXPECT_FALSE(testing::Contains(raw, v1->material().view()));
  EXPECT_FALSE(testing::Contains(raw, v2->material().view()));
  EXPECT_FALSE(testing::Contains(raw, root_.view()));
  EXPECT_TRUE(raw.find("keymeta/k") != std::string::npos) << "the test must read the real file";
}

TEST_F(KeyManagerTest, RotationAndVersionFloors) {
  ASSERT_TRUE(Create("k").ok());
  ASSERT_TRUE(km_->Rotate("k").ok());
  ASSERT_TRUE(km_->Rotate("k").ok());
  EXPECT_EQ(km_->ForEncrypt("k")->version, 3u);
  format::Header h1 = km_->ForEncrypt("k", 1)->header();
  EXPECT_TRUE(km_->ForDecrypt(h1, std::nullopt).ok());
  KeyPatch p;
  p.min_decryption_version = 2;
  ASSERT_TRUE(km_->Update("k", p).ok());
  EXPECT_EQ(km_->ForDecrypt(h1, std::nullopt).status().reason(), "version_retired");
  EXPECT_EQ(km_->ForEncrypt("k", 1).status().reason(), "version_retired");
  KeyPatch bad;
  bad.min_decryption_version = 4;
  EXPECT_EQ(km_->Update("k", bad).status().reason(), "bad_request");
  bad.min_decryption_version = 0;
  EXPECT_EQ(km_->Update("k", bad).status().reason(), "bad_request");
  KeyPatch enc;
  enc.min_encryption_version = 3;
  ASSERT_TRUE(km_->Update("k", enc).ok());
  EXPECT_EQ(km_->ForEncrypt("k", 2).status().reason(), "version_retired");
  EXPECT_TRUE(km_->ForEncrypt("k", 3).ok());
  EXPECT_EQ(km_->ForEncrypt("k", 4).status().reason(), "bad_request");
}

TEST_F(KeyManagerTest, DisableDeleteCancel) {
  ASSERT_TRUE(Create("k").ok());
  ASSERT_TRUE(Create("other").ok());
  format::Header h = km_->ForEncrypt("k")->header();
  EXPECT_EQ(km_->ForDecrypt(h, std::string_view("other")).status().reason(), "key_mismatch");
  KeyPatch off;
  off.enabled = false;
  ASSERT_TRUE(km_->Update("k", off).ok());
  EXPECT_EQ(km_->ForEncrypt("k").status().reason(), "key_disabled");
  EXPECT_EQ(km_->ForDecrypt(h, std::nullopt).status().reason(), "key_disabled");
  EXPECT_EQ(km_->ScheduleDeletion("k", 6).status().reason(), "bad_request");
  EXPECT_EQ(km_->ScheduleDeletion("k", 366).status().reason(), "bad_request");
  auto del = km_->ScheduleDeletion("k", 7);
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->deletion_date, now_ + 7 * 86400);
  EXPECT_EQ(km_->ForEncrypt("k").status().reason(), "key_pending_deletion");
  EXPECT_EQ(km_->Rotate("k").status().reason(), "key_pending_deletion");
  auto c = km_->CancelDeletion("k");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->state, KeyState::kDisabled);
  EXPECT_EQ(km_->CancelDeletion("k").status().code(), Code::kFailedPrecondition);
  KeyPatch on;
  on.enabled = true;
  ASSERT_TRUE(km_->Update("k", on).ok());
  EXPECT_TRUE(km_->ForDecrypt(h, std::string_view("k")).ok());
}

TEST_F(KeyManagerTest, MaintenanceRotatesAndPurges) {
  ASSERT_TRUE(Create("rotating", 3600).ok());
  ASSERT_TRUE(Create("static").ok());
  ASSERT_TRUE(Create("doomed").ok());
  EXPECT_EQ(Create("too-fast", 60).status().reason(), "bad_request");
  ASSERT_TRUE(km_->ScheduleDeletion("doomed", 7).ok());
  EXPECT_EQ(*km_->RunMaintenance(), 0);
  now_ += 3600;
  EXPECT_EQ(*km_->RunMaintenance(), 1);
  EXPECT_EQ(km_->Get("rotating")->latest_version, 2u);
  EXPECT_EQ(km_->Get("static")->latest_version, 1u);
  now_ += 7 * 86400;
  EXPECT_EQ(*km_->RunMaintenance(), 2);  // one more rotation, one purge
  EXPECT_EQ(km_->Get("doomed").status().reason(), "not_found");
  EXPECT_FALSE(ts_.store().Get("keymeta/doomed")->has_value());
  EXPECT_FALSE(ts_.store().Get("keymat/doomed/0000000001")->has_value());
  ASSERT_TRUE(Create("doomed").ok()) << "a purged name can be reused";
}

TEST_F(KeyManagerTest, ReloadFromStoreAfterRestart) {
  ASSERT_TRUE(Create("k").ok());
  ASSERT_TRUE(km_->Rotate("k").ok());
  Bytes mat(km_->ForEncrypt("k")->material().view().begin(),
            km_->ForEncrypt("k")->material().view().end());
  km_.reset();
  barrier_.reset();
  ts_.Reopen();
  Barrier b(ts_.store());
  ASSERT_TRUE(b.Unseal(root_).ok());
  KeyManager km(b);
  ASSERT_TRUE(km.Load().ok());
  EXPECT_EQ(km.size(), 1u);
  auto h = km.ForEncrypt("k");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->version, 2u);
  EXPECT_TRUE(h->material().Equals(mat));
}

TEST_F(KeyManagerTest, TwoNodesOnOneStoreNeverLoseOrDuplicateVersions) {
  // A second node: its own barrier and key manager over the same store and root key.
  Barrier barrier_b(ts_.store());
  ASSERT_TRUE(barrier_b.Unseal(root_).ok());
  KeyManager node_b(barrier_b, [this] { return now_; });
  ASSERT_TRUE(Create("shared").ok());
  ASSERT_TRUE(node_b.Load().ok());
  EXPECT_EQ(node_b.Create({"shared"}).status().reason(), "already_exists");

  // A rotates; B still holds version 1 in memory and rotates too: B must not overwrite
  // version 2, it retries on the fresh state and makes version 3.
  ASSERT_EQ(km_->Rotate("shared")->latest_version, 2u);
  auto b_rot = node_b.Rotate("shared");
  ASSERT_TRUE(b_rot.ok()) << b_rot.status();
  EXPECT_EQ(b_rot->latest_version, 3u);
  // A's stale metadata update must not undo B's rotation.
  KeyPatch desc;
  desc.description = "from A";
  auto upd = km_->Update("shared", desc);
  ASSERT_TRUE(upd.ok());
  EXPECT_EQ(upd->latest_version, 3u);
  EXPECT_EQ(upd->description, "from A");

  // Both nodes rotate concurrently, 20 times each.
  std::thread ta([&] {
    for (int i = 0; i < 20; ++i) EXPECT_TRUE(km_->Rotate("shared").ok());
  });
  std::thread tb([&] {
    for (int i = 0; i < 20; ++i) EXPECT_TRUE(node_b.Rotate("shared").ok());
  });
  ta.join();
  tb.join();
  ASSERT_TRUE(km_->Reload("shared").ok());
  ASSERT_TRUE(node_b.Reload("shared").ok());
  auto a = km_->Get("shared"), b = node_b.Get("shared");
  EXPECT_EQ(a->latest_version, 43u);
  EXPECT_EQ(b->latest_version, 43u);
  ASSERT_EQ(a->versions.size(), 43u);
  for (uint32_t v = 1; v <= 43; ++v) {
    EXPECT_EQ(a->versions[v - 1].version, v);
    auto ha = km_->ForEncrypt("shared", v), hb = node_b.ForEncrypt("shared", v);
    ASSERT_TRUE(ha.ok() && hb.ok());
    EXPECT_TRUE(ha->material() == hb->material()) << "version " << v;
  }
  // A deletion on B disappears from A after a reload.
  ASSERT_TRUE(node_b.ScheduleDeletion("shared", 7).ok());
  ASSERT_TRUE(km_->Reload("shared").ok());
  EXPECT_EQ(km_->ForEncrypt("shared").status().reason(), "key_pending_deletion");
}

TEST_F(KeyManagerTest, MaintenanceOnTwoNodesRotatesOnce) {
  Barrier barrier_b(ts_.store());
  ASSERT_TRUE(barrier_b.Unseal(root_).ok());
  KeyManager node_b(barrier_b, [this] { return now_; });
  ASSERT_TRUE(Create("auto", 3600).ok());
  ASSERT_TRUE(node_b.Load().ok());
  now_ += 3600;
  // Both nodes see the key due and run their sweeps at the same time.
  std::thread ta([&] { EXPECT_TRUE(km_->RunMaintenance().ok()); });
  std::thread tb([&] { EXPECT_TRUE(node_b.RunMaintenance().ok()); });
  ta.join();
  tb.join();
  ASSERT_TRUE(km_->Reload("auto").ok());
  EXPECT_EQ(km_->Get("auto")->latest_version, 2u) << "rotated once across the cluster, not twice";
}

}  // namespace
}  // namespace keep::keys

namespace keep::keys {
namespace {

TEST_F(KeyManagerTest, EveryKeyTypeCreatesRotatesAndReloads) {
  struct T {
    const char* type;
    std::optional<KeyPurpose> purpose;
    KeyPurpose expect;
  };
  const T types[] = {{"aes256-gcm", {}, KeyPurpose::kEncrypt},
                     {"chacha20-poly1305", {}, KeyPurpose::kEncrypt},
                     {"rsa-2048", KeyPurpose::kEncrypt, KeyPurpose::kEncrypt},
                     {"rsa-2048", KeyPurpose::kSign, KeyPurpose::kSign},
                     {"ecdsa-p256", {}, KeyPurpose::kSign},
                     {"ecdsa-p384", {}, KeyPurpose::kSign},
                     {"ed25519", {}, KeyPurpose::kSign},
                     {"x25519", {}, KeyPurpose::kEncrypt},
                     {"hmac-sha256", {}, KeyPurpose::kMac},
                     {"hmac-384", {}, KeyPurpose::kMac},
                     {"hmac-sha512", {}, KeyPurpose::kMac}};
  int n = 0;
  for (const T& t : types) {
    SCOPED_TRACE(t.type);
    CreateKeyOptions o;
    o.name = "k" + std::to_string(n++);
    o.type = *ParseKeyType(t.type);
    o.purpose = t.purpose;
    auto m = km_->Create(o);
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ(m->purpose, t.expect);
    ASSERT_TRUE(km_->Rotate(o.name).ok());
    // The use the purpose allows works; the others say invalid_key_usage.
    for (KeyPurpose p : {KeyPurpose::kEncrypt, KeyPurpose::kSign, KeyPurpose::kMac}) {
      auto h = km_->ForUse(o.name, p);
      if (p == t.expect) {
        ASSERT_TRUE(h.ok()) << h.status();
        EXPECT_EQ(h->version, 2u);
      } else {
        EXPECT_EQ(h.status().reason(), "invalid_key_usage");
      }
    }
    auto pub = km_->ForPublicKey(o.name, 1);
    EXPECT_EQ(pub.ok(), IsAsymmetric(o.type));
    if (!pub.ok()) {
      EXPECT_EQ(pub.status().reason(), "invalid_key_usage");
    }
  }
  // Every version reads back from the store as the same key.
  auto before = km_->ForPublicKey("k4", 1);
  ASSERT_TRUE(before.ok());
  const Bytes der = before->key_pair().public_key().der();
  KeyManager fresh(*barrier_, [this] { return now_; });
  ASSERT_TRUE(fresh.Load().ok());
  EXPECT_EQ(fresh.size(), std::size(types));
  auto after = fresh.ForPublicKey("k4", 1);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->key_pair().public_key().der(), der);
  auto hmac = fresh.ForUse("k10", KeyPurpose::kMac);
  ASSERT_TRUE(hmac.ok());
  EXPECT_EQ(hmac->material().size(), 64u);
}

TEST_F(KeyManagerTest, PurposeRulesAtCreation) {
  CreateKeyOptions o;
  o.name = "r";
  o.type = KeyType::kRsa3072;
  auto no_purpose = km_->Create(o);
  ASSERT_FALSE(no_purpose.ok());
  EXPECT_NE(no_purpose.status().message().find("encrypt or sign"), std::string::npos);
  o.type = KeyType::kEd25519;
  o.purpose = KeyPurpose::kEncrypt;
  auto wrong = km_->Create(o);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("purpose is sign"), std::string::npos);
  EXPECT_FALSE(ParseKeyType("rsa-1024").ok());
  EXPECT_FALSE(km_->Get("r").ok());  // nothing was created
}

}  // namespace
}  // namespace keep::keys
