// keepd on a real PostgreSQL (started by the test): the same service end to end, state
// kept across restarts, and nothing but barrier ciphertext in the database.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <boost/json.hpp>
#include <memory>

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

  // The database holds only barrier records (version byte 0x01) and the seal record (public
  // share-set metadata), and no plaintext metadata.
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
    EXPECT_EQ(value[0], '\x01') << PQgetvalue(r.get(), i, 0);
    EXPECT_EQ(value.find(marker), std::string::npos);
    EXPECT_EQ(value.find("pgkey"), std::string::npos) << "names appear only in paths";
  }
}

}  // namespace
}  // namespace keep::testing
