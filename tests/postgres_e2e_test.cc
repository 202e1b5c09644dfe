// keepd on a real PostgreSQL (started by the test): the same service end to end, state
// kept across restarts, and nothing but barrier ciphertext in the database.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <thread>

#include "common/encoding.h"
#include "harness.h"
#include "store/testing/pg_server.h"

namespace keep::testing {
namespace {

namespace json = boost::json;

TEST(PostgresE2E, KeepdServesFromPostgresAndPersists) {
  store::testing::PgServer pg;
  ASSERT_EQ(pg.error(), "");
  const std::string conninfo = pg.CreateDatabase();
  ASSERT_FALSE(conninfo.empty());
  Keepd server("", "backend = \"postgres\"\nconninfo = \"" + conninfo + "\"\npool_size = 4\n");
  server.Start();
  auto c = server.NewClient();
  const std::string marker = "DESCRIPTION-MARKER-7f3a";
  ASSERT_EQ(c->Send("POST", "/v1/keys",
                    json::serialize(json::object{{"name", "pgkey"}, {"description", marker}}))
                ->status,
            201);
  auto enc =
      c->Send("POST", "/v1/keys/pgkey/encrypt",
              json::serialize(json::object{{"plaintext", Base64Encode(AsBytes("on postgres"))}}));
  ASSERT_TRUE(enc.ok() && enc->status == 200) << server.log();
  const std::string ct(json::parse(enc->body).at("ciphertext").as_string());
  ASSERT_EQ(c->Send("POST", "/v1/keys/pgkey/rotate", "")->status, 200);

  ASSERT_EQ(server.Stop(), 0);
  server.Start();
  c = server.NewClient();
  auto dec = c->Send("POST", "/v1/decrypt", json::serialize(json::object{{"ciphertext", ct}}));
  ASSERT_TRUE(dec.ok());
  EXPECT_EQ(dec->status, 200);
  EXPECT_EQ(json::parse(dec->body).at("plaintext").as_string(),
            Base64Encode(AsBytes("on postgres")));
  EXPECT_EQ(json::parse(c->Send("GET", "/v1/keys/pgkey", "")->body).at("latest_version").as_int64(),
            2);

  // The database holds only barrier records (version byte 0x01), the seal record (public
  // share-set metadata) and the deployment id (32 random hex digits, for backups), and no
  // plaintext metadata.
  std::unique_ptr<PGconn, void (*)(PGconn*)> db(PQconnectdb(conninfo.c_str()), PQfinish);
  std::unique_ptr<PGresult, void (*)(PGresult*)> r(
      PQexecParams(db.get(), "SELECT path, value FROM records", 0, nullptr, nullptr, nullptr,
                   nullptr, 1),
      PQclear);
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK);
  ASSERT_GE(PQntuples(r.get()), 4);  // keyring, token key, token, key metadata, versions
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    const std::string value(PQgetvalue(r.get(), i, 1), PQgetlength(r.get(), i, 1));
    EXPECT_EQ(value.find(marker), std::string::npos);
    if (std::string_view(PQgetvalue(r.get(), i, 0)) == "core/seal") {
      EXPECT_EQ(value.substr(0, 12), "{\"version\":1");
      continue;
    }
    if (std::string_view(PQgetvalue(r.get(), i, 0)).starts_with("node/")) {  // heartbeat
      EXPECT_EQ(value.substr(0, 7), "{\"id\":\"") << value;
      continue;
    }
    if (std::string_view(PQgetvalue(r.get(), i, 0)) == "core/deployment") {
      EXPECT_EQ(value.size(), 32u);
      EXPECT_EQ(value.find_first_not_of("0123456789abcdef"), std::string::npos) << value;
      continue;
    }
    EXPECT_EQ(value[0], '\x01') << PQgetvalue(r.get(), i, 0);
    EXPECT_EQ(value.find(marker), std::string::npos);
    EXPECT_EQ(value.find("pgkey"), std::string::npos) << "names appear only in paths";
  }
}

}  // namespace
}  // namespace keep::testing

