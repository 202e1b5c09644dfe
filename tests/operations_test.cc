// The procedures docs/operations.md promises: online backup with the sqlite3 command it
// shows, restore into a stopped server, and a keepd that never writes core files.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/encoding.h"
#include "harness.h"

namespace keep::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

std::string Encrypt(Client& c, const std::string& key, const std::string& plain) {
  auto r = c.Send("POST", "/v1/keys/" + key + "/encrypt",
                  json::serialize(json::object{{"plaintext", Base64Encode(AsBytes(plain))}}));
  EXPECT_TRUE(r.ok() && r->status == 200);
  return r.ok() ? std::string(json::parse(r->body).at("ciphertext").as_string()) : "";
}

int DecryptStatus(Client& c, const std::string& ct) {
  auto r = c.Send("POST", "/v1/decrypt", json::serialize(json::object{{"ciphertext", ct}}));
  return r.ok() ? r->status : 0;
}

TEST(Operations, OnlineBackupAndRestore) {
  Keepd server;
  server.Start();
  auto c = server.NewClient();
  ASSERT_EQ(c->Send("POST", "/v1/keys", R"({"name":"kept"})")->status, 201);
  const std::string before = Encrypt(*c, "kept", "in the backup");
  // The documented online backup, taken while keepd serves.
  const std::string backup = server.dir() + "/backup.db";
  const std::string cmd = "sqlite3 '" + server.db_path() + "' \".backup '" + backup + "'\"";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  // A key made after the backup is lost by the restore (as the docs warn).
  ASSERT_EQ(c->Send("POST", "/v1/keys", R"({"name":"later"})")->status, 201);
  const std::string after = Encrypt(*c, "later", "not in the backup");
  ASSERT_EQ(server.Stop(), 0);
  fs::copy_file(backup, server.db_path(), fs::copy_options::overwrite_existing);
  fs::remove(server.db_path() + "-wal");
  fs::remove(server.db_path() + "-shm");
  server.Start();
  auto c2 = server.NewClient();
  EXPECT_EQ(DecryptStatus(*c2, before), 200);
  EXPECT_EQ(DecryptStatus(*c2, after), 400) << "the key made after the backup is gone";
  EXPECT_EQ(c2->Send("GET", "/v1/keys/later", "")->status, 404);
}

TEST(Operations, KeepdWritesNoCoreFiles) {
  Keepd server;
  server.Start();
  std::ifstream limits("/proc/" + std::to_string(server.pid()) + "/limits");
  std::stringstream ss;
  ss << limits.rdbuf();
  const std::string text = ss.str();
  const size_t at = text.find("Max core file size");
  ASSERT_NE(at, std::string::npos) << text;
  std::istringstream line(text.substr(at + std::string("Max core file size").size()));
  std::string soft, hard;
  line >> soft >> hard;
  EXPECT_EQ(soft, "0");
  EXPECT_EQ(hard, "0");
}

}  // namespace
}  // namespace keep::testing
