// Store conformance suite: every backend must pass the same tests. Backends are
// listed in kBackends; each gets a fresh, empty store per test.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <libpq-fe.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include "store/postgres_store.h"
#include "store/sqlite_store.h"
#include "store/testing/pg_server.h"

namespace keep::store {
namespace {

namespace fs = std::filesystem;

struct Backend {
  std::string name;
  std::function<Result<std::unique_ptr<Store>>(const fs::path& dir)> open;
};

// PostgreSQL: a fresh database on the shared test cluster per test directory (the
// connection string is kept in the directory so a reopen finds the same database).
Result<std::unique_ptr<Store>> OpenPostgresForTest(const fs::path& dir) {
  auto& pg = testing::PgServer::Shared();
  if (!pg.error().empty()) return Unavailable("store_unavailable", pg.error());
  const fs::path file = dir / "pg.conninfo";
  std::string conninfo;
  if (fs::exists(file)) {
    std::ifstream in(file);
    std::getline(in, conninfo);
  } else {
    conninfo = pg.CreateDatabase();
    if (conninfo.empty()) return Unavailable("store_unavailable", "CREATE DATABASE failed");
    std::ofstream(file) << conninfo;
  }
  return OpenPostgresStore(conninfo, 4);
}

const Backend kBackends[] = {
    {"sqlite", [](const fs::path& dir) { return OpenSqliteStore((dir / "keep.db").string()); }},
    {"postgres", OpenPostgresForTest},
};

class StoreConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("keep-store-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto s = GetParam().open(dir_);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(s).value();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  Status Put(const std::string& p, const std::string& v) {
    WriteOp op{WriteOp::Kind::kPut, p, Bytes(v.begin(), v.end())};
    return store_->Commit({&op, 1});
  }
  std::string GetStr(const std::string& p) {
    auto r = store_->Get(p);
    EXPECT_TRUE(r.ok());
    if (!r.ok() || !r->has_value()) return "<none>";
    return std::string((*r)->begin(), (*r)->end());
  }

