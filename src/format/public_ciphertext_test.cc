#include "format/public_ciphertext.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace keep::format {
namespace {

namespace asym = crypto::asym;

ByteView B(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

const KeyId kId = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

struct Pair {
  asym::KeyPair key;
  PublicAlgorithm alg;
};

std::vector<Pair> Keys() {
  std::vector<Pair> out;
  out.push_back({*asym::KeyPair::Generate(asym::Kind::kX25519), PublicAlgorithm::kHpkeX25519});
  out.push_back(
      {*asym::KeyPair::Generate(asym::Kind::kRsa, 2048), PublicAlgorithm::kRsaOaepSha256});
  return out;
}

TEST(PublicCiphertext, RoundTripBindsHeaderAndContext) {
  for (const Pair& p : Keys()) {
    const PublicHeader h{p.alg, kId, 7};
    auto ct = SealPublic(h, p.key.public_key(), B("ctx"), B("attack at dawn"));
    ASSERT_TRUE(ct.ok()) << ct.status();
    ASSERT_TRUE(IsPublicCiphertext(*ct));
    auto parsed = ParsePublicHeader(*ct);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->key_version, 7u);
    EXPECT_EQ(parsed->key_id, kId);
    auto id = CiphertextKey(*ct);
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(id->second, 7u);
    auto plain = OpenPublic(*ct, p.key, B("ctx"));
    ASSERT_TRUE(plain.ok()) << plain.status();
    EXPECT_TRUE(plain->Equals(B("attack at dawn")));
    // Another context, any flipped byte, a truncation: invalid_ciphertext.
    auto other = OpenPublic(*ct, p.key, B("other"));
    ASSERT_FALSE(other.ok());
    EXPECT_EQ(other.status().reason(), "invalid_ciphertext");
    for (size_t i = 1; i < ct->size(); i += 7) {
      Bytes bad = *ct;
      bad[i] ^= 0x20;
      EXPECT_FALSE(OpenPublic(bad, p.key, B("ctx")).ok()) << i;
    }
    for (size_t n : {size_t{0}, size_t{1}, size_t{21}, size_t{22}, ct->size() - 1}) {
      EXPECT_FALSE(OpenPublic(ByteView(*ct).first(n), p.key, B("ctx")).ok()) << n;
    }
    // Another key of the same type cannot open it.
    auto stranger = asym::KeyPair::Generate(p.key.kind(), 2048);
    ASSERT_TRUE(stranger.ok());
    EXPECT_FALSE(OpenPublic(*ct, *stranger, B("ctx")).ok());
  }
}

TEST(PublicCiphertext, RefusesMismatchedKeysAndLongRsaPlaintext) {
  auto x = asym::KeyPair::Generate(asym::Kind::kX25519);
  auto r = asym::KeyPair::Generate(asym::Kind::kRsa, 2048);
  ASSERT_TRUE(x.ok() && r.ok());
  EXPECT_FALSE(
      SealPublic({PublicAlgorithm::kRsaOaepSha256, kId, 1}, x->public_key(), {}, B("m")).ok());
  EXPECT_FALSE(
      SealPublic({PublicAlgorithm::kHpkeX25519, kId, 1}, r->public_key(), {}, B("m")).ok());
  EXPECT_FALSE(
      SealPublic({PublicAlgorithm::kHpkeX25519, kId, 0}, x->public_key(), {}, B("m")).ok());
  auto big = SealPublic({PublicAlgorithm::kRsaOaepSha256, kId, 1}, r->public_key(), {}, Bytes(300));
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("at most"), std::string::npos);
  // HPKE takes any length.
  EXPECT_TRUE(
      SealPublic({PublicAlgorithm::kHpkeX25519, kId, 1}, x->public_key(), {}, Bytes(100000)).ok());
}

TEST(PublicCiphertext, KeyFileRoundTrip) {
  auto x = asym::KeyPair::Generate(asym::Kind::kX25519);
  ASSERT_TRUE(x.ok());
  PublicKeyFile f{"intake", kId, 3, "x25519", "encrypt", x->public_key()};
  const std::string text = WritePublicKeyFile(f);
  auto back = ReadPublicKeyFile(text);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->key, "intake");
  EXPECT_EQ(back->key_id, kId);
  EXPECT_EQ(back->version, 3u);
  EXPECT_EQ(back->public_key.der(), x->public_key().der());
  auto h = HeaderFor(*back);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->algorithm, PublicAlgorithm::kHpkeX25519);
  // A plain PEM without the keep lines says what is missing.
  auto plain = ReadPublicKeyFile(x->public_key().Pem());
  ASSERT_FALSE(plain.ok());
  EXPECT_NE(plain.status().message().find("keep-key-id"), std::string::npos);
  EXPECT_FALSE(ReadPublicKeyFile("").ok());
  std::string bad_version = text;
  bad_version.replace(bad_version.find("keep-key-version: 3"), 19, "keep-key-version: x");
  EXPECT_FALSE(ReadPublicKeyFile(bad_version).ok());
  std::string bad_id = text;
  bad_id.replace(bad_id.find("keep-key-id: ") + 13, 2, "zz");
  EXPECT_FALSE(ReadPublicKeyFile(bad_id).ok());
  // A signing key's file cannot encrypt.
  auto e = asym::KeyPair::Generate(asym::Kind::kEd25519);
  ASSERT_TRUE(e.ok());
  PublicKeyFile s{"signer", kId, 1, "ed25519", "sign", e->public_key()};
  auto sh = HeaderFor(*ReadPublicKeyFile(WritePublicKeyFile(s)));
  ASSERT_FALSE(sh.ok());
  EXPECT_NE(sh.status().message().find("cannot encrypt"), std::string::npos);
}

}  // namespace
}  // namespace keep::format
