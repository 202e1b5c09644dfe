#include "format/context.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace keep::format {
namespace {

TEST(Context, CanonicalEncodingIsLengthPrefixedAndSorted) {
  EncryptionContext c = {{"b", "2"}, {"a", "1"}};
  EXPECT_EQ(HexEncode(CanonicalContext(c)),
            "00000002"
            "00000001"
            "61"
            "00000001"
            "31"
            "00000001"
            "62"
            "00000001"
            "32");
  EXPECT_EQ(HexEncode(CanonicalContext({})), "00000000");
}

TEST(Context, NoConcatenationCollisions) {
  EXPECT_NE(CanonicalContext({{"ab", "c"}}), CanonicalContext({{"a", "bc"}}));
  EXPECT_NE(CanonicalContext({{"a", ""}}), CanonicalContext({}));
  EXPECT_NE(CanonicalContext({{"a", "b"}, {"c", "d"}}), CanonicalContext({{"a", "bcd"}}));
}

TEST(Context, Validation) {
  EXPECT_TRUE(ValidateContext({{"tenant", "42"}}).ok());
  EXPECT_FALSE(ValidateContext({{"", "x"}}).ok());
  EncryptionContext many;
  for (int i = 0; i < 65; ++i) many[std::to_string(i)] = "v";
  EXPECT_FALSE(ValidateContext(many).ok());
  EXPECT_FALSE(ValidateContext({{"k", std::string(9000, 'x')}}).ok());
}

}  // namespace
}  // namespace keep::format
