// Public-key ciphertexts with algorithm 0x12 (split-p256 keys): sealed to a joint P-256 key,
// opened only with the sum of both shares' partials (docs/formats.md §11, §16).
#include <gtest/gtest.h>

#include "crypto/hpke.h"
#include "crypto/p256.h"
#include "format/public_ciphertext.h"

namespace keep::format {
namespace {

ByteView B(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

const KeyId kId = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};

struct Joint {
  crypto::SecretBytes a, b;
  Bytes joint;
  crypto::asym::PublicKeyRef key;
};

Joint MakeJoint() {
  Joint j;
  j.a = *crypto::p256::RandomScalar();
  j.b = *crypto::p256::RandomScalar();
  j.joint = *crypto::hpke::p256::AddPoints(*crypto::p256::MulBase(j.a.view()),
                                           *crypto::p256::MulBase(j.b.view()));
  j.key = *P256PublicKey(j.joint);
  return j;
}

// What the serving node does: both partials of enc, added.
Result<crypto::SecretBytes> OpenWithShares(ByteView ct, const Joint& j, ByteView a, ByteView b,
                                           ByteView context) {
  KEEP_ASSIGN_OR_RETURN(Bytes enc, SplitEnc(ct));
  KEEP_ASSIGN_OR_RETURN(Bytes pa, crypto::hpke::p256::PartialDh(a, enc));
  KEEP_ASSIGN_OR_RETURN(Bytes pb, crypto::hpke::p256::PartialDh(b, enc));
  KEEP_ASSIGN_OR_RETURN(Bytes sum, crypto::hpke::p256::AddPoints(pa, pb));
  return OpenSplit(ct, sum, j.joint, context);
}

TEST(SplitCiphertext, SealedToTheJointKeyOpenOnlyWithBothPartials) {
  const Joint j = MakeJoint();
  EXPECT_EQ(*P256Point(j.key), j.joint);
  const PublicHeader h{PublicAlgorithm::kHpkeP256, kId, 3};
  auto ct = SealPublic(h, j.key, B("ctx"), B("attack at dawn"));
  ASSERT_TRUE(ct.ok()) << ct.status();
  ASSERT_EQ(ct->size(), 22u + 65 + 14 + 16);
  EXPECT_EQ((*ct)[1], 0x12);
  auto parsed = ParsePublicHeader(*ct);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->algorithm, PublicAlgorithm::kHpkeP256);
  EXPECT_EQ(parsed->key_version, 3u);
  auto plain = OpenWithShares(*ct, j, j.a.view(), j.b.view(), B("ctx"));
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_TRUE(plain->Equals(B("attack at dawn")));
  // One share counted twice, a stranger's share, another context: nothing opens, and what
  // is refused is the ciphertext (a bad partial is caught before, by its proof).
  EXPECT_EQ(OpenWithShares(*ct, j, j.a.view(), j.a.view(), B("ctx")).status().reason(),
            "invalid_ciphertext");
  const crypto::SecretBytes stranger = *crypto::p256::RandomScalar();
  EXPECT_FALSE(OpenWithShares(*ct, j, j.a.view(), stranger.view(), B("ctx")).ok());
  EXPECT_FALSE(OpenWithShares(*ct, j, j.a.view(), j.b.view(), B("other")).ok());
  // Any flipped byte (header, enc, body, tag) and any truncation.
  for (size_t i = 1; i < ct->size(); i += 5) {
    Bytes bad = *ct;
    bad[i] ^= 0x01;
    EXPECT_FALSE(OpenWithShares(bad, j, j.a.view(), j.b.view(), B("ctx")).ok()) << i;
  }
  for (size_t n : {size_t{0}, size_t{22}, size_t{22 + 65}, size_t{22 + 65 + 15}, ct->size() - 1}) {
    EXPECT_FALSE(OpenWithShares(ByteView(*ct).first(n), j, j.a.view(), j.b.view(), B("ctx")).ok())
        << n;
  }
}

TEST(SplitCiphertext, OtherAlgorithmsAndKeysAreRefused) {
  const Joint j = MakeJoint();
  // 0x12 needs a P-256 key; other keys are refused, and 0x12 is not for OpenPublic.
  auto x = crypto::asym::KeyPair::Generate(crypto::asym::Kind::kX25519);
  ASSERT_TRUE(x.ok());
  EXPECT_FALSE(SealPublic({PublicAlgorithm::kHpkeP256, kId, 1}, x->public_key(), {}, B("m")).ok());
  auto ct = SealPublic({PublicAlgorithm::kHpkeP256, kId, 1}, j.key, {}, B("m"));
  ASSERT_TRUE(ct.ok());
  auto p256 = crypto::asym::KeyPair::Generate(crypto::asym::Kind::kEcP256);
  ASSERT_TRUE(p256.ok());
  EXPECT_EQ(OpenPublic(*ct, *p256, {}).status().reason(), "invalid_ciphertext");
  // SplitEnc and OpenSplit take only 0x12 ciphertexts.
  auto x_ct = SealPublic({PublicAlgorithm::kHpkeX25519, kId, 1}, x->public_key(), {}, B("m"));
  ASSERT_TRUE(x_ct.ok());
  EXPECT_EQ(SplitEnc(*x_ct).status().reason(), "invalid_ciphertext");
  // Not a P-256 point, or another encoding of the key.
  EXPECT_FALSE(P256PublicKey(Bytes(65, 4)).ok());
  EXPECT_FALSE(P256PublicKey(Bytes(33, 2)).ok());
  EXPECT_FALSE(P256Point(x->public_key()).ok());
  // A public key file of a split key seals with 0x12.
  PublicKeyFile f{"vault", kId, 2, "split-p256", "encrypt", j.key};
  auto back = ReadPublicKeyFile(WritePublicKeyFile(f));
  ASSERT_TRUE(back.ok()) << back.status();
  auto hdr = HeaderFor(*back);
  ASSERT_TRUE(hdr.ok());
  EXPECT_EQ(hdr->algorithm, PublicAlgorithm::kHpkeP256);
  EXPECT_EQ(hdr->key_version, 2u);
}

}  // namespace
}  // namespace keep::format
