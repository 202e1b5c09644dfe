#include "format/ciphertext.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "format/context.h"

namespace keep::format {
namespace {

crypto::SecretBytes Key(uint8_t start) {
  crypto::SecretBytes k(32);
  for (int i = 0; i < 32; ++i) k.data()[i] = static_cast<uint8_t>(start + i);
  return k;
}

Header MakeHeader(crypto::AeadAlgorithm alg) {
  Header h{alg, {}, 3};
  for (int i = 0; i < 16; ++i) h.key_id[i] = static_cast<uint8_t>(0xa0 + i);
  return h;
}

class CiphertextTest : public ::testing::TestWithParam<crypto::AeadAlgorithm> {};

TEST_P(CiphertextTest, RoundTripAndFreshness) {
  auto key = Key(0);
  Bytes ctx = CanonicalContext({{"tenant", "7"}});
  for (size_t n : {0, 1, 15, 16, 17, 64, 1000}) {
    Bytes msg(n, 0x5a);
    auto a = Encrypt(MakeHeader(GetParam()), key, ctx, msg);
    auto b = Encrypt(MakeHeader(GetParam()), key, ctx, msg);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->size(), n + kOverhead);
    EXPECT_NE(*a, *b) << "salt and nonce must be fresh";
    auto h = ParseHeader(*a);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->key_version, 3u);
    EXPECT_EQ(h->algorithm, GetParam());
    auto p = Decrypt(*a, key, ctx);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_TRUE(p->Equals(msg));
  }
}

TEST_P(CiphertextTest, EveryBitFlipIsInvalidCiphertext) {
  auto key = Key(0);
  Bytes ctx = CanonicalContext({{"a", "b"}});
  auto ct = Encrypt(MakeHeader(GetParam()), key, ctx, AsBytes("attack at dawn"));
  ASSERT_TRUE(ct.ok());
  for (size_t bit = 0; bit < ct->size() * 8; ++bit) {
    Bytes bad = *ct;
    bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    auto r = Decrypt(bad, key, ctx);
    ASSERT_FALSE(r.ok()) << bit;
    EXPECT_EQ(r.status().reason(), "invalid_ciphertext") << "bit " << bit;
  }
}

TEST_P(CiphertextTest, TruncationAndExtensionAreInvalid) {
  auto key = Key(0);
  auto ct = Encrypt(MakeHeader(GetParam()), key, CanonicalContext({}), AsBytes("hello"));
  ASSERT_TRUE(ct.ok());
  for (size_t n = 0; n < ct->size(); ++n) {
    Bytes cut(ct->begin(), ct->begin() + n);
    EXPECT_EQ(Decrypt(cut, key, CanonicalContext({})).status().reason(), "invalid_ciphertext");
  }
  Bytes longer = *ct;
  longer.push_back(0);
  EXPECT_EQ(Decrypt(longer, key, CanonicalContext({})).status().reason(), "invalid_ciphertext");
}

TEST_P(CiphertextTest, WrongContextIsContextMismatchWrongKeyIsInvalid) {
  auto key = Key(0);
  auto ct = Encrypt(MakeHeader(GetParam()), key, CanonicalContext({{"ab", "c"}}), AsBytes("x"));
  ASSERT_TRUE(ct.ok());
  EXPECT_EQ(Decrypt(*ct, key, CanonicalContext({{"a", "bc"}})).status().reason(),
            "context_mismatch");
  EXPECT_EQ(Decrypt(*ct, key, CanonicalContext({})).status().reason(), "context_mismatch");
  EXPECT_EQ(Decrypt(*ct, Key(1), CanonicalContext({{"ab", "c"}})).status().reason(),
            "invalid_ciphertext");
}

INSTANTIATE_TEST_SUITE_P(Algorithms, CiphertextTest,
                         ::testing::Values(crypto::AeadAlgorithm::kAesGcm,
                                           crypto::AeadAlgorithm::kChaCha20Poly1305));

TEST(Ciphertext, TextForm) {
  Bytes blob = {1, 2, 0xfb, 0xff};
  std::string t = ToText(blob);
  EXPECT_EQ(t, "keep:AQL7_w");
  EXPECT_EQ(*FromText(t), blob);
  for (std::string_view bad : {"", "keep", "kep:AQL7_w", "keep:AQL7/w", "keep:AQL7_w==",
                               "keep:A", "KEEP:AQL7_w", "keep: AQL7_w"}) {
    auto r = FromText(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().reason(), "invalid_ciphertext");
  }
}

TEST(Ciphertext, HeaderRejectsUnknownVersionAlgorithmAndVersionZero) {
  auto key = Key(0);
  auto ct = Encrypt(MakeHeader(crypto::AeadAlgorithm::kAesGcm), key, CanonicalContext({}), {});
  ASSERT_TRUE(ct.ok());
  Bytes b = *ct;
  b[0] = 2;
  EXPECT_FALSE(ParseHeader(b).ok());
  b = *ct;
  b[1] = 3;
  EXPECT_FALSE(ParseHeader(b).ok());
  b = *ct;
  b[18] = b[19] = b[20] = b[21] = 0;
  EXPECT_FALSE(ParseHeader(b).ok());
}

// The published vectors in docs/formats.md: these exact bytes must keep decrypting.
struct Vector {
  crypto::AeadAlgorithm alg;
  const char* context_hex;
  const char* plaintext;
  const char* expected_hex;
};

TEST(Ciphertext, PublishedTestVectors) {
  Bytes salt(16), nonce(12);
  for (int i = 0; i < 16; ++i) salt[i] = static_cast<uint8_t>(0x40 + i);
  for (int i = 0; i < 12; ++i) nonce[i] = static_cast<uint8_t>(0x60 + i);
  const Vector vectors[] = {
      {crypto::AeadAlgorithm::kAesGcm, "00000000", "hello, keep", 
       "0101a0a1a2a3a4a5a6a7a8a9aaabacadaeaf00000003404142434445464748494a4b4c4d4e4f6061626364"
       "65666768696a6b37f8dc7f67d8786962a8613c0a6e70bc4e85d83d3e26027c4c1d6da04d213a92d490e2d8"
       "c3abfd14ae6c44"},
      {crypto::AeadAlgorithm::kChaCha20Poly1305, "000000010000000674656e616e74000000023432", "hello, keep",
       
       "0102a0a1a2a3a4a5a6a7a8a9aaabacadaeaf00000003404142434445464748494a4b4c4d4e4f6061626364"
       "65666768696a6b73fa4d88be2f8439501fcafda44bec2345003c5a8ebe68f06abf7dbbe5973bcbe6f80fb5"
       "2c534dc4460bef"},
  };
  for (const auto& v : vectors) {
    Bytes ctx = *HexDecode(v.context_hex);
    auto ct = detail::EncryptWith(MakeHeader(v.alg), Key(0), ctx, AsBytes(v.plaintext), salt, nonce);
    ASSERT_TRUE(ct.ok());
    EXPECT_EQ(HexEncode(*ct), v.expected_hex);
    auto p = Decrypt(*HexDecode(v.expected_hex), Key(0), ctx);
    ASSERT_TRUE(p.ok());
    EXPECT_TRUE(p->Equals(AsBytes(v.plaintext)));
  }
}

}  // namespace
}  // namespace keep::format
