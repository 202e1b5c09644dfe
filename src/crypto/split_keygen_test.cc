// Joint generation of a split key: two honest peers agree on X1 + X2, which seals what
// their two proven partials open together; a reveal that differs from its commitment, a
// share without a valid proof, a proof for another context, a reflected share and a share
// chosen to cancel the other's are refused.
#include "crypto/split_keygen.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/hpke.h"
#include "crypto/p256.h"

namespace keep::crypto::split {
namespace {

Bytes B(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

TEST(SplitKeygen, HonestPeersAgreeAndTheirKeyWorks) {
  const Bytes ctx = B("orders v1 peers east,west session 7f3a");
  auto a = NewShare(ctx), b = NewShare(ctx);
  ASSERT_TRUE(a.ok() && b.ok());
  auto ja = Join(*a, b->commitment, b->x_public, b->proof, ctx);
  auto jb = Join(*b, a->commitment, a->x_public, a->proof, ctx);
  ASSERT_TRUE(ja.ok()) << ja.status();
  ASSERT_TRUE(jb.ok()) << jb.status();
  EXPECT_EQ(*ja, *jb);
  const Bytes pt = B("payroll");
  auto s = hpke::p256::Seal(hpke::Aead::kAes256Gcm, *ja, ctx, {}, pt);
  ASSERT_TRUE(s.ok());
  auto dh = p256::Add(*hpke::p256::PartialDh(a->x.view(), s->enc),
                      *hpke::p256::PartialDh(b->x.view(), s->enc));
  ASSERT_TRUE(dh.ok());
  auto o =
      hpke::p256::OpenWithDhPoint(hpke::Aead::kAes256Gcm, *dh, s->enc, *ja, ctx, {}, s->ciphertext);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_TRUE(o->Equals(pt));
}

TEST(SplitKeygen, ABiasedOrUnprovenShareIsRefused) {
  const Bytes ctx = B("orders v1 peers east,west session 7f3a");
  auto a = NewShare(ctx), b = NewShare(ctx), c = NewShare(ctx);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  // Revealing another share than the one committed to (after seeing a's).
  EXPECT_NE(
      Join(*a, b->commitment, c->x_public, c->proof, ctx).status().message().find("committed"),
      std::string::npos);
  // A share whose proof was made for another context (replayed from another generation).
  auto other_ctx = NewShare(B("another key"));
  ASSERT_TRUE(other_ctx.ok());
  const Bytes replayed = Commitment(other_ctx->x_public, other_ctx->proof, ctx);
  EXPECT_NE(Join(*a, replayed, other_ctx->x_public, other_ctx->proof, ctx)
                .status()
                .message()
                .find("proof of knowledge"),
            std::string::npos);
  // A rogue share X_b = Y − X_a, which would make the joint key Y (whose key the rogue
  // knows) although it knows no key for X_b: committed honestly, but with a proof borrowed
  // from another share, which does not verify for it. (−X_a = (n − 1)·X_a.)
  auto y = p256::RandomScalar();
  ASSERT_TRUE(y.ok());
  const Bytes minus_a = *p256::Mul(
      *HexDecode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550"), a->x_public);
  const Bytes rogue = *p256::Add(*p256::MulBase(y->view()), minus_a);
  EXPECT_EQ(*p256::Add(rogue, a->x_public), *p256::MulBase(y->view())) << "the attack's aim";
  EXPECT_FALSE(Join(*a, Commitment(rogue, c->proof, ctx), rogue, c->proof, ctx).ok());
  // A reflected reveal (a's own share sent back) is refused.
  EXPECT_FALSE(Join(*a, a->commitment, a->x_public, a->proof, ctx).ok());
}

}  // namespace
}  // namespace keep::crypto::split
