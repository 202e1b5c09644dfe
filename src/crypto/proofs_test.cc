// Schnorr and Chaum–Pedersen proofs on P-256: honest proofs verify; a proof for another
// key, another context, another partial, or with any part changed does not; a peer that
// returns a wrong partial (another scalar, or an honest partial for another
// encapsulation) is caught by the proof, not by a failed decryption later.
#include "crypto/proofs.h"

#include <gtest/gtest.h>

#include "crypto/p256.h"

namespace keep::crypto::proofs {
namespace {

Bytes B(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

TEST(Proofs, SchnorrProvesKnowledgeOnlyForItsKeyAndContext) {
  auto x = p256::RandomScalar(), y = p256::RandomScalar();
  ASSERT_TRUE(x.ok() && y.ok());
  const Bytes xp = *p256::MulBase(x->view()), yp = *p256::MulBase(y->view());
  const Bytes ctx = B("split-p256 key orders v1 peers a,b");
  auto p = ProveKnowledge(x->view(), ctx);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(VerifyKnowledge(xp, *p, ctx).ok());
  EXPECT_FALSE(VerifyKnowledge(yp, *p, ctx).ok()) << "another key";
  EXPECT_FALSE(VerifyKnowledge(xp, *p, B("another context")).ok());
  SchnorrProof bad = *p;
  bad.s[31] ^= 1;
  EXPECT_FALSE(VerifyKnowledge(xp, bad, ctx).ok());
  bad = *p;
  bad.r = yp;
  EXPECT_FALSE(VerifyKnowledge(xp, bad, ctx).ok());
  bad.r = Bytes(65, 0);
  EXPECT_FALSE(VerifyKnowledge(xp, bad, ctx).ok());
}

TEST(Proofs, ChaumPedersenCatchesAWrongPartial) {
  auto x = p256::RandomScalar(), other = p256::RandomScalar(), eph = p256::RandomScalar(),
       eph2 = p256::RandomScalar();
  ASSERT_TRUE(x.ok() && other.ok() && eph.ok() && eph2.ok());
  const Bytes xp = *p256::MulBase(x->view());
  const Bytes e = *p256::MulBase(eph->view()), e2 = *p256::MulBase(eph2->view());
  const Bytes ctx = B("orders v1 request 0001");
  auto d = ProveEqualLogs(x->view(), e, ctx);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->partial, *p256::Mul(x->view(), e));
  EXPECT_TRUE(VerifyEqualLogs(xp, e, d->partial, d->proof, ctx).ok());
  // A peer answering with another scalar's partial (or a random point) is caught.
  const Bytes wrong = *p256::Mul(other->view(), e);
  EXPECT_FALSE(VerifyEqualLogs(xp, e, wrong, d->proof, ctx).ok());
  auto forged = ProveEqualLogs(other->view(), e, ctx);  // honest proof, wrong key
  ASSERT_TRUE(forged.ok());
  EXPECT_FALSE(VerifyEqualLogs(xp, e, forged->partial, forged->proof, ctx).ok());
  // An honest partial for another encapsulation, or replayed under another request id.
  auto replay = ProveEqualLogs(x->view(), e2, ctx);
  ASSERT_TRUE(replay.ok());
  EXPECT_FALSE(VerifyEqualLogs(xp, e, replay->partial, replay->proof, ctx).ok());
  EXPECT_FALSE(VerifyEqualLogs(xp, e, d->partial, d->proof, B("orders v1 request 0002")).ok());
  DleqProof bad = d->proof;
  bad.s[0] ^= 0x40;
  EXPECT_FALSE(VerifyEqualLogs(xp, e, d->partial, bad, ctx).ok());
  bad = d->proof;
  std::swap(bad.r1, bad.r2);
  EXPECT_FALSE(VerifyEqualLogs(xp, e, d->partial, bad, ctx).ok());
  bad.s = Bytes(32, 0);
  EXPECT_FALSE(VerifyEqualLogs(xp, e, d->partial, bad, ctx).ok());
}

TEST(Proofs, TheGroupRefusesWhatIsNotAScalarOrAPoint) {
  EXPECT_FALSE(p256::CheckScalar(Bytes(32, 0)).ok());
  EXPECT_FALSE(p256::CheckScalar(Bytes(32, 0xff)).ok());
  EXPECT_FALSE(p256::CheckScalar(Bytes(31, 1)).ok());
  EXPECT_FALSE(p256::CheckPoint(Bytes(65, 4)).ok());
  auto s = p256::RandomScalar();
  ASSERT_TRUE(s.ok());
  Bytes p = *p256::MulBase(s->view());
  EXPECT_TRUE(p256::CheckPoint(p).ok());
  p[40] ^= 1;
  EXPECT_FALSE(p256::CheckPoint(p).ok());
  // Challenges differ with every part and with how the parts are split.
  EXPECT_NE(*p256::HashToScalar({B("ab"), B("c")}), *p256::HashToScalar({B("a"), B("bc")}));
}

}  // namespace
}  // namespace keep::crypto::proofs
