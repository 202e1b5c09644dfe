#include "common/encoding.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace keep {
namespace {

TEST(Base64, Rfc4648Vectors) {
  const std::pair<std::string, std::string> cases[] = {{"", ""},
                                                       {"f", "Zg=="},
                                                       {"fo", "Zm8="},
                                                       {"foo", "Zm9v"},
                                                       {"foob", "Zm9vYg=="},
                                                       {"fooba", "Zm9vYmE="},
                                                       {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, enc] : cases) {
    EXPECT_EQ(Base64Encode(AsBytes(plain)), enc);
    auto dec = Base64Decode(enc);
    ASSERT_TRUE(dec.ok()) << enc;
    EXPECT_EQ(AsChars(*dec), plain);
  }
}

TEST(Base64, RejectsMalformed) {
  for (std::string_view bad : {"Zg", "Zg=", "Z===", "Zm9v\n", " Zm9v", "Zm9v====", "Zh==", "Zm9=",
                               "Zm=v", "=Zm9", "Zm9-", "Zm9_", "Zg==Zg==", "****"}) {
    auto r = Base64Decode(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().reason(), "bad_request");
    }
  }
}

TEST(Base64, BinaryRoundTripAllLengths) {
  Bytes data;
  for (int n = 0; n < 300; ++n) {
    auto enc = Base64Encode(data);
    auto dec = Base64Decode(enc);
    ASSERT_TRUE(dec.ok());
    EXPECT_EQ(*dec, data);
    auto url = Base64UrlEncode(data);
    EXPECT_EQ(url.find_first_of("+/="), std::string::npos);
    // The same text as OpenSSL's base64 with the URL alphabet and no padding.
    std::string std_form = enc;
    std::replace(std_form.begin(), std_form.end(), '+', '-');
    std::replace(std_form.begin(), std_form.end(), '/', '_');
    std_form.erase(std_form.find_last_not_of('=') + 1);
    EXPECT_EQ(url, std_form) << n;
    std::string appended = "keep:";
    AppendBase64Url(appended, data);
    EXPECT_EQ(appended, "keep:" + url);
    auto dec2 = Base64UrlDecode(url);
    ASSERT_TRUE(dec2.ok());
    EXPECT_EQ(*dec2, data);
    data.push_back(static_cast<uint8_t>(n * 37 + 11));
  }
}

TEST(Base64Url, RejectsStandardAlphabetAndPadding) {
  EXPECT_FALSE(Base64UrlDecode("ab+c").ok());
  EXPECT_FALSE(Base64UrlDecode("ab/c").ok());
  EXPECT_FALSE(Base64UrlDecode("Zg==").ok());
  EXPECT_FALSE(Base64UrlDecode("Z").ok());
  EXPECT_FALSE(Base64UrlDecode("Zh").ok());  // non-zero trailing bits
}

TEST(Hex, RoundTripAndErrors) {
  Bytes b = {0x00, 0xab, 0xff, 0x10};
  EXPECT_EQ(HexEncode(b), "00abff10");
  EXPECT_EQ(*HexDecode("00ABff10"), b);
  EXPECT_FALSE(HexDecode("abc").ok());
  EXPECT_FALSE(HexDecode("zz").ok());
}

TEST(PercentEncode, UnreservedStayOthersAreUpperHex) {
  EXPECT_EQ(PercentEncode("aZ09-_.~"), "aZ09-_.~");
  EXPECT_EQ(PercentEncode("a b/c+é"), "a%20b%2Fc%2B%C3%A9");
  EXPECT_EQ(PercentEncode("a b/c", /*keep_slash=*/true), "a%20b/c");
  EXPECT_EQ(PercentEncode(std::string_view("\0", 1)), "%00");
}

}  // namespace
}  // namespace keep
