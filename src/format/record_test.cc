// The record format (docs/formats.md §9) on its own: round trips across segment
// boundaries, and every mutation of a record — truncation at each length, one extra byte,
// a flipped bit at each position, reordered segments, another version, another data key
// or context — refused with its specific error, never a partial plaintext.
#include "format/record.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "crypto/random.h"

namespace keep::format::record {
namespace {

Bytes Key(uint8_t first) {
  Bytes k(32);
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(first + i);
  return k;
}

Header NewHeader(uint8_t log2 = 12) {
  Header h;
  h.segment_log2 = log2;
  h.key_name = "orders";
  h.partition_keys = {"table"};
  h.wrapped = "keep:v1:stand-in-for-the-wrapped-data-key";
  return h;
}

Bytes Pattern(size_t n) {
  Bytes p(n);
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(i % 251);
  return p;
}

const EncryptionContext kCtx{{"table", "cards"}, {"row", "42"}};

TEST(Record, RoundTripsAcrossSegmentBoundaries) {
  auto keys = RecordKeys::Derive(Key(0));
  ASSERT_TRUE(keys.ok());
  for (size_t n : {0, 1, 64, 4095, 4096, 4097, 8192, 10000}) {
    const Bytes p = Pattern(n);
    auto r = Seal(*keys, NewHeader(), kCtx, p);
    ASSERT_TRUE(r.ok()) << n << ": " << r.status().ToString();
    const size_t segments = n == 0 ? 1 : (n + 4095) / 4096;
    size_t body = 0;
    ASSERT_TRUE(ParseHeader(*r, &body).ok());
    EXPECT_EQ(r->size() - body, n + 16 * segments) << n;
    auto back = Open(*keys, *r, kCtx);
    ASSERT_TRUE(back.ok()) << n << ": " << back.status().ToString();
    EXPECT_TRUE(back->Equals(p)) << n;
  }
}

TEST(Record, EachRecordHasItsOwnNonceAndBodyKey) {
  auto keys = RecordKeys::Derive(Key(0));
  const Bytes p = Pattern(64);
  auto a = Seal(*keys, NewHeader(), kCtx, p);
  auto b = Seal(*keys, NewHeader(), kCtx, p);
  ASSERT_TRUE(a.ok() && b.ok());
  size_t ba = 0, bb = 0;
  auto ha = ParseHeader(*a, &ba);
  auto hb = ParseHeader(*b, &bb);
  EXPECT_NE(ha->nonce, hb->nonce);
  EXPECT_NE(a->substr(ba), b->substr(bb));
  std::array<uint8_t, 32> ka{}, kb{};
  ASSERT_TRUE(keys->PayloadKey(ha->nonce, ka).ok());
  ASSERT_TRUE(keys->PayloadKey(hb->nonce, kb).ok());
  EXPECT_NE(ka, kb);
}

TEST(Record, AnotherContextOrDataKeyIsWrongKey) {
  auto keys = RecordKeys::Derive(Key(0));
  auto other = RecordKeys::Derive(Key(1));
  auto r = Seal(*keys, NewHeader(), kCtx, Pattern(100));
  ASSERT_TRUE(r.ok());
  for (const auto& ctx : {EncryptionContext{{"table", "cards"}, {"row", "43"}},
                          EncryptionContext{{"table", "cards"}}, EncryptionContext{}}) {
    auto o = Open(*keys, *r, ctx);
    ASSERT_FALSE(o.ok());
    EXPECT_EQ(o.status().reason(), "wrong_key");
  }
  auto o = Open(*other, *r, kCtx);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.status().reason(), "wrong_key");
}

TEST(Record, EveryTruncationAndExtensionIsRefused) {
  auto keys = RecordKeys::Derive(Key(0));
  auto r = Seal(*keys, NewHeader(), kCtx, Pattern(5000));  // two segments
  ASSERT_TRUE(r.ok());
  for (size_t n = 0; n < r->size(); ++n) {
    auto o = Open(*keys, r->substr(0, n), kCtx);
    ASSERT_FALSE(o.ok()) << "cut at " << n;
    EXPECT_EQ(o.status().code(), Code::kInvalidArgument) << n;
  }
  auto longer = Open(*keys, *r + std::string(1, '\0'), kCtx);
  ASSERT_FALSE(longer.ok());
  EXPECT_EQ(longer.status().reason(), "invalid_record");
}

TEST(Record, EveryFlippedBitOutsideTheWrappedKeyIsRefused) {
  auto keys = RecordKeys::Derive(Key(0));
  auto r = Seal(*keys, NewHeader(), kCtx, Pattern(40));
  ASSERT_TRUE(r.ok());
  size_t body = 0;
  auto h = ParseHeader(*r, &body);
  const size_t wrapped_at = body - h->wrapped.size();
  for (size_t i = 0; i < r->size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string m = *r;
      m[i] = static_cast<char>(m[i] ^ (1 << bit));
      auto o = Open(*keys, m, kCtx);
      if (i >= wrapped_at && i < body) {
        // Outside the MAC on purpose (rewrap replaces it); keepd authenticates it.
        EXPECT_TRUE(o.ok()) << i;
      } else {
        EXPECT_FALSE(o.ok()) << "byte " << i << " bit " << bit;
      }
    }
  }
}

