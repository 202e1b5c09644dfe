#include "seal/shares.h"
#include "crypto/fixture_keys.h"

#include <optional>

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "common/encoding.h"

#include "crypto/random.h"

namespace keep::seal {
namespace {

std::string Text(const crypto::SecretBytes& s) {
  return std::string(reinterpret_cast<const char*>(s.data()), s.size());
}

TEST(Shares, RoundTripAndRecordVerifiers) {
  auto root = crypto::RandomSecret(32);
  auto set = MakeShareSet(*root, ShareKind::kUnseal, 5, 3);
  ASSERT_TRUE(set.ok());
  ASSERT_EQ(set->texts.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    const std::string t = Text(set->texts[i]);
    EXPECT_EQ(t.substr(0, 8), "kshare1-");
    EXPECT_EQ(t.size(), 8u + 64u);
    auto d = DecodeShare("  " + t + "\n");
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(d->kind, ShareKind::kUnseal);
    EXPECT_EQ(d->set_id, set->record.set_id);
    EXPECT_EQ(d->threshold, 3);
    EXPECT_EQ(d->share.x, i + 1);
    EXPECT_TRUE(d->share.y.is_locked() ||
                crypto::GetSecureHeapState() == crypto::SecureHeapState::kNone);
    EXPECT_EQ(ShareVerifier(d->set_id, d->share), set->record.verifiers[i]);
  }
  auto parsed = SealRecord::Parse(set->record.Serialize());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->verifiers, set->record.verifiers);
  EXPECT_EQ(parsed->threshold, 3);
  EXPECT_EQ(parsed->share_kind, ShareKind::kUnseal);
  EXPECT_EQ(MakeShareSet(*root, ShareKind::kUnseal, 3, 4).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(MakeShareSet(*root, ShareKind::kUnseal, 256, 2).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(MakeShareSet(*root, ShareKind::kUnseal, 2, 0).status().code(), Code::kInvalidArgument);
}

TEST(Shares, EveryMistypedCharacterIsCaught) {
  auto root = crypto::RandomSecret(32);
  auto set = MakeShareSet(*root, ShareKind::kRecovery, 2, 2);
  const std::string good = Text(set->texts[0]);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::mt19937 rng(7);
  int caught = 0;
  for (size_t pos = 8; pos < good.size(); ++pos) {
    for (int k = 0; k < 4; ++k) {
      std::string t = good;
      char c;
      do c = alphabet[rng() % alphabet.size()];
      while (c == t[pos]);
      t[pos] = c;
      auto d = DecodeShare(t);
      // The last character carries 2 padding bits in base64: a change there either
      // fails decoding or changes the check.
      ASSERT_FALSE(d.ok()) << "a typo at " << pos << " was not caught";
      EXPECT_EQ(d.status().reason(), "invalid_share");
      ++caught;
    }
  }
  EXPECT_EQ(caught, 64 * 4);
  // Two swapped neighbours, truncation, an extra character, garbage.
  std::string swapped = good;
  for (size_t pos = 8; pos + 1 < good.size(); ++pos) {
    if (swapped[pos] == swapped[pos + 1]) continue;
    std::swap(swapped[pos], swapped[pos + 1]);
    EXPECT_FALSE(DecodeShare(swapped).ok()) << pos;
    std::swap(swapped[pos], swapped[pos + 1]);
  }
  EXPECT_EQ(DecodeShare(good.substr(0, good.size() - 1)).status().message(),
            "the share has the wrong length: mistyped or truncated");
  EXPECT_EQ(DecodeShare(good + "A").status().message(),
            "the share has the wrong length: mistyped or truncated");
  EXPECT_EQ(DecodeShare("hello").status().message(),
            "not a keep share (shares start with \"kshare1-\")");
  EXPECT_EQ(DecodeShare("kshare1-" + std::string(64, '!')).status().message(),
            "the share is mistyped: it contains characters a share never has");
  EXPECT_EQ(DecodeShare("").status().reason(), "invalid_share");
}

TEST(Shares, EncryptedToCustodiansOfBothKeyTypes) {
  auto root = crypto::RandomSecret(32);
  auto set = MakeShareSet(*root, ShareKind::kUnseal, 2, 2);
  for (auto type : {crypto::KeyType::kX25519, crypto::KeyType::kRsa}) {
    std::optional<crypto::PrivateKey> custodian = type == crypto::KeyType::kRsa
                                                      ? crypto::testing::FixtureRsa3072()
                                                      : *crypto::GeneratePrivateKey(type);
    auto enc = EncryptShare(custodian->public_key(), set->texts[1]);
    ASSERT_TRUE(enc.ok()) << enc.status().ToString();
    EXPECT_EQ(enc->substr(0, 9), "kshare1e-");
    EXPECT_EQ(enc->find(Text(set->texts[1]).substr(8)), std::string::npos);
    EXPECT_NE(DecodeShare(*enc).status().message().find("encrypted to a custodian's key"),
              std::string::npos);
    auto dec = DecryptShare(*custodian, *enc);
    ASSERT_TRUE(dec.ok()) << dec.status().ToString();
    EXPECT_EQ(Text(*dec), Text(set->texts[1]));
    auto stranger = crypto::GeneratePrivateKey(type, 3072);
    EXPECT_EQ(DecryptShare(*stranger, *enc).status().reason(), "invalid_share");
    std::string bad = *enc;
    bad[bad.size() / 2] = bad[bad.size() / 2] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(DecryptShare(*custodian, bad).ok());
    EXPECT_FALSE(DecryptShare(*custodian, Text(set->texts[1])).ok());
  }
}

TEST(Shares, PublishedVectorDecodesAndReencodes) {
  const std::string text =
      "kshare1-AQEAAQIDBAUGBwMCICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj9JJQAa";
  const std::string verifier = "a7570411ea25186bb749a3134fdc871a8801a64e8862ae97e7cfe27dbbbe21e0";
  auto d = DecodeShare(text);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->kind, ShareKind::kUnseal);
  EXPECT_EQ(d->set_id, (Bytes{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(d->threshold, 3);
  EXPECT_EQ(d->share.x, 2);
  for (int i = 0; i < 32; ++i) EXPECT_EQ(d->share.y.data()[i], 0x20 + i);
  EXPECT_EQ(HexEncode(ShareVerifier(d->set_id, d->share)), verifier);
  EXPECT_EQ(Text(EncodeShare(d->kind, d->set_id, d->threshold, d->share)), text);
  std::ifstream doc(std::string(KEEP_SOURCE_DIR) + "/docs/formats.md");
  std::stringstream ss;
  ss << doc.rdbuf();
  EXPECT_NE(ss.str().find(text), std::string::npos) << "docs/formats.md prints the vector";
  EXPECT_NE(ss.str().find(verifier), std::string::npos);
}

TEST(SealRecordParse, RefusesMalformedRecords) {
  for (std::string bad :
       {"", "[]", "{}", "{\"version\":2}", "not json",
        "{\"version\":1,\"type\":\"shamir\",\"share_kind\":\"unseal\",\"shares\":3,\"threshold\":"
        "4,\"set_id\":\"0011223344556677\",\"verifiers\":[],\"wrapped\":\"\",\"created\":0}",
        "{\"version\":1,\"type\":\"shamir\",\"share_kind\":\"weird\",\"shares\":1,\"threshold\":"
        "1,\"set_id\":\"0011223344556677\",\"verifiers\":[],\"wrapped\":\"\",\"created\":0}"}) {
    auto r = SealRecord::Parse(Bytes(bad.begin(), bad.end()));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kDataLoss);
  }
}

// Found by fuzz/shares: a record whose threshold exceeds its shares, with duplicate and
// unknown keys, was accepted. Every stored record is now strict and consistent.
TEST(SealRecord, ParsingIsStrictAndTheShareSetConsistent) {
  auto root = crypto::RandomSecret(32);
  auto set = MakeShareSet(*root, ShareKind::kUnseal, 3, 2);
  set->record.type = "shamir";
  const std::string good(AsChars(set->record.Serialize()));
  ASSERT_TRUE(SealRecord::Parse(AsBytes(good)).ok());
  SealRecord none;
  none.type = "dev-file";
  ASSERT_TRUE(SealRecord::Parse(none.Serialize()).ok());
  auto refused = [](const std::string& text) {
    auto r = SealRecord::Parse(AsBytes(text));
    EXPECT_FALSE(r.ok()) << text;
    return r.ok() ? std::string() : r.status().message();
  };
  std::string dup = good;
  dup.insert(1, "\"shares\":3,");
  EXPECT_NE(refused(dup).find("twice"), std::string::npos);
  std::string unknown = good;
  unknown.insert(1, "\"sharez\":3,");
  EXPECT_NE(refused(unknown).find("unknown field 'sharez'"), std::string::npos);
  std::string over = good;
  over.replace(over.find("\"threshold\":2"), 13, "\"threshold\":4");
  EXPECT_NE(refused(over).find("inconsistent"), std::string::npos);
  none.shares = 1;
  none.threshold = 2;
  EXPECT_NE(refused(std::string(AsChars(none.Serialize()))).find("names a share set"),
            std::string::npos);
}

}  // namespace
}  // namespace keep::seal
