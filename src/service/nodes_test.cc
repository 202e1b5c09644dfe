#include "service/nodes.h"

#include <gtest/gtest.h>

#include <string>

namespace keep::service {
namespace {

TEST(Nodes, RecordRoundTrips) {
  NodeInfo n{"0123456789ab", "0.1.0", "127.0.0.1:8443", 1700000000000, 1700000005000, false,
             true,           42};
  auto back = DecodeNode(EncodeNode(n));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->id, n.id);
  EXPECT_EQ(back->version, n.version);
  EXPECT_EQ(back->address, n.address);
  EXPECT_EQ(back->started_ms, n.started_ms);
  EXPECT_EQ(back->seen_ms, n.seen_ms);
  EXPECT_FALSE(back->sealed);
  EXPECT_TRUE(back->feed_connected);
  EXPECT_EQ(back->lag_ms, 42);
}

TEST(Nodes, MalformedRecordsAreRefusedByField) {
  const std::string good = R"({"id":"a","version":"v","address":"x","started_ms":1,)"
                           R"("seen_ms":2,"sealed":true,"feed_connected":false,"lag_ms":-1})";
  ASSERT_TRUE(DecodeNode(AsBytes(good)).ok());
  struct Case {
    std::string text, field;
  } cases[] = {
      {"", "not a JSON object"},
      {"[]", "not a JSON object"},
      {"{", "not a JSON object"},
      {R"({"id":1})", "id"},
      {R"({"id":"a","version":"v","address":"x","started_ms":"1"})", "started_ms"},
      {R"({"id":"a","version":"v","address":"x","started_ms":1,"seen_ms":2,"sealed":1})", "sealed"},
      {R"({"id":"a","version":"v","address":"x","started_ms":1,"seen_ms":2.5})", "seen_ms"},
      {R"({"id":"a","version":"v","address":"x","started_ms":1,"seen_ms":2,"sealed":true,)"
       R"("feed_connected":false})",
       "lag_ms"},
  };
  for (const auto& c : cases) {
    auto r = DecodeNode(AsBytes(c.text));
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.field), std::string::npos)
        << c.text << ": " << r.status().message();
  }
}

}  // namespace
}  // namespace keep::service
