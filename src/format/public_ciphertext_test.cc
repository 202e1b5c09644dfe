#include "format/public_ciphertext.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/hpke.h"
#include "crypto/ossl.h"
#include "format/context.h"

namespace keep::format {
namespace {

namespace asym = crypto::asym;
using crypto::OsslPtr;

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

namespace keep::format {
namespace {

// The published vector of docs/formats.md §11 (tests/interop/pubkey_v2.py rebuilds it
// independently).
TEST(PublicCiphertext, PublishedVector) {
  const Bytes sk_r = *HexDecode("4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8");
  const Bytes sk_e = *HexDecode("52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736");
  auto pk_r = crypto::hpke::PublicKeyOf(sk_r);
  ASSERT_TRUE(pk_r.ok());
  KeyId id;
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(i);
  const Bytes ctx = CanonicalContext({{"form", "signup"}});
  auto ct = detail::SealHpkeWith({PublicAlgorithm::kHpkeX25519, id, 1}, *pk_r, sk_e, ctx,
                                 B("hello keep"));
  ASSERT_TRUE(ct.ok()) << ct.status();
  EXPECT_EQ(HexEncode(*pk_r), "3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d");
  EXPECT_EQ(HexEncode(*ct),
            "0210000102030405060708090a0b0c0d0e0f00000001"
            "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431"
            "df5067c54df1daf1cfa013faf341a14a449ccdc3d884216cad4c");
  // Open with the recipient's private key, as keepd does.
  OsslPtr<EVP_PKEY> k(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, sk_r.data(), 32));
  ASSERT_TRUE(k);
  unsigned char* der = nullptr;
  OsslPtr<PKCS8_PRIV_KEY_INFO> p8(EVP_PKEY2PKCS8(k.get()));
  const int n = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &der);
  auto pair = asym::KeyPair::FromPkcs8(ByteView(der, static_cast<size_t>(n)));
  OPENSSL_free(der);
  ASSERT_TRUE(pair.ok());
  auto plain = OpenPublic(*ct, *pair, ctx);
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->Equals(B("hello keep")));
}

}  // namespace
}  // namespace keep::format
