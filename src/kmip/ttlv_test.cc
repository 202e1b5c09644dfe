#include "kmip/ttlv.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace keep::kmip {
namespace {

constexpr uint32_t kTag = 0x420020;

std::string Hex(const crypto::SecretBytes& b) {
  return HexEncode(b.view());
}
Bytes Unhex(std::string_view h) {
  return *HexDecode(h);
}

// The encoding examples of the KMIP specification (§9.1.2 of 1.0–1.4), which Debian's
// python3-pykmip encodes to the same bytes (tests/interop/kmip_ttlv.py checks it).
TEST(Ttlv, SpecificationExamples) {
  const std::pair<Item, std::string_view> cases[] = {
      {Item::Integer(kTag, 8), "42002002000000040000000800000000"},
      {Item::LongInteger(kTag, 123456789000000000), "420020030000000801b69b4ba5749200"},
      {Item::BigInteger(kTag, Unhex("03fd35eb6bc2df4618080000")),
       "42002004000000100000000003fd35eb6bc2df4618080000"},
      {Item::Enumeration(kTag, 255), "4200200500000004000000ff00000000"},
      {Item::Enumeration(kTag, 3), "42002005000000040000000300000000"},
      {Item::Boolean(kTag, true), "42002006000000080000000000000001"},
      {Item::Text(kTag, "Hello World"), "420020070000000b48656c6c6f20576f726c640000000000"},
      {Item::Bytes(kTag, Unhex("010203")), "42002008000000030102030000000000"},
      {Item::DateTime(kTag, 0x47DA67F8), "42002009000000080000000047da67f8"},
      {Item::Interval(kTag, 864000), "4200200a00000004000d2f0000000000"},
      {Item::Structure(kTag,
                       [] {
                         std::vector<Item> v;
                         v.push_back(Item::Enumeration(0x420004, 254));
                         v.push_back(Item::Integer(0x420005, 255));
                         return v;
                       }()),
       "42002001000000204200040500000004000000fe000000004200050200000004000000ff00000000"},
  };
  for (const auto& [item, hex] : cases) {
    SCOPED_TRACE(std::string(hex));
    const crypto::SecretBytes enc = Encode(item);
    EXPECT_EQ(Hex(enc), hex);
    EXPECT_EQ(EncodedSize(item), enc.size());
    auto back = Decode(enc.view());
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->tag, kTag);
    EXPECT_EQ(back->type, item.type);
    EXPECT_EQ(back->number, item.number);
    EXPECT_EQ(back->text, item.text);
    if (item.type != Type::kBigInteger) {  // a Big Integer comes back sign-extended
      EXPECT_TRUE(back->bytes.Equals(item.bytes.view()));
    }
    EXPECT_EQ(back->children.size(), item.children.size());
    EXPECT_EQ(Hex(Encode(*back)), hex);  // decode ∘ encode is the identity
  }
}

TEST(Ttlv, FindsChildrenAndNegativeNumbers) {
  std::vector<Item> kids;
  kids.push_back(Item::Integer(0x420001, -5));
  kids.push_back(Item::Text(0x420002, "a"));
  kids.push_back(Item::Text(0x420002, "b"));
  auto back = Decode(Encode(Item::Structure(kTag, std::move(kids))).view());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->Find(0x420001)->number, -5);
  EXPECT_EQ(back->FindAll(0x420002).size(), 2u);
  EXPECT_EQ(back->Find(0x420003), nullptr);
  // A negative Big Integer is sign-extended to a multiple of 8.
  EXPECT_EQ(Hex(Encode(Item::BigInteger(kTag, Unhex("ff01")))), "4200200400000008ffffffffffffff01");
}

void Refused(std::string_view hex, std::string_view why) {
  SCOPED_TRACE(std::string(hex));
  auto r = Decode(Unhex(hex));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "bad_request");
  EXPECT_NE(r.status().message().find(why), std::string::npos) << r.status().message();
}

TEST(Ttlv, RefusesHostileMessages) {
  Refused("", "truncated item header");
  Refused("42002002000000", "truncated item header");
  Refused("42002002000000040000000800000001", "non-zero padding");
  Refused("42002002000000050000000800000000", "fixed-size item with length 5");
  Refused("42002002000000040000000800", "past the end");
  Refused("4200200c000000040000000800000000", "unknown item type 12");
  Refused("4300200200000004000000080000000000", "tag outside");
  Refused("42002006000000080000000000000002", "Boolean other than 0 or 1");
  Refused("4200200700000002c0af000000000000", "not UTF-8");  // overlong '/'
  Refused("4200200700000003eda0800000000000", "not UTF-8");  // a surrogate
  Refused("42002004000000030102030000000000", "Big Integer");
  Refused("420020010000000842002002000000040000000800000000", "length past the end");
  Refused("42002001000000044200200200000000", "not a multiple of 8");
  Refused("4200200200000004000000080000000000", "bytes after the message");
  // A length of 2^32 - 1 is refused without allocating it.
  Refused("42002008ffffffff00", "length past the end");
}

