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
  ASSERT_FALSE(bad.empty());
  bad[bad.size() - 1] ^= 1;
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

TEST(Barrier, RekeyReplacesTheRootKeyWithoutDisturbingOtherNodes) {
  TempStore ts;
  Barrier a(ts.store()), b(ts.store());
  auto root = RootKey();
  ASSERT_TRUE(a.Initialize(root).ok());
  ASSERT_TRUE(b.Unseal(root).ok());
  const BarrierWrite w{store::WriteOp::Kind::kPut, "rec", AsBytes("v")};
  ASSERT_TRUE(a.Commit({&w, 1}).ok());
  auto fresh = RootKey();
  ASSERT_TRUE(a.Rekey(fresh, {}).ok());
  EXPECT_EQ(a.CheckRootKey(root).reason(), "sealed") << "the old root key stops working";
  EXPECT_TRUE(a.CheckRootKey(fresh).ok());
  // Node b still holds the keyring key: it keeps working and follows rotations.
  ASSERT_TRUE(a.Rotate().ok());
  ASSERT_TRUE(b.Refresh().ok());
  EXPECT_EQ(b.ActiveTerm(), 2u);
  EXPECT_TRUE((*b.Get("rec"))->Equals(AsBytes("v")));
  b.Seal();
  EXPECT_EQ(b.Unseal(root).reason(), "sealed");
  ASSERT_TRUE(b.Unseal(fresh).ok());
  // Rekey refuses when sealed, and raw records cannot be written through the barrier.
  a.Seal();
  EXPECT_EQ(a.Rekey(RootKey(), {}).reason(), "sealed");
  const BarrierWrite raw{store::WriteOp::Kind::kPut, "core/root", AsBytes("x")};
  EXPECT_EQ(b.Commit({&raw, 1}).code(), Code::kInvalidArgument);
}

TEST(Barrier, ReencryptMovesEveryRecordToTheActiveTerm) {
  TempStore ts;
  Barrier b(ts.store());
  auto root = RootKey();
  ASSERT_TRUE(b.Initialize(root).ok());
  std::vector<std::string> values;
  for (int i = 0; i < 250; ++i) {
    values.push_back("value-" + std::to_string(i));
    const BarrierWrite w{store::WriteOp::Kind::kPut, "r/" + std::to_string(1000 + i),
                         AsBytes(values.back())};
    ASSERT_TRUE(b.Commit({&w, 1}).ok());
  }
  ASSERT_EQ(*b.Rotate(), 2u);
  ASSERT_EQ(*b.Rotate(), 3u);
  auto counts = b.CountByTerm();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ((*counts)[1], 250u);
  EXPECT_EQ(counts->count(3), 0u);
  std::string after;
  size_t rewritten = 0, scanned = 0;
  for (int steps = 0;; ++steps) {
    ASSERT_LT(steps, 100);
    auto step = b.Reencrypt(after, 64);
    ASSERT_TRUE(step.ok()) << step.status().ToString();
    rewritten += step->rewritten;
    scanned += step->scanned;
    EXPECT_EQ(step->unreadable, 0u);
    // A concurrent writer between steps: its record is already under term 3.
    const BarrierWrite w{store::WriteOp::Kind::kPut, "r/1100", AsBytes("changed")};
    ASSERT_TRUE(b.Commit({&w, 1}).ok());
    values[100] = "changed";
    if (step->done) break;
    after = step->last_path;
  }
  EXPECT_GE(rewritten, 249u);
  EXPECT_GE(scanned, 250u);
  counts = b.CountByTerm();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->size(), 1u);
  EXPECT_EQ((*counts)[3], 250u);
  for (int i = 0; i < 250; ++i) {
    auto v = b.Get("r/" + std::to_string(1000 + i));
    ASSERT_TRUE(v.ok() && v->has_value());
    EXPECT_TRUE((*v)->Equals(AsBytes(values[i]))) << i;
  }
  // The old terms stay: a backup taken before the rotation still reads.
  EXPECT_EQ(b.Terms(), (std::vector<uint32_t>{1, 2, 3}));
}

TEST(Barrier, ReencryptNeverOverwritesAConcurrentWrite) {
  TempStore ts;
  Barrier b(ts.store());
  ASSERT_TRUE(b.Initialize(RootKey()).ok());
  const BarrierWrite w{store::WriteOp::Kind::kPut, "k", AsBytes("old")};
  ASSERT_TRUE(b.Commit({&w, 1}).ok());
  auto stale = ts.store().Get("k");
  ASSERT_TRUE(b.Rotate().ok());
  // Simulate the race: the record changes between Reencrypt's read and its write, by
  // making the expected value stale.
  const BarrierWrite w2{store::WriteOp::Kind::kPut, "k", AsBytes("new")};
  ASSERT_TRUE(b.Commit({&w2, 1}).ok());
  store::WriteOp rewrite{store::WriteOp::Kind::kRewrite, "k", Bytes{1, 2, 3}, **stale};
  EXPECT_EQ(ts.store().Commit({&rewrite, 1}).reason(), "conflict");
  EXPECT_TRUE((*b.Get("k"))->Equals(AsBytes("new")));
}

}  // namespace
}  // namespace keep::keys
