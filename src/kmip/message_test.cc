#include "kmip/message.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace keep::kmip {
namespace {

// A DiscoverVersions request (protocol 1.2, one batch item with id 0x01, asking for 1.4 and
// 1.2) as Debian's python3-pykmip 0.10 encodes it (RequestMessage.write); the interop
// script tests/interop/kmip_ttlv.py rebuilds it.
constexpr std::string_view kPykmipDiscoverVersions =
    "42007801000000c04200770100000038420069010000002042006a020000000400000001000000004200"
    "6b0200000004000000020000000042000d0200000004000000010000000042000f010000007842005c05"
    "000000040000001e00000000420093080000000101000000000000004200790100000050420069010000"
    "002042006a0200000004000000010000000042006b020000000400000004000000004200690100000020"
    "42006a0200000004000000010000000042006b02000000040000000200000000";

Result<Request> Parse(std::string_view hex) {
  KEEP_ASSIGN_OR_RETURN(Bytes b, HexDecode(hex));
  KEEP_ASSIGN_OR_RETURN(Item m, Decode(b));
  return ParseRequest(m);
}

TEST(KmipMessage, ReadsPykmipsRequest) {
  auto r = Parse(kPykmipDiscoverVersions);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->version, (ProtocolVersion{1, 2}));
  ASSERT_EQ(r->items.size(), 1u);
  EXPECT_EQ(r->items[0].operation, static_cast<uint32_t>(Operation::kDiscoverVersions));
  EXPECT_TRUE(r->items[0].known);
  EXPECT_EQ(*r->items[0].unique_batch_item_id, Bytes{1});
  const auto versions = r->items[0].payload.FindAll(tag::kProtocolVersion);
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0]->Find(tag::kProtocolVersionMinor)->number, 4);
}

TEST(KmipMessage, RefusesWhatIsNotARequest) {
  // Another top-level tag, a Batch Count that disagrees, a missing header.
  std::string other(kPykmipDiscoverVersions);
  other.replace(0, 6, "42007b");
  EXPECT_NE(Parse(other).status().message().find("not a Request Message"), std::string::npos);
  std::string count(kPykmipDiscoverVersions);
  const size_t at = count.find("42000d02000000040000000100000000");
  count.replace(at + 16, 8, "00000002");
  EXPECT_NE(Parse(count).status().message().find("Batch Count 2 but 1"), std::string::npos);
  EXPECT_FALSE(ParseRequest(Item::Structure(tag::kRequestMessage)).ok());
  // Protocol 3.0 is not spoken.
  std::string v3(kPykmipDiscoverVersions);
  v3.replace(v3.find("42006a0200000004000000010000000042006b02000000040000000200000000"), 64,
             "42006a0200000004000000030000000042006b02000000040000000000000000");
  EXPECT_NE(Parse(v3).status().message().find("3.0"), std::string::npos);
}

TEST(KmipMessage, ResponsesCarryResultsPerItem) {
  std::vector<ResponseItem> items(2);
  items[0].operation = static_cast<uint32_t>(Operation::kQuery);
  items[0].unique_batch_item_id = Bytes{7};
  items[0].payload = Item::Structure(tag::kResponsePayload);
  items[1].operation = 0x99;
  items[1].status = ResultStatus::kOperationFailed;
  items[1].reason = ResultReason::kOperationNotSupported;
  items[1].message = "no";
  const Item resp = BuildResponse({1, 4}, 1700000000, std::move(items));
  auto back = Decode(Encode(resp).view());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->tag, tag::kResponseMessage);
  const Item* header = back->Find(tag::kResponseHeader);
  ASSERT_NE(header, nullptr);
  EXPECT_EQ(header->Find(tag::kTimeStamp)->number, 1700000000);
  EXPECT_EQ(header->Find(tag::kBatchCount)->number, 2);
  const auto bis = back->FindAll(tag::kBatchItem);
  ASSERT_EQ(bis.size(), 2u);
  EXPECT_EQ(bis[0]->Find(tag::kResultStatus)->number, 0);
  EXPECT_NE(bis[0]->Find(tag::kResponsePayload), nullptr);
  EXPECT_EQ(bis[1]->Find(tag::kResultReason)->number, 5);
  EXPECT_EQ(bis[1]->Find(tag::kResultMessage)->text, "no");
  const Item bad = InvalidMessageResponse({1, 0}, 1, "garbage");
  EXPECT_EQ(bad.FindAll(tag::kBatchItem)[0]->Find(tag::kResultReason)->number, 4);
}

}  // namespace
}  // namespace keep::kmip
