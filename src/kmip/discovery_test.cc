#include "kmip/discovery.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace keep::kmip {
namespace {

std::vector<ProtocolVersion> Versions(const Item& payload) {
  std::vector<ProtocolVersion> out;
  for (const Item* v : payload.FindAll(tag::kProtocolVersion)) {
    out.push_back({static_cast<int32_t>(v->Find(tag::kProtocolVersionMajor)->number),
                   static_cast<int32_t>(v->Find(tag::kProtocolVersionMinor)->number)});
  }
  return out;
}

Item Asking(std::vector<ProtocolVersion> vs) {
  std::vector<Item> items;
  for (auto v : vs) {
    std::vector<Item> parts;
    parts.push_back(Item::Integer(tag::kProtocolVersionMajor, v.major));
    parts.push_back(Item::Integer(tag::kProtocolVersionMinor, v.minor));
    items.push_back(Item::Structure(tag::kProtocolVersion, std::move(parts)));
  }
  return Item::Structure(tag::kRequestPayload, std::move(items));
}

TEST(KmipDiscovery, DiscoverVersions) {
  auto all = DiscoverVersions(Item::Structure(tag::kRequestPayload));
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Versions(*all),
            (std::vector<ProtocolVersion>{{2, 0}, {1, 4}, {1, 3}, {1, 2}, {1, 1}, {1, 0}}));
  // The client's order, only what keep speaks.
  auto some = DiscoverVersions(Asking({{1, 2}, {3, 0}, {1, 4}}));
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(Versions(*some), (std::vector<ProtocolVersion>{{1, 2}, {1, 4}}));
  auto none = DiscoverVersions(Asking({{0, 9}}));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->children.empty());
  std::vector<Item> bad;
  bad.push_back(Item::Structure(tag::kProtocolVersion));
  EXPECT_FALSE(DiscoverVersions(Item::Structure(tag::kRequestPayload, std::move(bad))).ok());
}

// pykmip asks for 1.4 and 1.2 (message_test.cc's request); the answer is byte for byte the
// DiscoverVersionsResponsePayload pykmip itself writes for those two versions
// (tests/interop/kmip_ttlv.py rebuilds this vector).
constexpr std::string_view kPykmipDiscoverVersionsAnswer =
    "42007c0100000050420069010000002042006a0200000004000000010000000042006b0200000004000000"
    "0400000000420069010000002042006a0200000004000000010000000042006b0200000004000000020000"
    "0000";

TEST(KmipDiscovery, AnswersPykmipAsPykmipWould) {
  auto r = DiscoverVersions(Asking({{1, 4}, {1, 2}}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(HexEncode(Encode(*r).view()), kPykmipDiscoverVersionsAnswer);
}

TEST(KmipDiscovery, Query) {
  std::vector<Item> fs;
  fs.push_back(Item::Enumeration(tag::kQueryFunction, 1));
  fs.push_back(Item::Enumeration(tag::kQueryFunction, 2));
  fs.push_back(Item::Enumeration(tag::kQueryFunction, 3));
  fs.push_back(Item::Enumeration(tag::kQueryFunction, 99));  // unknown: ignored
  const Operation ops[] = {Operation::kQuery, Operation::kDiscoverVersions, Operation::kGet};
  auto r = Query(Item::Structure(tag::kRequestPayload, std::move(fs)), ops, "keep");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->FindAll(tag::kOperation).size(), 3u);
  EXPECT_EQ(r->FindAll(tag::kObjectType).size(), 7u);
  EXPECT_EQ(r->Find(tag::kVendorIdentification)->text, "keep");
  auto nothing = Query(Item::Structure(tag::kRequestPayload), ops, "keep");
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing->children.empty());
  std::vector<Item> bad;
  bad.push_back(Item::Text(tag::kQueryFunction, "operations"));
  EXPECT_FALSE(Query(Item::Structure(tag::kRequestPayload, std::move(bad)), ops, "keep").ok());
}

}  // namespace
}  // namespace keep::kmip
