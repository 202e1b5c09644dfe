#include "crypto/asymmetric.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/wycheproof_util.h"

namespace keep::crypto::asym {
namespace {

namespace json = boost::json;
using testing::HexField;

ByteView B(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Bytes Digest(Hash h, ByteView msg) {
  Bytes out(HashSize(h));
  unsigned n = 0;
  const EVP_MD* md = h == Hash::kSha256   ? EVP_sha256()
                     : h == Hash::kSha384 ? EVP_sha384()
                                          : EVP_sha512();
  EXPECT_EQ(EVP_Digest(msg.data(), msg.size(), out.data(), &n, md, nullptr), 1);
  return out;
}

struct Case {
  Kind kind;
  int bits;
  Scheme scheme;
  Hash hash;
};

TEST(Asymmetric, SignsAndVerifiesEveryScheme) {
  const Case cases[] = {
      {Kind::kRsa, 2048, Scheme::kRsaPss, Hash::kSha256},
      {Kind::kRsa, 2048, Scheme::kRsaPss, Hash::kSha512},
      {Kind::kRsa, 2048, Scheme::kRsaPkcs1, Hash::kSha256},
      {Kind::kRsa, 2048, Scheme::kRsaPkcs1, Hash::kSha384},
      {Kind::kEcP256, 0, Scheme::kEcdsa, Hash::kSha256},
      {Kind::kEcP384, 0, Scheme::kEcdsa, Hash::kSha384},
      {Kind::kEd25519, 0, Scheme::kEd25519, Hash::kSha256},
  };
  const ByteView msg = B("the message to sign");
  for (const Case& c : cases) {
    SCOPED_TRACE(static_cast<int>(c.scheme) * 10 + static_cast<int>(c.hash));
    auto key = KeyPair::Generate(c.kind, c.bits);
    ASSERT_TRUE(key.ok()) << key.status();
    auto sig = Sign(*key, c.scheme, c.hash, msg, false);
    ASSERT_TRUE(sig.ok()) << sig.status();
    const PublicKeyRef& pub = key->public_key();
    EXPECT_TRUE(Verify(pub, c.scheme, c.hash, msg, false, *sig));
    EXPECT_FALSE(Verify(pub, c.scheme, c.hash, B("another message"), false, *sig));
    Bytes bad = *sig;
    bad[bad.size() / 2] ^= 0x01;
    EXPECT_FALSE(Verify(pub, c.scheme, c.hash, msg, false, bad));
    EXPECT_FALSE(Verify(pub, c.scheme, c.hash, msg, false, {}));
    if (c.scheme == Scheme::kEd25519) {
      EXPECT_EQ(sig->size(), 64u);
      EXPECT_FALSE(Sign(*key, c.scheme, c.hash, Digest(Hash::kSha256, msg), true).ok());
      continue;
    }
    // A signature over the message verifies as a signature over its digest, and back.
    const Bytes d = Digest(c.hash, msg);
    EXPECT_TRUE(Verify(pub, c.scheme, c.hash, d, true, *sig));
    auto sig2 = Sign(*key, c.scheme, c.hash, d, true);
    ASSERT_TRUE(sig2.ok()) << sig2.status();
    EXPECT_TRUE(Verify(pub, c.scheme, c.hash, msg, false, *sig2));
    // A digest of the wrong length is refused, naming the length.
    auto short_digest = Sign(*key, c.scheme, c.hash, ByteView(d).first(20), true);
    ASSERT_FALSE(short_digest.ok());
    EXPECT_NE(short_digest.status().message().find("digest has"), std::string::npos);
    // Another hash does not verify.
    const Hash other = c.hash == Hash::kSha256 ? Hash::kSha384 : Hash::kSha256;
    EXPECT_FALSE(Verify(pub, c.scheme, other, msg, false, *sig));
  }
}

TEST(Asymmetric, SchemesFitTheirKeys) {
  auto ec = KeyPair::Generate(Kind::kEcP256);
  ASSERT_TRUE(ec.ok());
  EXPECT_FALSE(Sign(*ec, Scheme::kRsaPss, Hash::kSha256, B("m"), false).ok());
  auto x = KeyPair::Generate(Kind::kX25519);
  ASSERT_TRUE(x.ok());
  EXPECT_FALSE(Sign(*x, Scheme::kEd25519, Hash::kSha256, B("m"), false).ok());
  EXPECT_FALSE(KeyPair::Generate(Kind::kRsa, 1024).ok());
  EXPECT_TRUE(x->RawPrivate().ok());
  EXPECT_FALSE(ec->RawPrivate().ok());
}

TEST(Asymmetric, Pkcs8RoundTripKeepsTheKey) {
  for (Kind k : {Kind::kRsa, Kind::kEcP256, Kind::kEcP384, Kind::kEd25519, Kind::kX25519}) {
    auto key = KeyPair::Generate(k, 2048);
    ASSERT_TRUE(key.ok());
    auto der = key->Pkcs8();
    ASSERT_TRUE(der.ok());
    auto back = KeyPair::FromPkcs8(der->view());
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->kind(), k);
    EXPECT_EQ(back->public_key().der(), key->public_key().der());
    // The public key alone parses from DER and from PEM (with text before the block).
    auto pub = PublicKeyRef::Parse(key->public_key().der());
    ASSERT_TRUE(pub.ok());
    EXPECT_EQ(pub->kind(), k);
    const std::string pem = "keep-key: x\n" + key->public_key().Pem();
    auto from_pem = PublicKeyRef::Parse(B(pem));
    ASSERT_TRUE(from_pem.ok()) << from_pem.status();
    EXPECT_EQ(from_pem->der(), key->public_key().der());
  }
}

TEST(Asymmetric, RefusesMalformedKeys) {
  EXPECT_FALSE(KeyPair::FromPkcs8({}).ok());
  EXPECT_FALSE(KeyPair::FromPkcs8(B("not a key at all")).ok());
  auto key = KeyPair::Generate(Kind::kEcP256);
  ASSERT_TRUE(key.ok());
  auto der = key->Pkcs8();
  ASSERT_TRUE(der.ok());
  Bytes trailing(der->view().begin(), der->view().end());
  trailing.push_back(0);
  EXPECT_FALSE(KeyPair::FromPkcs8(trailing).ok());
  Bytes truncated(der->view().begin(), der->view().end() - 3);
  EXPECT_FALSE(KeyPair::FromPkcs8(truncated).ok());
  EXPECT_FALSE(PublicKeyRef::Parse({}).ok());
  Bytes pub_trailing = key->public_key().der();
  pub_trailing.push_back(1);
  EXPECT_FALSE(PublicKeyRef::Parse(pub_trailing).ok());
  auto pem =
      PublicKeyRef::Parse(B("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
  ASSERT_FALSE(pem.ok());
  EXPECT_NE(pem.status().message().find("private key"), std::string::npos);
}

TEST(Asymmetric, OaepRoundTripAndLabel) {
  auto key = KeyPair::Generate(Kind::kRsa, 2048);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(OaepMaxPlaintext(key->public_key()), 190u);
  auto ct = OaepEncrypt(key->public_key(), B("label"), B("secret"));
  ASSERT_TRUE(ct.ok());
  auto pt = OaepDecrypt(*key, B("label"), *ct);
  ASSERT_TRUE(pt.ok());
  EXPECT_TRUE(pt->Equals(B("secret")));
  auto wrong = OaepDecrypt(*key, B("other"), *ct);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().reason(), "invalid_ciphertext");
  EXPECT_FALSE(OaepEncrypt(key->public_key(), {}, Bytes(191, 1)).ok());
  EXPECT_TRUE(OaepEncrypt(key->public_key(), {}, Bytes(190, 1)).ok());
}

// Wycheproof's RSA-OAEP-SHA256 vectors through the PKCS#8 reader keep stores versions in.
TEST(Asymmetric, WycheproofOaepThroughPkcs8) {
  for (const char* name :
       {"rsa_oaep_2048_sha256_mgf1sha256_test.json", "rsa_oaep_3072_sha256_mgf1sha256_test.json"}) {
    json::value v = testing::LoadWycheproof(name);
    int checked = 0;
    for (const auto& g : v.at("testGroups").as_array()) {
      auto key = KeyPair::FromPkcs8(HexField(g.at("privateKeyPkcs8")));
      ASSERT_TRUE(key.ok()) << key.status();
      for (const auto& t : g.at("tests").as_array()) {
        auto pt = OaepDecrypt(*key, HexField(t.at("label")), HexField(t.at("ct")));
        const bool valid = t.at("result").as_string() == "valid";
        ASSERT_EQ(pt.ok(), valid) << name << " tcId " << t.at("tcId").as_int64();
        if (valid) {
          EXPECT_TRUE(pt->Equals(HexField(t.at("msg"))));
        }
        ++checked;
      }
    }
    EXPECT_GT(checked, 20);
  }
}

// Wycheproof's Ed25519 vectors through the DER public-key reader and Verify.
TEST(Asymmetric, WycheproofEd25519Verify) {
  json::value v = testing::LoadWycheproof("ed25519_test.json");
  int checked = 0;
  for (const auto& g : v.at("testGroups").as_array()) {
    auto pub = PublicKeyRef::Parse(HexField(g.at("publicKeyDer")));
    ASSERT_TRUE(pub.ok()) << pub.status();
    for (const auto& t : g.at("tests").as_array()) {
      const bool ok = Verify(*pub, Scheme::kEd25519, Hash::kSha256, HexField(t.at("msg")), false,
                             HexField(t.at("sig")));
      EXPECT_EQ(ok, t.at("result").as_string() == "valid") << "tcId " << t.at("tcId").as_int64();
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

// An excerpt of Wycheproof's ECDSA P-256/SHA-256 vectors (valid signatures, malleability,
// BER and broken length encodings): DER only, through the DER public-key reader.
TEST(Asymmetric, WycheproofEcdsaP256Excerpt) {
  json::value v = testing::LoadWycheproof("ecdsa_secp256r1_sha256_excerpt.json");
  int checked = 0;
  for (const auto& g : v.at("testGroups").as_array()) {
    auto pub = PublicKeyRef::Parse(HexField(g.at("publicKeyDer")));
    ASSERT_TRUE(pub.ok()) << pub.status();
    EXPECT_EQ(pub->kind(), Kind::kEcP256);
    for (const auto& t : g.at("tests").as_array()) {
      const bool ok = Verify(*pub, Scheme::kEcdsa, Hash::kSha256, HexField(t.at("msg")), false,
                             HexField(t.at("sig")));
      EXPECT_EQ(ok, t.at("result").as_string() == "valid") << "tcId " << t.at("tcId").as_int64();
      ++checked;
    }
  }
  EXPECT_EQ(checked, 18);
}

// RFC 5649 §6's two vectors (192-bit KEK), and round trips under every KEK size.
TEST(Asymmetric, KeyWrapWithPaddingRfc5649) {
  const Bytes kek = *HexDecode("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8");
  const std::pair<std::string_view, std::string_view> vectors[] = {
      {"c37b7e6492584340bed12207808941155068f738",
       "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a"},
      {"466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f"},
  };
  for (const auto& [key, wrapped] : vectors) {
    auto w = KeyWrapPad(kek, *HexDecode(key));
    ASSERT_TRUE(w.ok()) << w.status();
    EXPECT_EQ(HexEncode(*w), wrapped);
    auto u = KeyUnwrapPad(kek, *HexDecode(wrapped));
    ASSERT_TRUE(u.ok()) << u.status();
    EXPECT_EQ(HexEncode(u->view()), key);
    Bytes bad = *HexDecode(wrapped);
    bad[3] ^= 1;
    EXPECT_EQ(KeyUnwrapPad(kek, bad).status().reason(), "invalid_ciphertext");
  }
  for (size_t kek_size : {16u, 24u, 32u}) {
    const Bytes k(kek_size, 7), m(1217, 9);
    auto w = KeyWrapPad(k, m);
    ASSERT_TRUE(w.ok());
    auto u = KeyUnwrapPad(k, *w);
    ASSERT_TRUE(u.ok());
    EXPECT_TRUE(u->Equals(m));
    EXPECT_FALSE(KeyUnwrapPad(Bytes(kek_size, 8), *w).ok());
  }
  EXPECT_FALSE(KeyWrapPad(Bytes(20), Bytes(8)).ok());
  EXPECT_FALSE(KeyUnwrapPad(kek, Bytes(12)).ok());
}

// RFC 4231 test case 2 for the three HMAC key types.
TEST(Asymmetric, HmacRfc4231) {
  const ByteView key = B("Jefe"), msg = B("what do ya want for nothing?");
  const std::pair<Hash, std::string_view> cases[] = {
      {Hash::kSha256, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {Hash::kSha384,
       "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab"
       "2"
       "1649"},
      {Hash::kSha512,
       "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f"
       "0"
       "e6fdcaeab1a34d4a6b4b636e070a38bce737"},
  };
  for (const auto& [h, hex] : cases) {
    auto mac = Hmac(h, key, msg);
    ASSERT_TRUE(mac.ok());
    EXPECT_EQ(HexEncode(*mac), hex);
    EXPECT_TRUE(HmacVerify(h, key, msg, *mac));
    Bytes bad = *mac;
    bad.back() ^= 1;
    EXPECT_FALSE(HmacVerify(h, key, msg, bad));
    EXPECT_FALSE(HmacVerify(h, key, msg, ByteView(*mac).first(16)));
  }
}

}  // namespace
}  // namespace keep::crypto::asym
