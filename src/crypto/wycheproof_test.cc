// Wycheproof vectors from tests/vectors/wycheproof: every valid vector must
// reproduce and every invalid one must be rejected. A missing or unreadable file is a
// failure, never a skip.
#include <gtest/gtest.h>
#include <array>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "common/encoding.h"
#include "crypto/aead.h"
#include "crypto/kdf.h"
#include "crypto/wycheproof_util.h"

namespace keep::crypto {
namespace {

using testing::HexField;

boost::json::value Load(const std::string& name) {
  return testing::LoadWycheproof(name);
}

Bytes Hex(const boost::json::value& v) {
  return HexField(v);
}

struct Counts {
  int valid = 0, invalid = 0, unsupported = 0;
};

Counts RunAead(const std::string& file, AeadAlgorithm alg) {
  Counts c;
  auto doc = Load(file);
  if (!doc.is_object()) return c;
  for (const auto& g : doc.at("testGroups").as_array()) {
    for (const auto& tv : g.at("tests").as_array()) {
      const auto& t = tv.as_object();
      const int id = static_cast<int>(t.at("tcId").as_int64());
      Bytes key = Hex(t.at("key")), iv = Hex(t.at("iv")), aad = Hex(t.at("aad"));
      Bytes msg = Hex(t.at("msg")), ct = Hex(t.at("ct")), tag = Hex(t.at("tag"));
      const bool valid = t.at("result").as_string() != "invalid";
      Bytes sealed_in = ct;
      Append(sealed_in, tag);
      Bytes opened(sealed_in.size() >= kAeadTagSize ? sealed_in.size() - kAeadTagSize : 0);
      Status open = AeadOpen(alg, key, iv, aad, sealed_in, opened);
      if (valid && iv.size() > 128) {
        // OpenSSL's GCM takes IVs of at most 128 bytes; keep only uses 12. These vectors
        // must be refused as unsupported, never computed wrongly.
        ++c.unsupported;
        Bytes out(msg.size() + kAeadTagSize);
        Status seal = AeadSeal(alg, key, iv, aad, msg, out);
        EXPECT_EQ(seal.message(), "unsupported AEAD nonce size") << id;
        EXPECT_FALSE(open.ok()) << id;
      } else if (valid) {
        ++c.valid;
        EXPECT_TRUE(open.ok()) << file << " tcId " << id << ": " << open;
        EXPECT_EQ(opened, msg) << file << " tcId " << id;
        Bytes out(msg.size() + kAeadTagSize);
        EXPECT_TRUE(AeadSeal(alg, key, iv, aad, msg, out).ok()) << id;
        EXPECT_EQ(out, sealed_in) << file << " tcId " << id;
      } else {
        ++c.invalid;
        EXPECT_FALSE(open.ok()) << file << " tcId " << id << " should be rejected";
        if (!open.ok()) {
          EXPECT_EQ(open.reason(), "invalid_ciphertext");
        }
      }
    }
  }
  return c;
}

TEST(Wycheproof, AesGcm) {
  Counts c = RunAead("aes_gcm_test.json", AeadAlgorithm::kAesGcm);
  EXPECT_EQ(c.valid, 226);
  EXPECT_EQ(c.unsupported, 3);  // the 257-byte "LongIv" vectors, tcId 268, 272, 276
  EXPECT_EQ(c.invalid, 87);
}

TEST(Wycheproof, ChaCha20Poly1305) {
  Counts c = RunAead("chacha20_poly1305_test.json", AeadAlgorithm::kChaCha20Poly1305);
  EXPECT_EQ(c.valid, 256);
  EXPECT_EQ(c.invalid, 69);
}

TEST(Wycheproof, HkdfSha256) {
  auto doc = Load("hkdf_sha256_test.json");
  Counts c;
  for (const auto& g : doc.at("testGroups").as_array()) {
    for (const auto& tv : g.at("tests").as_array()) {
      const auto& t = tv.as_object();
      const int id = static_cast<int>(t.at("tcId").as_int64());
      Bytes ikm = Hex(t.at("ikm")), salt = Hex(t.at("salt")), info = Hex(t.at("info"));
      const size_t size = static_cast<size_t>(t.at("size").as_int64());
      Bytes out(size);
      Status s = HkdfSha256(ikm, salt, info, out);
      if (t.at("result").as_string() == "valid") {
        ++c.valid;
        EXPECT_TRUE(s.ok()) << id;
        EXPECT_EQ(out, Hex(t.at("okm"))) << "tcId " << id;
      } else {
        ++c.invalid;
        EXPECT_FALSE(s.ok()) << "tcId " << id << " should be rejected";
      }
    }
  }
  EXPECT_EQ(c.valid, 83);
  EXPECT_EQ(c.invalid, 3);
}

TEST(Wycheproof, HmacSha256) {
  auto doc = Load("hmac_sha256_test.json");
  Counts c;
  for (const auto& g : doc.at("testGroups").as_array()) {
    const size_t tag_bytes = static_cast<size_t>(g.at("tagSize").as_int64()) / 8;
    for (const auto& tv : g.at("tests").as_array()) {
      const auto& t = tv.as_object();
      const int id = static_cast<int>(t.at("tcId").as_int64());
      Bytes key = Hex(t.at("key")), msg = Hex(t.at("msg")), tag = Hex(t.at("tag"));
      const bool verified = HmacSha256Verify(key, msg, tag);
      if (t.at("result").as_string() == "valid") {
        ++c.valid;
        EXPECT_TRUE(verified) << "tcId " << id;
        Bytes full(kSha256Size);
        ASSERT_TRUE(HmacSha256(key, msg, full).ok());
        EXPECT_EQ(Bytes(full.begin(), full.begin() + tag_bytes), tag) << "tcId " << id;
        // The precomputed key, with the message in two parts, gives the same MAC.
        auto hk = HmacKey::Create(key);
        ASSERT_TRUE(hk.ok());
        std::array<uint8_t, kSha256Size> parts{};
        const ByteView m(msg);
        ASSERT_TRUE(hk->Compute({m.first(m.size() / 2), m.subspan(m.size() / 2)}, parts).ok());
        EXPECT_EQ(Bytes(parts.begin(), parts.begin() + tag_bytes), tag) << "tcId " << id;
      } else {
        ++c.invalid;
        EXPECT_FALSE(verified) << "tcId " << id << " should be rejected";
      }
    }
  }
  EXPECT_EQ(c.valid, 66);
  EXPECT_EQ(c.invalid, 108);
}

}  // namespace
}  // namespace keep::crypto
