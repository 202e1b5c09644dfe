#include "keys/barrier.h"

#include "crypto/random.h"
#include "keys/test_util.h"

namespace keep::keys {
namespace {

using testing::TempStore;

crypto::SecretBytes RootKey() {
  return *crypto::RandomSecret(32);
}

TEST(Barrier, InitializeUnsealSealLifecycle) {
  TempStore ts;
  Barrier b(ts.store());
  EXPECT_FALSE(*b.IsInitialized());
  EXPECT_TRUE(b.IsSealed());
  EXPECT_EQ(b.Get("x").status().reason(), "sealed");
  auto root = RootKey();
  ASSERT_TRUE(b.Initialize(root).ok());
  EXPECT_EQ(b.Initialize(root).reason(), "already_initialized");
  EXPECT_FALSE(b.IsSealed());
  const BarrierWrite w{store::WriteOp::Kind::kPut, "a/b", AsBytes("secret value")};
  ASSERT_TRUE(b.Commit({&w, 1}).ok());
  b.Seal();
  EXPECT_TRUE(b.IsSealed());
  EXPECT_EQ(b.Commit({&w, 1}).reason(), "sealed");
  EXPECT_EQ(b.Unseal(RootKey()).reason(), "sealed") << "a wrong root key must not open";
  ASSERT_TRUE(b.Unseal(root).ok());
  auto v = b.Get("a/b");
  ASSERT_TRUE(v.ok() && v->has_value());
  EXPECT_TRUE((*v)->Equals(AsBytes("secret value")));
}

TEST(Barrier, StoreSeesOnlyCiphertextAndPathsAreBound) {
  TempStore ts;
  Barrier b(ts.store());
  auto root = RootKey();
  ASSERT_TRUE(b.Initialize(root).ok());
  const std::string marker = "PLAINTEXT-MARKER-0123456789";
  const BarrierWrite w{store::WriteOp::Kind::kPut, "rec/one", AsBytes(marker)};
  ASSERT_TRUE(b.Commit({&w, 1}).ok());
  EXPECT_FALSE(testing::Contains(ts.RawFiles(), AsBytes(marker)));
  EXPECT_FALSE(testing::Contains(ts.RawFiles(), root.view()));
  // Copying the stored bytes to another path must not authenticate there.
  auto raw = ts.store().Get("rec/one");
  ASSERT_TRUE(raw.ok() && raw->has_value());
  store::WriteOp copy{store::WriteOp::Kind::kPut, "rec/two", **raw};
  ASSERT_TRUE(ts.store().Commit({&copy, 1}).ok());
  EXPECT_EQ(b.Get("rec/two").status().code(), Code::kDataLoss);
  // A flipped byte is detected.
  Bytes bad = **raw;
  bad.back() ^= 1;
  store::WriteOp tamper{store::WriteOp::Kind::kPut, "rec/one", bad};
  ASSERT_TRUE(ts.store().Commit({&tamper, 1}).ok());
  EXPECT_EQ(b.Get("rec/one").status().code(), Code::kDataLoss);
}

TEST(Barrier, RotationKeepsOldRecordsReadable) {
  TempStore ts;
  Barrier b(ts.store());
  auto root = RootKey();
  ASSERT_TRUE(b.Initialize(root).ok());
  const BarrierWrite old_w{store::WriteOp::Kind::kPut, "old", AsBytes("1")};
  ASSERT_TRUE(b.Commit({&old_w, 1}).ok());
  EXPECT_EQ(*b.Rotate(), 2u);
  const BarrierWrite new_w{store::WriteOp::Kind::kPut, "new", AsBytes("2")};
  ASSERT_TRUE(b.Commit({&new_w, 1}).ok());
  auto raw = ts.store().Get("new");
  EXPECT_EQ(GetU32((*raw)->data() + 1), 2u) << "new records use the new term";
  Barrier reopened(ts.store());
  ASSERT_TRUE(reopened.Unseal(root).ok());
  EXPECT_EQ(reopened.ActiveTerm(), 2u);
  EXPECT_TRUE((*reopened.Get("old"))->Equals(AsBytes("1")));
  EXPECT_TRUE((*reopened.Get("new"))->Equals(AsBytes("2")));
}

}  // namespace
}  // namespace keep::keys
