// Snapshots of a real SQLite store: what the online backup copies, and every way a
// snapshot file can be wrong refused with its reason (never a crash, never accepted).
#include "store/snapshot.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <filesystem>
#include <string>

#include "store/sqlite_store.h"

namespace keep::store {
namespace {

namespace fs = std::filesystem;

const std::string kDeployment = "0123456789abcdef0123456789abcdef";

Bytes Db() {
  const fs::path dir = fs::temp_directory_path() / ("keep-snap-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto st = OpenSqliteStore((dir / "k.db").string());
  EXPECT_TRUE(st.ok());
  const std::string v = "value";
  const WriteOp op{WriteOp::Kind::kPut, "a/b", Bytes(v.begin(), v.end())};
  EXPECT_TRUE((*st)->Commit({&op, 1}).ok());
  auto snap = (*st)->Snapshot();
  EXPECT_TRUE(snap.ok()) << snap.status();
  fs::remove_all(dir);
  return snap.ok() ? *snap : Bytes{};
}

SnapshotInfo Info() {
  SnapshotInfo i;
  i.created = 1764650000;
  i.deployment = kDeployment;
  i.keep_version = "0.1.0";
  i.keyring_term = 3;
  i.schema = 1;
  return i;
}

// Re-seals `b` with a correct checksum, so that checks behind the checksum are reached.
Bytes Rechecksum(Bytes b) {
  b.resize(b.size() - 32);
  uint8_t md[32];
  unsigned int len = 0;
  EVP_Digest(b.data(), b.size(), md, &len, EVP_sha256(), nullptr);
  b.insert(b.end(), md, md + 32);
  return b;
}

// A snapshot whose header is `header` (checksum correct).
Bytes WithHeader(const std::string& header, const Bytes& db) {
  Bytes b = {'K', 'E', 'E', 'P', 'S', 'N', 'A', 'P', 1};
  const auto h = static_cast<uint32_t>(header.size());
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(h >> s));
  b.insert(b.end(), header.begin(), header.end());
  b.insert(b.end(), db.begin(), db.end());
  b.resize(b.size() + 32);
  return Rechecksum(b);
}

std::string Reason(const Bytes& b) {
  auto s = DecodeSnapshot(b);
  return s.ok() ? "accepted" : s.status().message();
}

TEST(Snapshot, RoundTripsARealDatabase) {
  const Bytes db = Db();
  ASSERT_GE(db.size(), 512u);
  auto enc = EncodeSnapshot(Info(), db);
  ASSERT_TRUE(enc.ok()) << enc.status();
  auto dec = DecodeSnapshot(*enc);
  ASSERT_TRUE(dec.ok()) << dec.status();
  EXPECT_EQ(dec->info.deployment, kDeployment);
  EXPECT_EQ(dec->info.keyring_term, 3);
  EXPECT_EQ(dec->info.schema, 1);
  EXPECT_EQ(dec->info.created, 1764650000);
  EXPECT_EQ(dec->info.database_bytes, db.size());
  EXPECT_EQ(Bytes(dec->database.begin(), dec->database.end()), db);
  EXPECT_EQ(SnapshotChecksum(*enc).size(), 64u);
  EXPECT_FALSE(EncodeSnapshot(Info(), Bytes(1024, 0)).ok()) << "not a SQLite file";
}

TEST(Snapshot, EveryCorruptionIsRefusedWithItsReason) {
  const Bytes db = Db();
  const Bytes good = *EncodeSnapshot(Info(), db);
  // Any single flipped byte: the magic, the header, the database or the checksum.
  for (size_t i = 0; i < good.size(); i += (i < 200 ? 1 : 997)) {
    Bytes b = good;
    b[i] ^= 0x20;
    EXPECT_NE(Reason(b), "accepted") << "byte " << i;
  }
  // Every truncation (coarsely through the database).
  for (size_t n = 0; n < good.size(); n += (n < 200 ? 1 : 331)) {
    EXPECT_NE(Reason(Bytes(good.begin(), good.begin() + n)), "accepted") << n;
  }
  EXPECT_NE(Reason(good).find("accepted"), std::string::npos);
  EXPECT_NE(Reason(Bytes(good.begin(), good.end() - 1)).find("checksum"), std::string::npos);
  Bytes bit = good;
  bit[good.size() / 2] ^= 1;
  EXPECT_NE(Reason(bit).find("corrupt"), std::string::npos);
  EXPECT_NE(Reason(Bytes{'P', 'K', 3, 4}).find("KEEPSNAP"), std::string::npos);
  Bytes v2 = good;
  v2[8] = 2;
  EXPECT_NE(Reason(Rechecksum(v2)).find("version 2"), std::string::npos);
  Bytes huge = good;
  huge[9] = 0x7f;
  EXPECT_NE(Reason(Rechecksum(huge)).find("header length"), std::string::npos);
}

TEST(Snapshot, HeadersThatLieOrMissFieldsAreRefused) {
  const Bytes db = Db();
  const std::string rest =
      R"("keep_version":"0.1.0","keyring_term":1,"schema":1,"backend":"sqlite")";
  auto header = [&](const std::string& deployment, uint64_t bytes) {
    return R"({"created":1,"deployment":")" + deployment + R"(",)" + rest +
           R"(,"database_bytes":)" + std::to_string(bytes) + "}";
  };
  EXPECT_EQ(Reason(WithHeader(header(kDeployment, db.size()), db)), "accepted");
  EXPECT_NE(Reason(WithHeader(header(kDeployment, db.size() + 1), db)).find("length"),
            std::string::npos);
  EXPECT_NE(Reason(WithHeader(header("NOTHEX", db.size()), db)).find("deployment"),
            std::string::npos);
  EXPECT_NE(Reason(WithHeader("[1,2]", db)).find("JSON object"), std::string::npos);
  EXPECT_NE(Reason(WithHeader("{\"created\":1", db)).find("JSON"), std::string::npos);
  EXPECT_NE(Reason(WithHeader(R"({"created":"yesterday"})", db)).find("created"),
            std::string::npos);
  EXPECT_NE(Reason(WithHeader(R"({"created":-5})", db)).find("negative"), std::string::npos);
  const std::string pg =
      R"({"created":1,"deployment":")" + kDeployment +
      R"(","keep_version":"x","keyring_term":1,"schema":1,"backend":"postgres","database_bytes":)" +
      std::to_string(db.size()) + "}";
  EXPECT_NE(Reason(WithHeader(pg, db)).find("postgres"), std::string::npos);
  Bytes not_sqlite(db.size(), 'x');
  EXPECT_NE(Reason(WithHeader(header(kDeployment, not_sqlite.size()), not_sqlite)).find("SQLite"),
            std::string::npos);
}

}  // namespace
}  // namespace keep::store
