#include "common/time.h"

#include <gtest/gtest.h>

namespace keep {
namespace {

TEST(Time, Rfc3339) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(1700000000), "2023-11-14T22:13:20Z");
}

TEST(Duration, ParsesUnits) {
  EXPECT_EQ(*ParseDuration("90d"), 90 * 86400);
  EXPECT_EQ(*ParseDuration("12h"), 12 * 3600);
  EXPECT_EQ(*ParseDuration("30m"), 1800);
  EXPECT_EQ(*ParseDuration("45s"), 45);
  EXPECT_EQ(*ParseDuration("0"), 0);
  EXPECT_EQ(FormatDuration(90 * 86400), "90d");
  EXPECT_EQ(FormatDuration(36 * 3600), "36h");
  EXPECT_EQ(FormatDuration(61), "61s");
}

TEST(Duration, RejectsMalformed) {
  for (std::string_view bad :
       {"", "d", "-1d", "+1d", "1y", "1.5d", "1 d", "99999999999999d", "d1", "0x10s"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace keep