TEST(Record, ReorderedSegmentsAndOtherVersionsAreRefused) {
  auto keys = RecordKeys::Derive(Key(0));
  auto r = Seal(*keys, NewHeader(), kCtx, Pattern(3 * 4096 + 10));
  ASSERT_TRUE(r.ok());
  size_t body = 0;
  ASSERT_TRUE(ParseHeader(*r, &body).ok());
  const size_t full = 4096 + 16;
  std::string swapped = *r;
  swapped.replace(body, full, r->substr(body + full, full));
  swapped.replace(body + full, full, r->substr(body, full));
  auto o = Open(*keys, swapped, kCtx);
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.status().message().find("segment 0"), std::string::npos) << o.status().ToString();
  std::string v2 = *r;
  v2[7] = 2;
  o = Open(*keys, v2, kCtx);
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.status().message().find("version 2"), std::string::npos);
  EXPECT_EQ(Open(*keys, "KEEPFILE", kCtx).status().reason(), "invalid_record");
  EXPECT_EQ(Open(*keys, "", kCtx).status().reason(), "invalid_record");
}

TEST(Record, RandomMutationsNeverOpen) {
  auto keys = RecordKeys::Derive(Key(0));
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    const Bytes p = Pattern(rng() % 9000);
    auto r = Seal(*keys, NewHeader(), kCtx, p);
    ASSERT_TRUE(r.ok());
    std::string m = *r;
    switch (rng() % 4) {
      case 0:
        m.resize(rng() % m.size());
        break;
      case 1:
        m.insert(rng() % m.size(), 1 + rng() % 40, static_cast<char>(rng()));
        break;
      case 2:
        m.erase(rng() % m.size(), 1 + rng() % 40);
        break;
      default: {
        size_t body = 0;
        ASSERT_TRUE(ParseHeader(m, &body).ok());
        m[body + rng() % (m.size() - body)] ^= static_cast<char>(1 + rng() % 255);
      }
    }
    auto o = Open(*keys, m, kCtx);
    EXPECT_FALSE(o.ok() && m != *r) << "round " << round;
  }
}

TEST(Record, RewrapReplacesOnlyTheWrappedKey) {
  auto keys = RecordKeys::Derive(Key(0));
  auto r = Seal(*keys, NewHeader(), kCtx, Pattern(300));
  auto w = ReplaceWrapped(*r, "keep:v1:another-much-longer-wrapped-copy-of-the-same-key");
  ASSERT_TRUE(w.ok());
  size_t body = 0;
  auto h = ParseHeader(*w, &body);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->wrapped, "keep:v1:another-much-longer-wrapped-copy-of-the-same-key");
  auto o = Open(*keys, *w, kCtx);
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->Equals(Pattern(300)));
  EXPECT_FALSE(ReplaceWrapped(*r, "").ok());
}

TEST(Record, WrapContextTakesThePartitionAndMarksTheKey) {
  auto w = WrapContext(kCtx, {"table"});
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, (EncryptionContext{{"table", "cards"}, {"keep-record", "v1"}}));
  EXPECT_FALSE(WrapContext(kCtx, {"tenant"}).ok());
  // The direct encoding is the map's, wherever "keep-record" sorts among the keys.
  for (const std::vector<std::string>& keys :
       std::vector<std::vector<std::string>>{{}, {"row"}, {"table"}, {"row", "table"}}) {
    auto key = WrapContextKey(kCtx, keys);
    ASSERT_TRUE(key.ok());
    const Bytes want = CanonicalContext(*WrapContext(kCtx, keys));
    EXPECT_EQ(*key, std::string(want.begin(), want.end()));
  }
  const EncryptionContext before{{"a", "1"}, {"keep-recorc", "2"}, {"zz", "3"}};
  const std::vector<std::string> all{"a", "keep-recorc", "zz"};
  const Bytes want = CanonicalContext(*WrapContext(before, all));
  EXPECT_EQ(*WrapContextKey(before, all), std::string(want.begin(), want.end()));
  EXPECT_FALSE(WrapContextKey(kCtx, {"tenant"}).ok());
  EXPECT_FALSE(WrapContext({{"keep-record", "x"}}, {}).ok());
}

// docs/formats.md §9's vector, written by tests/interop/record_v1.py from the document
// alone (which `make test` checks against the document): keep's own reader opens it.
TEST(RecordFormat, PublishedVector) {
  std::ifstream in(std::string(KEEP_SOURCE_DIR) + "/docs/formats.md");
  std::stringstream doc;
  doc << in.rdbuf();
  const std::string text = doc.str();
  const size_t at = text.find("<!-- record-vector-begin -->");
  ASSERT_NE(at, std::string::npos);
  const size_t rec = text.find("Record (", at);
  const size_t end = text.find("<!-- record-vector-end -->", rec);
  ASSERT_NE(rec, std::string::npos);
  std::string hex;
  for (size_t i = text.find('\n', rec); i < end; ++i) {
    if (std::isxdigit(static_cast<unsigned char>(text[i]))) hex += text[i];
  }
  std::string record;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    record += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  ASSERT_EQ(record.size(), 134u);
  auto keys = RecordKeys::Derive(Key(0));
  auto plain = Open(*keys, record, {{"row", "42"}, {"table", "cards"}});
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  const std::string want = "keep record v1 test vector";
  EXPECT_TRUE(plain->Equals(AsBytes(want)));
  size_t body = 0;
  auto h = ParseHeader(record, &body);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->key_name, "orders");
  EXPECT_EQ(h->partition_keys, std::vector<std::string>{"table"});
  EXPECT_EQ(h->wrapped, "keep:vector-wrapped-key");
  EXPECT_EQ(Open(*keys, record, {{"row", "41"}, {"table", "cards"}}).status().reason(),
            "wrong_key");
}

}  // namespace
}  // namespace keep::format::record
