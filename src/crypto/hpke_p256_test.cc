// HPKE with DHKEM(P-256, HKDF-SHA256): RFC 9180's test vector A.3.1, AES-256-GCM round
// trips, the split path (two scalar shares whose partial DH points add up to the full one),
// and invalid points and scalars refused.
#include <gtest/gtest.h>

#include <string_view>

#include "common/encoding.h"
#include "crypto/hpke.h"

// Calls are qualified: the X25519 functions of the enclosing namespace take the same
// arguments (and are found by argument-dependent lookup on Aead).
namespace keep::crypto::hpke::p256 {
namespace {

Bytes Hex(std::string_view h) {
  return *HexDecode(h);
}

// RFC 9180, Appendix A.3.1: DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, mode_base.
constexpr std::string_view kInfo = "4f6465206f6e2061204772656369616e2055726e";
constexpr std::string_view kSkEm =
    "4995788ef4b9d6132b249ce59a77281493eb39af373d236a1fe415cb0c2d7beb";
constexpr std::string_view kPkEm =
    "04a92719c6195d5085104f469a8b9814d5838ff72b60501e2c4466e5e67b325ac98536d7b61a1af4b78e5b7f951c"
    "0900be863c403ce65c9bfcb9382657222d18c4";
constexpr std::string_view kSkRm =
    "f3ce7fdae57e1a310d87f1ebbde6f328be0a99cdbcadf4d6589cf29de4b8ffd2";
constexpr std::string_view kPkRm =
    "04fe8c19ce0905191ebc298a9245792531f26f0cece2460639e8bc39cb7f706a826a779b4cf969b8a0e539c7f62f"
    "b3d30ad6aa8f80e30f1d128aafd68a2ce72ea0";
constexpr std::string_view kPt = "4265617574792069732074727574682c20747275746820626561757479";
constexpr std::string_view kAad0 = "436f756e742d30";
constexpr std::string_view kCt0 =
    "5ad590bb8baa577f8619db35a36311226a896e7342a6d836d8b7bcd2f20b6c7f9076ac232e3ab2523f39513434";

TEST(HpkeP256, Rfc9180VectorA31) {
  EXPECT_EQ(HexEncode(*PublicKeyOf(Hex(kSkRm))), kPkRm);
  EXPECT_EQ(HexEncode(*PublicKeyOf(Hex(kSkEm))), kPkEm);
  auto sealed = p256::SealWithEphemeral(Aead::kAes128Gcm, Hex(kSkEm), Hex(kPkRm), Hex(kInfo),
                                        Hex(kAad0), Hex(kPt));
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_EQ(HexEncode(sealed->enc), kPkEm);
  EXPECT_EQ(HexEncode(sealed->ciphertext), kCt0);
  auto opened =
      p256::Open(Aead::kAes128Gcm, Hex(kSkRm), Hex(kPkEm), Hex(kInfo), Hex(kAad0), Hex(kCt0));
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(HexEncode(opened->view()), kPt);
}

TEST(HpkeP256, Aes256GcmRoundTripAndTampering) {
  auto r = GenerateKeyPair();
  ASSERT_TRUE(r.ok());
  const Bytes info = {'k', 'e', 'y'}, aad = {'c', 't', 'x'}, pt = {'s', 'e', 'c', 'r', 'e', 't'};
  auto s = p256::Seal(Aead::kAes256Gcm, r->public_key, info, aad, pt);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->enc.size(), kEncSize);
  auto o = p256::Open(Aead::kAes256Gcm, r->private_key.view(), s->enc, info, aad, s->ciphertext);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_TRUE(o->Equals(pt));
  Bytes bad = s->ciphertext;
  bad[0] ^= 1;
  EXPECT_EQ(
      p256::Open(Aead::kAes256Gcm, r->private_key.view(), s->enc, info, aad, bad).status().reason(),
      "invalid_ciphertext");
  EXPECT_FALSE(
      p256::Open(Aead::kAes256Gcm, r->private_key.view(), s->enc, Bytes{'x'}, aad, s->ciphertext)
          .ok());
  auto other = GenerateKeyPair();
  EXPECT_FALSE(
      p256::Open(Aead::kAes256Gcm, other->private_key.view(), s->enc, info, aad, s->ciphertext)
          .ok());
}

TEST(HpkeP256, TwoSharesOpenTogetherAndNeitherAlone) {
  auto a = GenerateKeyPair(), b = GenerateKeyPair();
  ASSERT_TRUE(a.ok() && b.ok());
  // The joint public key is the sum of the public shares; a sender needs only that.
  auto joint = AddPoints(a->public_key, b->public_key);
  ASSERT_TRUE(joint.ok()) << joint.status();
  const Bytes info = {'s'}, aad = {}, pt = {'t', 'w', 'o'};
  auto s = p256::Seal(Aead::kAes256Gcm, *joint, info, aad, pt);
  ASSERT_TRUE(s.ok());
  auto pa = PartialDh(a->private_key.view(), s->enc);
  auto pb = PartialDh(b->private_key.view(), s->enc);
  ASSERT_TRUE(pa.ok() && pb.ok());
  auto dh = AddPoints(*pa, *pb);
  ASSERT_TRUE(dh.ok());
  auto o = OpenWithDhPoint(Aead::kAes256Gcm, *dh, s->enc, *joint, info, aad, s->ciphertext);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_TRUE(o->Equals(pt));
  // One share's partial alone, or a partial counted twice, opens nothing.
  EXPECT_FALSE(
      OpenWithDhPoint(Aead::kAes256Gcm, *pa, s->enc, *joint, info, aad, s->ciphertext).ok());
  auto twice = AddPoints(*pa, *pa);
  ASSERT_TRUE(twice.ok());
  EXPECT_FALSE(
      OpenWithDhPoint(Aead::kAes256Gcm, *twice, s->enc, *joint, info, aad, s->ciphertext).ok());
  // Neither share's own key opens a file sealed to the joint key.
  EXPECT_FALSE(
      p256::Open(Aead::kAes256Gcm, a->private_key.view(), s->enc, info, aad, s->ciphertext).ok());
}

TEST(HpkeP256, InvalidPointsAndScalarsAreRefused) {
  auto r = GenerateKeyPair();
  ASSERT_TRUE(r.ok());
  Bytes off_curve = r->public_key;
  off_curve[64] ^= 1;
  Bytes compressed(r->public_key.begin(), r->public_key.begin() + 33);
  compressed[0] = 0x02;
  for (const Bytes& p : {off_curve, compressed, Bytes(65, 0), Bytes{}}) {
    EXPECT_FALSE(PartialDh(r->private_key.view(), p).ok());
    EXPECT_FALSE(p256::Seal(Aead::kAes256Gcm, p, {}, {}, Bytes{'x'}).ok());
    EXPECT_EQ(p256::Open(Aead::kAes256Gcm, r->private_key.view(), p, {}, {}, Bytes(32, 0))
                  .status()
                  .reason(),
              "invalid_ciphertext");
  }
  EXPECT_FALSE(PublicKeyOf(Bytes(32, 0)).ok()) << "zero";
  EXPECT_FALSE(
      PublicKeyOf(Hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")).ok())
      << "the group order";
  EXPECT_TRUE(
      PublicKeyOf(Hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550")).ok())
      << "n - 1";
  EXPECT_FALSE(PublicKeyOf(Bytes(31, 1)).ok());
}

}  // namespace
}  // namespace keep::crypto::hpke::p256
