// The one JSON string writer: whatever the bytes, the output parses as strict JSON (Boost.JSON
// validates UTF-8), well-formed UTF-8 survives unchanged, and each other byte becomes U+FFFD.
#include "common/json_text.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <random>

namespace keep {
namespace {

namespace json = boost::json;

// Parses `literal` strictly; returns the string it holds (fails the test otherwise).
std::string Parsed(const std::string& literal) {
  boost::system::error_code ec;
  json::value v = json::parse(literal, ec);  // allow_invalid_utf8 is false by default
  EXPECT_FALSE(ec) << ec.message() << " in " << literal;
  if (ec || !v.is_string()) return "<not a JSON string>";
  return std::string(v.get_string());
}

const std::string kFffd = "\xEF\xBF\xBD";

TEST(JsonText, WellFormedUtf8IsKeptAndEscapesAreMinimal) {
  for (const std::string s : {"", "plain", "caf\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
                              "\xF4\x8F\xBF\xBF", "quote\" back\\slash", "tab\there\nnewline"}) {
    EXPECT_TRUE(IsValidUtf8(s)) << s;
    EXPECT_EQ(Parsed(JsonString(s)), s);
  }
  EXPECT_EQ(JsonString("a\"b\\c\x01\x7f"), "\"a\\\"b\\\\c\\u0001\\u007f\"");
}

TEST(JsonText, EveryMalformedByteBecomesOneReplacementCharacter) {
  const std::pair<std::string, std::string> cases[] = {
      {"/\xFF", "/" + kFffd},
      {"\xC0\x80", kFffd + kFffd},                          // overlong NUL
      {"\xE0\x80\x80", kFffd + kFffd + kFffd},              // overlong
      {"\xED\xA0\x80", kFffd + kFffd + kFffd},              // a surrogate
      {"\xF4\x90\x80\x80", kFffd + kFffd + kFffd + kFffd},  // above U+10FFFF
      {"\xE2\x82", kFffd + kFffd},                          // cut short
      {"\x80x", kFffd + "x"},                               // a lone continuation byte
      {"ok\xF5", "ok" + kFffd},
  };
  for (const auto& [in, want] : cases) {
    EXPECT_FALSE(IsValidUtf8(in));
    EXPECT_EQ(Parsed(JsonString(in)), want) << JsonString(in);
    EXPECT_TRUE(IsValidUtf8(SafeText(in)));
  }
}

TEST(JsonText, RandomBytesAlwaysGiveStrictJson) {
  std::mt19937 rng(12);
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 40, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    const std::string lit = JsonString(s);
    const std::string back = Parsed(lit);
    ASSERT_TRUE(IsValidUtf8(back));
    if (IsValidUtf8(s)) {
      ASSERT_EQ(back, s);
    }
  }
}

TEST(JsonText, SafeTextCannotStartANewLogLine) {
  EXPECT_EQ(SafeText("GET /x\r\n2026-12-01 info forged"), "GET /x\\x0d\\x0a2026-12-01 info forged");
  EXPECT_EQ(SafeText("\xFF\x1b[31m"), kFffd + "\\x1b[31m");
  EXPECT_EQ(SafeText("caf\xC3\xA9"), "caf\xC3\xA9");
}

}  // namespace
}  // namespace keep
