// split-p256 keys in the key manager: versions made from jointly generated shares, the
// checks on their stored form, and what the manager refuses to do with them on its own.
#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/hpke.h"
#include "crypto/p256.h"
#include "crypto/random.h"
#include "keys/key_manager.h"
#include "keys/test_util.h"

namespace keep::keys {
namespace {

using testing::TempStore;

// A version's material: this side's share and the peer's public share (its scalar, too,
// for checks that need the joint private key).
struct Shares {
  crypto::SecretBytes mine, theirs;
  Bytes mine_pub, theirs_pub;
  crypto::SecretBytes Raw() const {
    return VersionMaterial::SplitRaw(mine.view(), mine_pub, theirs_pub);
  }
};

Shares NewShares() {
  Shares s;
  s.mine = *crypto::p256::RandomScalar();
  s.theirs = *crypto::p256::RandomScalar();
  s.mine_pub = *crypto::p256::MulBase(s.mine.view());
  s.theirs_pub = *crypto::p256::MulBase(s.theirs.view());
  return s;
}

class SplitKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = *crypto::RandomSecret(32);
    barrier_ = std::make_unique<Barrier>(ts_.store());
    ASSERT_TRUE(barrier_->Initialize(root_).ok());
    km_ = std::make_unique<KeyManager>(*barrier_, [] { return int64_t{1'700'000'000}; });
  }
  Result<KeyMeta> Create(const std::string& name, const crypto::SecretBytes* material,
                         format::KeyId id = {1, 2, 3}) {
    CreateKeyOptions o;
    o.name = name;
    o.type = KeyType::kSplitP256;
    o.id = id;
    o.peer = "b";
    o.material = material;
    return km_->Create(o);
  }

  TempStore ts_;
  crypto::SecretBytes root_;
  std::unique_ptr<Barrier> barrier_;
  std::unique_ptr<KeyManager> km_;
};

TEST_F(SplitKeyTest, VersionsHoldAShareAndTheJointKey) {
  const Shares v1 = NewShares();
  const crypto::SecretBytes raw = v1.Raw();
  auto m = Create("vault", &raw);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->peer, "b");
  EXPECT_EQ(m->purpose, KeyPurpose::kEncrypt);
  EXPECT_EQ(m->id, (format::KeyId{1, 2, 3}));
  auto h = km_->ForPublicKey("vault", 1);
  ASSERT_TRUE(h.ok());
  const Bytes joint = *crypto::hpke::p256::AddPoints(v1.mine_pub, v1.theirs_pub);
  EXPECT_EQ(h->split().joint, joint);
  EXPECT_EQ(h->split().peer_public, v1.theirs_pub);
  EXPECT_EQ(h->public_key().kind(), crypto::asym::Kind::kEcP256);
  // Encryption picks it like any key; the public half is the joint key's SPKI.
  ASSERT_TRUE(km_->ForEncrypt("vault").ok());
  // Rotation needs the peer: the manager alone refuses, AddJointVersion takes version 2 only.
  EXPECT_FALSE(km_->Rotate("vault").ok());
  const Shares v2 = NewShares();
  const crypto::SecretBytes raw2 = v2.Raw();
  auto skip = km_->AddJointVersion("vault", 3, raw2);
  EXPECT_EQ(skip.status().reason(), "conflict");
  auto r = km_->AddJointVersion("vault", 2, raw2);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->latest_version, 2u);
  EXPECT_FALSE(r->versions[1].external);
  // Both versions read back from the store with their shares.
  KeyManager fresh(*barrier_, [] { return int64_t{1'700'000'000}; });
  ASSERT_TRUE(fresh.Load().ok());
  auto again = fresh.ForPublicKey("vault", 1);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->split().joint, joint);
  EXPECT_EQ(again->entry->meta.peer, "b");
}

TEST_F(SplitKeyTest, RefusesMaterialThatDoesNotHoldTogether) {
  const Shares s = NewShares();
  // This side's public share must be its scalar's.
  crypto::SecretBytes wrong = VersionMaterial::SplitRaw(s.mine.view(), s.theirs_pub, s.theirs_pub);
  EXPECT_FALSE(Create("a", &wrong).ok());
  // The peer's share must be a point; the joint key must not be the point at infinity.
  Bytes off_curve = s.theirs_pub;
  off_curve[64] ^= 1;
  crypto::SecretBytes bad_peer = VersionMaterial::SplitRaw(s.mine.view(), s.mine_pub, off_curve);
  EXPECT_FALSE(Create("b", &bad_peer).ok());
  // A peer share of −X_self (= (n − 1)·X_self) would cancel this side's: X = ∞.
  auto n_minus_1 = HexDecode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550");
  ASSERT_TRUE(n_minus_1.ok());
  auto negated = crypto::p256::Mul(*n_minus_1, s.mine_pub);
  ASSERT_TRUE(negated.ok()) << negated.status();
  crypto::SecretBytes cancel = VersionMaterial::SplitRaw(s.mine.view(), s.mine_pub, *negated);
  EXPECT_FALSE(Create("b2", &cancel).ok());
  crypto::SecretBytes short_raw = crypto::SecretBytes::CopyOf(s.mine.view());
  EXPECT_FALSE(Create("c", &short_raw).ok());
  // Without material, an id or a peer, a split key is not made; other types take none.
  CreateKeyOptions o;
  o.name = "d";
  o.type = KeyType::kSplitP256;
  EXPECT_FALSE(km_->Create(o).ok());
  o.type = KeyType::kAes256Gcm;
  o.peer = "b";
  EXPECT_FALSE(km_->Create(o).ok());
  // No auto-rotation (a rotation needs the peer), at creation or later.
  const crypto::SecretBytes raw = s.Raw();
  CreateKeyOptions periodic;
  periodic.name = "e";
  periodic.type = KeyType::kSplitP256;
  periodic.id = format::KeyId{9};
  periodic.peer = "b";
  periodic.material = &raw;
  periodic.auto_rotate_period = 86400;
  EXPECT_FALSE(km_->Create(periodic).ok());
  ASSERT_TRUE(Create("f", &raw, {7}).ok());
  KeyPatch p;
  p.auto_rotate_period = 86400;
  EXPECT_FALSE(km_->Update("f", p).ok());
  // The same id twice is refused: a ciphertext names one key.
  const Shares t = NewShares();
  const crypto::SecretBytes raw_t = t.Raw();
  EXPECT_EQ(Create("g", &raw_t, {7}).status().code(), Code::kAlreadyExists);
}

}  // namespace
}  // namespace keep::keys
