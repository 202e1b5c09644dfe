#include "keep/result.h"

#include <gtest/gtest.h>

namespace keep {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  KEEP_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(Result, PropagatesErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().reason(), "bad_request");
  EXPECT_EQ(r.status().message(), "odd");
}

TEST(Result, OkStatusBecomesInternal) {
  Result<int> r{Status::Ok()};
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInternal);
}

TEST(Status, ReasonsAndToString) {
  Status s = FailedPrecondition("key_disabled", "key k is disabled");
  EXPECT_EQ(s.reason(), "key_disabled");
  EXPECT_EQ(s.ToString(), "key_disabled: key k is disabled");
  EXPECT_EQ(Status().reason(), "ok");
}

}  // namespace
}  // namespace keep