  static inline int counter_ = 0;
  fs::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreConformance, GetPutOverwriteDelete) {
  EXPECT_EQ(GetStr("a"), "<none>");
  ASSERT_TRUE(Put("a", "1").ok());
  EXPECT_EQ(GetStr("a"), "1");
  ASSERT_TRUE(Put("a", "2").ok());
  EXPECT_EQ(GetStr("a"), "2");
  ASSERT_TRUE(Put("empty", "").ok());
  EXPECT_EQ(GetStr("empty"), "");
  WriteOp del{WriteOp::Kind::kDelete, "a", {}};
  ASSERT_TRUE(store_->Commit({&del, 1}).ok());
  EXPECT_EQ(GetStr("a"), "<none>");
  ASSERT_TRUE(store_->Commit({&del, 1}).ok()) << "deleting a missing path is not an error";
}

TEST_P(StoreConformance, BatchIsAtomicAndCreateConflicts) {
  ASSERT_TRUE(Put("x", "old").ok());
  std::vector<WriteOp> ops = {{WriteOp::Kind::kPut, "y", {1}},
                              {WriteOp::Kind::kPut, "x", {2}},
                              {WriteOp::Kind::kCreate, "x", {3}}};
  Status s = store_->Commit(ops);
  EXPECT_EQ(s.code(), Code::kAlreadyExists);
  EXPECT_EQ(GetStr("x"), "old") << "a failed batch must leave nothing behind";
  EXPECT_EQ(GetStr("y"), "<none>");
  ops.pop_back();
  ASSERT_TRUE(store_->Commit(ops).ok());
  WriteOp create{WriteOp::Kind::kCreate, "z", {9}};
  EXPECT_TRUE(store_->Commit({&create, 1}).ok());
  EXPECT_EQ(store_->Commit({&create, 1}).code(), Code::kAlreadyExists);
}

TEST_P(StoreConformance, RewriteOnlyReplacesTheExpectedValue) {
  ASSERT_TRUE(Put("r", "v1").ok());
  auto B = [](const std::string& v) { return Bytes(v.begin(), v.end()); };
  WriteOp ok{WriteOp::Kind::kRewrite, "r", B("v2"), B("v1")};
  ASSERT_TRUE(store_->Commit({&ok, 1}).ok());
  EXPECT_EQ(GetStr("r"), "v2");
  // A stale expectation (someone else wrote in between) fails the whole batch.
  std::vector<WriteOp> ops = {{WriteOp::Kind::kPut, "other", B("x"), {}},
                              {WriteOp::Kind::kRewrite, "r", B("v3"), B("v1")}};
  Status s = store_->Commit(ops);
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_EQ(s.reason(), "conflict");
  EXPECT_EQ(GetStr("r"), "v2");
  EXPECT_EQ(GetStr("other"), "<none>") << "a failed batch must leave nothing behind";
  // A missing record is a conflict too: a rewrite never creates.
  WriteOp missing{WriteOp::Kind::kRewrite, "gone", B("v"), B("v")};
  EXPECT_EQ(store_->Commit({&missing, 1}).code(), Code::kFailedPrecondition);
  EXPECT_EQ(GetStr("gone"), "<none>");
}

TEST_P(StoreConformance, ListWithPrefixAndPagination) {
  for (int i = 0; i < 25; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "keys/k%02d", i);
    ASSERT_TRUE(Put(name, std::to_string(i)).ok());
  }
  ASSERT_TRUE(Put("keyz", "no").ok());
  ASSERT_TRUE(Put("a/other", "no").ok());
  std::vector<std::string> all;
  std::string after;
  for (;;) {
    auto page = store_->List("keys/", after, 10);
    ASSERT_TRUE(page.ok());
    for (auto& r : *page) all.push_back(r.path);
    if (page->size() < 10) break;
    after = page->back().path;
  }
  ASSERT_EQ(all.size(), 25u);
  EXPECT_EQ(all.front(), "keys/k00");
  EXPECT_EQ(all.back(), "keys/k24");
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  auto none = store_->List("nothing/", "", 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_P(StoreConformance, LargeValues) {
  Bytes big(8 << 20);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 131);
  WriteOp op{WriteOp::Kind::kPut, "big", big};
  ASSERT_TRUE(store_->Commit({&op, 1}).ok());
  auto r = store_->Get("big");
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ(**r, big);
}

TEST_P(StoreConformance, ConcurrentWriters) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 100; ++i) {
        EXPECT_TRUE(Put("c/" + std::to_string(t) + "/" + std::to_string(i), "v").ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  auto r = store_->List("c/", "", 1000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 400u);
}

TEST_P(StoreConformance, ConcurrentCreateHasOneWinner) {
  std::atomic<int> wins{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      WriteOp op{WriteOp::Kind::kCreate, "race", {1}};
      Status s = store_->Commit({&op, 1});
      if (s.ok())
        ++wins;
      else if (s.code() == Code::kAlreadyExists)
        ++conflicts;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(conflicts.load(), 3);
}

TEST_P(StoreConformance, RejectsBadPaths) {
  EXPECT_EQ(Put("", "v").code(), Code::kInvalidArgument);
  EXPECT_EQ(Put("has space", "v").code(), Code::kInvalidArgument);
  EXPECT_EQ(Put(std::string(513, 'a'), "v").code(), Code::kInvalidArgument);
  EXPECT_EQ(Put(std::string("nul\0", 4), "v").code(), Code::kInvalidArgument);
}

TEST_P(StoreConformance, PersistsAcrossReopen) {
  ASSERT_TRUE(Put("persist", "yes").ok());
  store_.reset();
  auto s = GetParam().open(dir_);
  ASSERT_TRUE(s.ok());
  store_ = std::move(s).value();
  EXPECT_EQ(GetStr("persist"), "yes");
  EXPECT_EQ(store_->SchemaVersion(), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance, ::testing::ValuesIn(kBackends),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(SqliteStore, RefusesNewerSchema) {
  auto dir = fs::temp_directory_path() / ("keep-schema-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "keep.db").string();
  { ASSERT_TRUE(OpenSqliteStore(path).ok()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE schema_version SET version = 999;", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto r = OpenSqliteStore(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "schema_too_new");
  fs::remove_all(dir);
}

TEST(PostgresStore, RefusesNewerSchemaAndReportsUnreachableServers) {
  auto& pg = testing::PgServer::Shared();
  ASSERT_EQ(pg.error(), "");
  const std::string conninfo = pg.CreateDatabase();
  ASSERT_FALSE(conninfo.empty());
  { ASSERT_TRUE(OpenPostgresStore(conninfo).ok()); }
  {
    std::unique_ptr<PGconn, void (*)(PGconn*)> c(PQconnectdb(conninfo.c_str()), PQfinish);
    std::unique_ptr<PGresult, void (*)(PGresult*)> r(
        PQexec(c.get(), "UPDATE schema_version SET version = 999"), PQclear);
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK);
  }
  auto newer = OpenPostgresStore(conninfo);
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.status().reason(), "schema_too_new");
  auto down = OpenPostgresStore("host=127.0.0.1 port=1 dbname=x user=x connect_timeout=2");
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), Code::kUnavailable);
  EXPECT_FALSE(OpenPostgresStore(conninfo, 0).ok());
}

TEST(PostgresStore, ChangeFeedSeesOtherNodesCommitsOnly) {
  auto& pg = testing::PgServer::Shared();
  ASSERT_EQ(pg.error(), "");
  const std::string conninfo = pg.CreateDatabase();
  auto node_a = OpenPostgresStore(conninfo, 2);
  auto node_b = OpenPostgresStore(conninfo, 2);
  ASSERT_TRUE(node_a.ok() && node_b.ok());
  auto feed = (*node_a)->Watch();
  ASSERT_TRUE(feed.ok()) << feed.status();
  std::vector<WriteOp> ops = {{WriteOp::Kind::kPut, "keymeta/x", {1}},
                              {WriteOp::Kind::kPut, "keymat/x/0000000001", {2}}};
  ASSERT_TRUE((*node_b)->Commit(ops).ok());
  std::set<std::string> seen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (seen.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    auto paths = (*feed)->Wait(100);
    ASSERT_TRUE(paths.ok());
    seen.insert(paths->begin(), paths->end());
  }
  EXPECT_EQ(seen, (std::set<std::string>{"keymeta/x", "keymat/x/0000000001"}))
      << "another node's commit arrives within a second";
  // A failed (rolled back) transaction notifies nothing.
  std::vector<WriteOp> failing = {{WriteOp::Kind::kPut, "other/y", {1}},
                                  {WriteOp::Kind::kCreate, "keymeta/x", {3}}};
  EXPECT_EQ((*node_b)->Commit(failing).code(), Code::kAlreadyExists);
  auto none = (*feed)->Wait(300);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto sqlite_feed = OpenSqliteStore(
      (fs::temp_directory_path() / ("keep-feed-" + std::to_string(::getpid()) + ".db")).string());
  ASSERT_TRUE(sqlite_feed.ok());
  EXPECT_EQ((*sqlite_feed)->Watch().status().code(), Code::kUnimplemented);
  fs::remove(fs::temp_directory_path() / ("keep-feed-" + std::to_string(::getpid()) + ".db"));
}

TEST(PostgresStore, TlsToTheDatabaseIsVerified) {
  testing::PgServer pg(/*fsync=*/false, /*tls=*/true);
  ASSERT_EQ(pg.error(), "");
  const std::string base = pg.ConnInfo() + " sslmode=verify-full sslrootcert=";
  auto store = OpenPostgresStore(base + pg.ca_file(), 1);
  ASSERT_TRUE(store.ok()) << store.status();
  WriteOp op{WriteOp::Kind::kPut, "tls/check", {1, 2, 3}};
  ASSERT_TRUE((*store)->Commit({&op, 1}).ok());
  {  // the session really is encrypted
    std::unique_ptr<PGconn, void (*)(PGconn*)> c(PQconnectdb((base + pg.ca_file()).c_str()),
                                                 PQfinish);
    ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK);
    EXPECT_EQ(PQsslInUse(c.get()), 1);
  }
  // A certificate that does not chain to the configured root is refused.
  const std::string other =
      (fs::temp_directory_path() / ("keep-other-ca-" + std::to_string(::getpid()) + ".pem"))
          .string();
  ASSERT_EQ(std::system(("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                         "-days 1 -subj /CN=other -keyout /dev/null -out " +
                         other + " 2>/dev/null")
                            .c_str()),
            0);
  auto refused = OpenPostgresStore(base + other, 1);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kUnavailable);
  fs::remove(other);
}

TEST(SqliteStore, UnopenablePathIsAClearError) {
  auto r = OpenSqliteStore("/nonexistent-dir/keep.db");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace keep::store