namespace keep::testing {
namespace {

// Issue 12.9: PostgreSQL goes down. The node still encrypts and decrypts from memory; health
// says "degraded" (200 by default, so a load balancer keeps a node that can serve; the
// codes are chosen by query parameters as with Vault), `keep status` reports the store and
// the replication lag instead of failing, and a write is refused as store_unavailable.
// When the database is back, everything is as before.
TEST(PostgresE2E, ADatabaseOutageIsReportedAsDegradedNotSealed) {
  store::testing::PgServer pg;
  ASSERT_EQ(pg.error(), "");
  const std::string conninfo = pg.CreateDatabase();
  ASSERT_FALSE(conninfo.empty());
  Keepd server("", "backend = \"postgres\"\nconninfo = \"" + conninfo + "\"\npool_size = 2\n");
  server.Start();
  auto c = server.NewClient();
  ASSERT_EQ(c->Send("POST", "/v1/keys", R"({"name":"k"})")->status, 201);
  auto enc = c->Send("POST", "/v1/keys/k/encrypt", R"({"plaintext":"aGk="})");
  ASSERT_EQ(enc->status, 200);
  const std::string ct(json::parse(enc->body).at("ciphertext").as_string());
  auto health = [&](const std::string& query = "") {
    auto h = server.NewClient("")->Send("GET", "/v1/sys/health" + query, "");
    EXPECT_TRUE(h.ok());
    return *h;
  };
  auto before = health();
  EXPECT_EQ(before.status, 200);
  EXPECT_EQ(json::parse(before.body).at("degraded").as_bool(), false);

  ASSERT_EQ(pg.Stop(), "");
  auto h = health();
  EXPECT_EQ(h.status, 200) << h.body;
  const json::object o = json::parse(h.body).as_object();
  EXPECT_TRUE(o.at("degraded").as_bool()) << h.body;
  EXPECT_FALSE(o.at("sealed").as_bool());
  EXPECT_TRUE(o.at("initialized").as_bool());
  EXPECT_FALSE(o.at("store").at("reachable").as_bool());
  EXPECT_EQ(health("?degradedcode=299").status, 299);
  EXPECT_EQ(health("?degradedcode=503&activecode=204").status, 503);
  EXPECT_EQ(health("?sealedcode=42").status, 400);
  // Still serving from memory.
  EXPECT_EQ(c->Send("POST", "/v1/keys/k/encrypt", R"({"plaintext":"aGk="})")->status, 200);
  auto dec = c->Send("POST", "/v1/decrypt", json::serialize(json::object{{"ciphertext", ct}}));
  EXPECT_EQ(dec->status, 200);
  // A write needs the store: refused with a reason the CLI and the docs know.
  auto create = c->Send("POST", "/v1/keys", R"({"name":"k2"})");
  EXPECT_EQ(create->status, 503);
  EXPECT_NE(create->body.find("\"store_unavailable\""), std::string::npos) << create->body;
  auto st = server.Cli({"status"});
  EXPECT_NE(st.out.find("store:       UNREACHABLE"), std::string::npos) << st.out << st.err;
  EXPECT_NE(st.out.find("degraded"), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("replication: DISCONNECTED"), std::string::npos) << st.out;
  EXPECT_EQ(st.err.find("internal"), std::string::npos) << st.err;

  ASSERT_EQ(pg.Start(), "");
  bool back = false;
  for (int i = 0; i < 100 && !back; ++i) {
    auto a = health();
    back = a.status == 200 && !json::parse(a.body).at("degraded").as_bool();
    if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(back) << server.log();
  EXPECT_EQ(c->Send("POST", "/v1/keys", R"({"name":"k2"})")->status, 201);
}

}  // namespace
}  // namespace keep::testing
