// keepd's log as JSON lines (log.format = "json"): every line one JSON object with time,
// level and msg, request lines with the request's id; and no secret in it.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "harness.h"

namespace keep::testing {
namespace {

namespace json = boost::json;

TEST(Logs, JsonLinesCarryTheRequestIdAndNoSecret) {
  // The audit records go to the log (at debug), so each request writes a line inside its
  // request's scope.
  Keepd server("", "", "", "",
               "[log]\nlevel = \"debug\"\nformat = \"json\"\n[audit]\ntype = \"log\"\n");
  server.Start();
  auto c = server.NewClient();
  ASSERT_EQ(c->Send("POST", "/v1/keys", R"({"name":"l"})")->status, 201);
  const std::string plaintext = "the quick brown fox, a secret";
  server.NeverLog(plaintext);
  server.NeverLog("dGhlIHF1aWNrIGJyb3duIGZveCwgYSBzZWNyZXQ=");  // its base64
  auto enc = c->Send("POST", "/v1/keys/l/encrypt",
                     R"({"plaintext":"dGhlIHF1aWNrIGJyb3duIGZveCwgYSBzZWNyZXQ="})");
  ASSERT_EQ(enc->status, 200);
  const std::string request_id = enc->request_id;
  ASSERT_FALSE(request_id.empty());
  EXPECT_EQ(c->Send("GET", "/v1/keys/missing", "")->status, 404);
  server.Stop();

  const std::string text = server.log();
  std::istringstream lines(text);
  int n = 0;
  bool found_request = false;
  for (std::string line; std::getline(lines, line);) {
    ++n;
    json::error_code ec;
    json::value v = json::parse(line, ec);
    ASSERT_FALSE(ec) << "not JSON: " << line;
    ASSERT_TRUE(v.is_object()) << line;
    const json::object& o = v.as_object();
    for (const char* f : {"time", "level", "msg"}) {
      ASSERT_TRUE(o.contains(f) && o.at(f).is_string()) << f << " missing: " << line;
    }
    const std::string level(o.at("level").as_string());
    EXPECT_TRUE(level == "debug" || level == "info" || level == "warn" || level == "error") << line;
    const std::string time(o.at("time").as_string());
    EXPECT_EQ(time.size(), 24u) << line;  // 2026-12-02T04:12:47.123Z
    EXPECT_EQ(time.back(), 'Z') << line;
    if (o.contains("request_id") && o.at("request_id").as_string() == request_id) {
      found_request = true;
      EXPECT_NE(std::string(o.at("msg").as_string()).find("op=encrypt"), std::string::npos) << line;
    }
  }
  EXPECT_GE(n, 3);
  EXPECT_TRUE(found_request) << "no line with request_id " << request_id << ":\n" << text;
  EXPECT_EQ(server.LeakedSecret(), "");
}

// The check every Keepd runs on its log when destroyed finds what it is meant to find.
TEST(Logs, TheLeakCheckFindsTokensAndRegisteredSecrets) {
  Keepd server;  // never started: only its directory is used
  const std::string log = server.dir() + "/keepd.log";
  std::ofstream(log) << "2026-12-02T00:00:00.000Z info keep_http_connections fell\n";
  EXPECT_EQ(server.LeakedSecret(), "");
  std::ofstream(log, std::ios::app) << "token keep_" << std::string(43, 'A') << " seen\n";
  EXPECT_NE(server.LeakedSecret(), "");
  std::ofstream(log) << "a plaintext: hunter2 in a line\n";
  EXPECT_EQ(server.LeakedSecret(), "");
  server.NeverLog("hunter2");
  EXPECT_EQ(server.LeakedSecret(), "a registered secret");
  std::ofstream(log) << "clean\n";  // so that the destructor's own check passes
}

}  // namespace
}  // namespace keep::testing
