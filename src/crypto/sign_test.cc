// Ed25519: the Wycheproof vectors (every valid signature verifies, every invalid one is
// refused), sign/verify round trips, and PEM handling.
#include "crypto/sign.h"

#include <gtest/gtest.h>

#include "crypto/wycheproof_util.h"

namespace keep::crypto {
namespace {

using testing::HexField;

TEST(Ed25519, Wycheproof) {
  auto doc = testing::LoadWycheproof("ed25519_test.json");
  int valid = 0, invalid = 0;
  for (const auto& g : doc.at("testGroups").as_array()) {
    const Bytes pk = HexField(g.at("publicKey").at("pk"));
    auto pem = ParseEd25519PublicKeyPem(std::string_view(g.at("publicKeyPem").as_string()));
    ASSERT_TRUE(pem.ok()) << pem.status();
    EXPECT_EQ(Bytes(pem->begin(), pem->end()), pk);
    for (const auto& t : g.at("tests").as_array()) {
      const Bytes msg = HexField(t.at("msg"));
      const Bytes sig = HexField(t.at("sig"));
      const bool expect = t.at("result").as_string() == "valid";
      EXPECT_EQ(VerifyEd25519(pk, msg, sig), expect) << "tcId " << t.at("tcId").as_int64();
      (expect ? valid : invalid)++;
    }
  }
  EXPECT_GT(valid, 50);
  EXPECT_GT(invalid, 50);
}

TEST(Ed25519, Rfc8032Test1SignsDeterministically) {
  // RFC 8032 §7.1 TEST 1: empty message.
  const Bytes seed = *HexDecode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  auto key = SigningKey::FromSeed(seed);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(HexEncode(key->public_key()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  auto sig = key->Sign({});
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(HexEncode(*sig),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39"
            "701cf9b46bd25bf5f0595bbe24655141438e7a100b");
}

TEST(Ed25519, RoundTripAndTamper) {
  Bytes seed(32, 7);
  auto key = SigningKey::FromSeed(seed);
  ASSERT_TRUE(key.ok());
  const std::string msg = "checkpoint 42";
  auto sig = key->Sign(AsBytes(msg));
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(VerifyEd25519(key->public_key(), AsBytes(msg), *sig));
  EXPECT_FALSE(VerifyEd25519(key->public_key(), AsBytes("checkpoint 43"), *sig));
  auto bad = *sig;
  bad[10] ^= 1;
  EXPECT_FALSE(VerifyEd25519(key->public_key(), AsBytes(msg), bad));
  EXPECT_FALSE(VerifyEd25519(key->public_key(), AsBytes(msg), ByteView(sig->data(), 63)));
  auto pem = Ed25519PublicKeyPem(key->public_key());
  ASSERT_TRUE(pem.ok());
  auto back = ParseEd25519PublicKeyPem(*pem);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, key->public_key());
  EXPECT_FALSE(SigningKey::FromSeed(Bytes(31, 1)).ok());
  EXPECT_FALSE(ParseEd25519PublicKeyPem("not a pem").ok());
  EXPECT_FALSE(ParseEd25519PublicKeyPem(pem->substr(0, pem->size() / 2)).ok());
}

}  // namespace
}  // namespace keep::crypto