// Empty strings have no buffer: encoding them must not touch one (the fuzzer's first find,
// fuzz/regressions/ttlv/crash-204e…).
TEST(Ttlv, EmptyStringsRoundTrip) {
  for (const Item& it : {Item::Bytes(kTag, {}), Item::Text(kTag, "")}) {
    const crypto::SecretBytes enc = Encode(it);
    EXPECT_EQ(enc.size(), 8u);
    auto back = Decode(enc.view());
    ASSERT_TRUE(back.ok());
    EXPECT_TRUE(Encode(*back).Equals(enc.view()));
  }
}

TEST(Ttlv, TextIsUtf8) {
  auto ok = Decode(Unhex("42002007000000070041c3a9e282ac00"));  // "\0A", é, €
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->text, std::string("\0A\xc3\xa9\xe2\x82\xac", 7));
}

TEST(Ttlv, BoundsNesting) {
  Item deep = Item::Integer(kTag, 1);
  for (int i = 0; i < kMaxDepth; ++i) {
    std::vector<Item> v;
    v.push_back(std::move(deep));
    deep = Item::Structure(kTag, std::move(v));
  }
  EXPECT_TRUE(Decode(Encode(deep).view()).ok());  // kMaxDepth structures: fine
  std::vector<Item> v;
  v.push_back(std::move(deep));
  auto too_deep = Decode(Encode(Item::Structure(kTag, std::move(v))).view());
  ASSERT_FALSE(too_deep.ok());
  EXPECT_NE(too_deep.status().message().find("nested deeper"), std::string::npos);
}

// Seeded random mutations of a nested message: each is refused with bad_request, or is a
// valid message whose encoding is exactly the mutated bytes (the codec is canonical).
TEST(Ttlv, MutationsAreRefusedOrCanonical) {
  std::vector<Item> inner;
  inner.push_back(Item::Text(0x420055, "name"));
  inner.push_back(Item::Bytes(0x420043, Unhex("00112233445566778899")));
  inner.push_back(Item::BigInteger(0x420052, Unhex("0102030405060708090a")));
  std::vector<Item> outer;
  outer.push_back(Item::Enumeration(0x42005c, 1));
  outer.push_back(Item::Structure(0x420079, std::move(inner)));
  outer.push_back(Item::Boolean(0x420008, true));
  outer.push_back(Item::DateTime(0x420092, 1700000000));
  const crypto::SecretBytes seed = Encode(Item::Structure(0x420078, std::move(outer)));
  uint32_t x = 12345;
  auto rnd = [&x] { return x = x * 1103515245u + 12345u, x >> 8; };
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    Bytes m(seed.view().begin(), seed.view().end());
    for (int e = 0, n = 1 + static_cast<int>(rnd() % 3); e < n; ++e) {
      const size_t pos = rnd() % m.size();
      switch (rnd() % 4) {
        case 0:
          m[pos] = static_cast<uint8_t>(rnd());
          break;
        case 1:
          m.erase(m.begin() + static_cast<long>(pos));
          break;
        case 2:
          m.insert(m.begin() + static_cast<long>(pos), static_cast<uint8_t>(rnd()));
          break;
        default:
          m.resize(pos);
          break;
      }
      if (m.empty()) m.push_back(0x42);
    }
    auto r = Decode(m);
    if (r.ok()) {
      ++accepted;
      EXPECT_EQ(Hex(Encode(*r)), HexEncode(m));
    } else {
      EXPECT_EQ(r.status().reason(), "bad_request");
    }
  }
  EXPECT_LT(accepted, 20000);
}

TEST(Ttlv, MessageLengthFromTheHeader) {
  EXPECT_EQ(*MessageLength(Unhex("4200780100000020"), 1 << 20), 40u);
  // Not a structure: framed with its padding, so Decode can refuse it and the door answer.
  EXPECT_EQ(*MessageLength(Unhex("4200780200000004"), 1 << 20), 16u);
  EXPECT_EQ(*MessageLength(Unhex("420078070000000f"), 1 << 20), 24u);
  EXPECT_FALSE(MessageLength(Unhex("42007801ffffffff"), 1 << 20).ok());  // over the limit
  EXPECT_FALSE(MessageLength(Unhex("420078"), 1 << 20).ok());
}

}  // namespace
}  // namespace keep::kmip
