#include "http/json_fields.h"

#include <gtest/gtest.h>

namespace keep::http {
namespace {

TEST(JsonFields, StrictTypesAndUnknownFields) {
  ParsedBody b;
  ASSERT_TRUE(b.Parse(R"({"s":"x","i":5,"b":true,"d":1.5,"big":18446744073709551615})").ok());
  auto o = AsObject(b.value(), {"s", "i", "b", "d", "big"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(**OptString(**o, "s"), "x");
  EXPECT_EQ(**OptInt(**o, "i"), 5);
  EXPECT_EQ(**OptBool(**o, "b"), true);
  EXPECT_FALSE(OptInt(**o, "d").ok());
  EXPECT_FALSE(OptInt(**o, "big").ok());
  EXPECT_FALSE(OptString(**o, "i").ok());
  EXPECT_FALSE(OptBool(**o, "s").ok());
  EXPECT_FALSE(ReqString(**o, "missing").ok());
  auto unknown = AsObject(b.value(), {"s"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("unknown field"), std::string::npos);
}

TEST(JsonFields, RejectsMalformedDocuments) {
  for (std::string_view bad :
       {"{", "[1,", "{\"a\":}", "nul", "{\"a\":1}}", "\"\\u12\"", "{\"a\":\"\xff\"}"}) {
    ParsedBody b;
    EXPECT_FALSE(b.Parse(bad).ok()) << bad;
  }
  for (std::string_view dup : {R"({"a":1,"a":2})", R"({"context":{"t":"a","t":"b"}})",
                               R"({"batch":[{"x":1},{"p":1,"p":1}]})", R"({"a\u0062":1,"ab":2})"}) {
    ParsedBody b;
    Status st = b.Parse(dup);
    EXPECT_FALSE(st.ok()) << dup;
    EXPECT_NE(st.message().find("duplicate key"), std::string::npos) << dup;
  }
  ParsedBody same_key_elsewhere;
  EXPECT_TRUE(same_key_elsewhere.Parse(R"({"a":{"a":1},"b":[{"a":1},{"a":2}]})").ok());
  ParsedBody deep;
  EXPECT_FALSE(deep.Parse(std::string(100, '[') + std::string(100, ']')).ok());
  ParsedBody empty;
  ASSERT_TRUE(empty.Parse("").ok());
  EXPECT_TRUE(empty.value().is_object());
}

TEST(JsonFields, ContextAndBase64) {
  ParsedBody b;
  ASSERT_TRUE(
      b.Parse(R"({"context":{"a":"1"},"p":"aGk=","bad":"aGk","n":{"context":{"a":1}}})").ok());
  const auto& o = b.value().get_object();
  auto ctx = OptContext(o);
  ASSERT_TRUE(ctx.ok());
  EXPECT_EQ(ctx->at("a"), "1");
  auto p = ReqBase64(o, "p");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->Equals(AsBytes("hi")));
  EXPECT_FALSE(ReqBase64(o, "bad").ok());
  EXPECT_FALSE(OptContext(o.at("n").get_object()).ok());
}

TEST(JsonFields, Writers) {
  std::string out;
  AppendJsonString(out, "a\"b\n");
  EXPECT_EQ(out, "\"a\\\"b\\n\"");
  out.clear();
  AppendBase64(out, AsBytes("foobar"));
  EXPECT_EQ(out, "Zm9vYmFy");
}

}  // namespace
}  // namespace keep::http
