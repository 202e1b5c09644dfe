#include "crypto/secret_bytes.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "common/bytes.h"
#include "crypto/random.h"

namespace keep::crypto {
namespace {

TEST(SecretBytes, PrintsRedacted) {
  SecretBytes s = SecretBytes::CopyOf(AsBytes("hunter2"));
  std::ostringstream os;
  os << s;
  EXPECT_EQ(os.str(), "<redacted:7>");
}

TEST(SecretBytes, EqualityAndMove) {
  SecretBytes a = SecretBytes::CopyOf(AsBytes("abc"));
  SecretBytes b = a.Clone();
  EXPECT_TRUE(a == b);
  SecretBytes c = SecretBytes::CopyOf(AsBytes("abd"));
  EXPECT_FALSE(a == c);
  EXPECT_FALSE(a == SecretBytes::CopyOf(AsBytes("ab")));
  SecretBytes moved = std::move(a);
  EXPECT_EQ(moved.size(), 3u);
  EXPECT_EQ(a.size(), 0u);  // NOLINT: moved-from is defined as empty
  moved.Truncate(1);
  EXPECT_TRUE(moved.Equals(AsBytes("a")));
}

TEST(Random, EmptyRequestsAreFine) {
  EXPECT_TRUE(RandomFill({}).ok());
  auto r = RandomSecret(0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 0u);
}

TEST(Random, DistinctAndRightSize) {
  std::set<Bytes> seen;
  for (int i = 0; i < 100; ++i) {
    auto r = RandomSecret(32);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->size(), 32u);
    seen.insert(Bytes(r->view().begin(), r->view().end()));
  }
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace keep::crypto
