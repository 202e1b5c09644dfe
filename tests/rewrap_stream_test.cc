// keep rewrap --stream after a rotation: a stream of ciphertexts, base64 records and JSON
// lines (each with its own context) moved to the latest version — the data unchanged,
// then readable with older versions refused; bad lines written back unchanged and named
// on stderr (exit 1); --rate holds the pace down.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <sstream>

#include "common/encoding.h"
#include "harness.h"
#include "keep/envelope.h"

namespace keep {
namespace {

using testing::Keepd;
using testing::Shell;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(RewrapStream, MovesCiphertextsAndRecordsToTheLatestVersion) {
  Keepd server;
  server.Start();
  auto c = server.NewClient();
  ASSERT_TRUE(c->CreateKey({"orders"}).ok());
  Envelope env(*c, {.key = "orders", .partition_by = std::vector<std::string>{"table"}});
  std::ostringstream input;
  const int kCts = 400, kRecs = 300;
  for (int i = 0; i < kCts; ++i) {
    auto e = c->Encrypt("orders", "ct " + std::to_string(i), {{"table", "cards"}});
    ASSERT_TRUE(e.ok());
    input << e->ciphertext << "\n";
  }
  for (int i = 0; i < kRecs; ++i) {
    const EncryptionContext ctx{{"table", "cards"}, {"row", std::to_string(i)}};
    auto r = env.Encrypt("rec " + std::to_string(i), ctx);
    ASSERT_TRUE(r.ok());
    boost::json::object o{{"record", Base64Encode(AsBytes(*r))},
                          {"context", {{"table", "cards"}, {"row", std::to_string(i)}}}};
    input << boost::json::serialize(o) << "\n";
  }
  input << "not a ciphertext\n";
  ASSERT_TRUE(c->RotateKey("orders").ok());
  std::ofstream(server.dir() + "/in.txt") << input.str();

  auto run = Shell(server.dir(),
                   "$KEEP rewrap --key orders --stream --context table=cards --batch 128 "
                   "< in.txt > out.txt",
                   testing::CliEnv(server));
  EXPECT_EQ(run.exit_code, 1) << run.err;  // one bad line
  EXPECT_NE(run.err.find("line 701: neither a keep ciphertext"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("1 of 701 lines were not rewrapped"), std::string::npos) << run.err;
  const auto out = Lines(testing::Slurp(server.dir() + "/out.txt"));
  ASSERT_EQ(out.size(), 701u);
  EXPECT_EQ(out[700], "not a ciphertext");

  // Only version 2 from now on: every rewrapped line still opens.
  KeyChanges floor;
  floor.min_decryption_version = 2;
  ASSERT_TRUE(c->UpdateKey("orders", floor).ok());
  for (int i = 0; i < kCts; ++i) {
    auto d = c->Decrypt("orders", out[i], {{"table", "cards"}});
    ASSERT_TRUE(d.ok()) << i << ": " << d.status().ToString();
    EXPECT_EQ(d->version, 2u);
    EXPECT_EQ(d->plaintext.view(), "ct " + std::to_string(i));
  }
  Envelope reader(*c, {.key = "orders"});
  for (int i = 0; i < kRecs; ++i) {
    auto line = boost::json::parse(out[kCts + i]).as_object();
    EXPECT_EQ(line.at("context").at("row").as_string(), std::to_string(i));
    auto blob = Base64Decode(std::string_view(line.at("record").as_string()));
    ASSERT_TRUE(blob.ok());
    auto p = reader.Decrypt(AsChars(*blob), {{"table", "cards"}, {"row", std::to_string(i)}});
    ASSERT_TRUE(p.ok()) << i << ": " << p.status().ToString();
    EXPECT_EQ(p->view(), "rec " + std::to_string(i));
  }
  // A line under the old version that was not rewrapped is now refused.
  auto old = Lines(input.str());
  EXPECT_FALSE(c->Decrypt("orders", old[0], {{"table", "cards"}}).ok());
}

TEST(RewrapStream, RateCapsThePace) {
  Keepd server;
  server.Start();
  auto c = server.NewClient();
  ASSERT_TRUE(c->CreateKey({"k"}).ok());
  std::ostringstream input;
  for (int i = 0; i < 300; ++i) input << c->Encrypt("k", "x")->ciphertext << "\n";
  std::ofstream(server.dir() + "/in.txt") << input.str();
  const auto t0 = std::chrono::steady_clock::now();
  auto run = Shell(server.dir(), "$KEEP rewrap --key k --stream --rate 1000 --batch 50 < in.txt",
                   testing::CliEnv(server));
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Lines(run.out).size(), 300u);
  // 300 items at 1,000/s: the last batch may not start before 0.25 s.
  EXPECT_GE(took, std::chrono::milliseconds(250));
}

}  // namespace
}  // namespace keep
