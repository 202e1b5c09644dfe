// Every `keep` command against a server that answers nonsense (issue 12.12): an object
// with missing or mistyped fields, an array, a string, broken JSON, an empty body, HTML
// from a proxy, an error without a code. Each must end with exit status 1 and a message
// on stderr — never an uncaught exception (abort, status 134) or a crash.
// libkeep's typed client meets the same server: bad_answer naming the field, and failover
// past a 503 for idempotent calls only.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "harness.h"

namespace keep::testing {
namespace {

namespace fs = std::filesystem;

class HostileServer : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/keep-hostile-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    Set(200, "{}");
    auto certs = Shell(dir_,
                       "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                       "-days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
                       "-keyout key.pem -out cert.pem 2>/dev/null");
    ASSERT_EQ(certs.exit_code, 0) << certs.err;
    const std::string py = fs::current_path().string() + "/tests/interop/fake_server.py";
    auto started = Shell(dir_, "/usr/bin/python3 " + py + " " + dir_ +
                                   " cert.pem key.pem >server.log 2>&1 & echo $! > server.pid");
    ASSERT_EQ(started.exit_code, 0);
    for (int i = 0; i < 100 && !fs::exists(dir_ + "/port"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(fs::exists(dir_ + "/port")) << Slurp(dir_ + "/server.log");
    env_ = {"KEEP_ADDR=https://127.0.0.1:" + Trimmed(Slurp(dir_ + "/port")),
            "KEEP_CACERT=" + dir_ + "/cert.pem", "KEEP_TOKEN=keep_not-a-token"};
  }
  void TearDown() override {
    const std::string pid = Trimmed(Slurp(dir_ + "/server.pid"));
    if (!pid.empty()) ::kill(std::stoi(pid), SIGTERM);
    fs::remove_all(dir_);
  }
  void Set(int status, const std::string& body) {
    std::ofstream(dir_ + "/status", std::ios::trunc) << status;
    std::ofstream(dir_ + "/body", std::ios::trunc | std::ios::binary) << body;
  }

  std::string dir_;
  std::vector<std::string> env_;
};

TEST_F(HostileServer, EveryCommandFailsCleanlyOnNonsense) {
  std::ofstream(dir_ + "/in.txt") << "hello";
  std::ofstream(dir_ + "/policy.json") << R"({"rules":[]})";
  std::ofstream(dir_ + "/trail.log") << "";
  const std::vector<std::string> commands = {
      "status",
      "key create k",
      "key list",
      "key show k",
      "key rotate k",
      "key set k --enable",
      "key delete k",
      "key undelete k",
      "encrypt --key k --in in.txt",
      "decrypt --in in.txt",
      "rewrap --key k --in in.txt",
      "datakey --key k",
      "random 16",
      "token create -p p",
      "token list",
      "token lookup",
      "token revoke --self",
      "policy write p policy.json",
      "policy list",
      "policy read p",
      "lockdown list",
      "audit hash token:0123456789abcdef",
      "audit public-key",
      "audit verify trail.log",
      "operator init --shares 1 --threshold 1",
      "operator unseal kshare1-x",
      "operator rotate",
      "operator rekey status",
      "operator rekey init --shares 1 --threshold 1",
      "operator rekey submit --nonce n kshare1-x",
      "file encrypt --key k in.txt -o out.keep",
  };
  const std::vector<std::pair<int, std::string>> answers = {
      {200, "{}"},
      {200, "[]"},
      {200, "\"text\""},
      {200,
       "{\"keys\":5,\"next\":7,\"tokens\":{},\"policies\":[1],\"sealed\":\"no\","
       "\"initialized\":null,\"seal_type\":[],\"name\":{},\"ciphertext\":3,\"plaintext\":"
       "false,\"shares\":\"x\",\"started\":\"yes\",\"complete\":1,\"term\":\"t\","
       "\"identities\":[1],\"public_key\":5,\"hmac\":[],\"random\":{},\"revoked\":\"a\"}"},
      {200, "{\"a\":"},
      {200, ""},
      {200, "null"},
      {502, "<html><body>Bad Gateway</body></html>"},
      {500, "{\"error\":{\"code\":5,\"message\":[]}}"},
      {503, "{\"error\":\"sealed\"}"},
  };
  int ran = 0;
  for (const auto& [status, body] : answers) {
    Set(status, body);
    // The 31 commands run at once (each into its own files), then are checked one by one.
    std::string script;
    for (size_t i = 0; i < commands.size(); ++i) {
      const std::string n = std::to_string(i);
      script += "( $KEEP " + commands[i] + " </dev/null >out" + n + " 2>err" + n + "; echo $? >rc" +
                n + " ) &\n";
    }
    script += "wait\n";
    ASSERT_EQ(Shell(dir_, script, env_).exit_code, 0);
    for (size_t i = 0; i < commands.size(); ++i) {
      const std::string& cmd = commands[i];
      const std::string n = std::to_string(i);
      const int rc = std::stoi("0" + Trimmed(Slurp(dir_ + "/rc" + n)));
      const std::string err = Slurp(dir_ + "/err" + n);
      SCOPED_TRACE(cmd + " ← " + std::to_string(status) + " " + body.substr(0, 40));
      ++ran;
      // policy write reads nothing from a 2xx answer: success is a fair reading of one.
      if (cmd.rfind("policy write", 0) == 0 && status == 200) continue;
      EXPECT_TRUE(rc == 1 || rc == 2) << "exit " << rc << "\n" << err;
      EXPECT_NE(rc, 134) << "aborted";
      EXPECT_NE(err.find("keep: "), std::string::npos) << err;
      EXPECT_EQ(err.find("terminate called"), std::string::npos) << err;
      EXPECT_EQ(err.find("unexpected error"), std::string::npos)
          << "only the last line of defence caught it: " << err;
    }
  }
  EXPECT_EQ(ran, static_cast<int>(commands.size() * answers.size()));
}

}  // namespace
}  // namespace keep::testing

namespace keep::testing {
namespace {

// libkeep's typed client against the same hostile server: every malformed answer is
// bad_answer naming the field, never a crash; and a server answering 503 is failed over
// for idempotent calls only.
TEST_F(HostileServer, TypedClientRefusesMalformedAnswersAndFailsOverPast503) {
  ClientOptions o;
  o.address = "https://127.0.0.1:" + Trimmed(Slurp(dir_ + "/port"));
  o.ca_cert_file = dir_ + "/cert.pem";
  o.backoff_initial_ms = 1;
  auto c = Client::Create(o);
  ASSERT_TRUE(c.ok());
  Set(200, "{}");
  auto k = (*c)->GetKey("k");
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().reason(), "bad_answer");
  EXPECT_NE(k.status().message().find("'name' is missing"), std::string::npos);
  Set(200, "not json");
  EXPECT_EQ((*c)->Encrypt("k", "x").status().reason(), "bad_answer");
  Set(200, R"({"plaintext":"!!","key":"k","version":1})");
  auto d = (*c)->Decrypt("k", "keep:x");
  EXPECT_NE(d.status().message().find("'plaintext' is not base64"), std::string::npos)
      << d.status().ToString();
  Set(200, R"({"batch":[{"ciphertext":"keep:a","key":"k","version":1}]})");
  const std::vector<EncryptItem> two = {{"a", {}, {}}, {"b", {}, {}}};
  EXPECT_EQ((*c)->EncryptBatch("k", two).status().reason(), "bad_answer");
  Set(200, R"({"keys":[1,2]})");
  EXPECT_EQ((*c)->ListKeys().status().reason(), "bad_answer");
  Set(418, R"({"error":{"code":"context_mismatch","message":"no"}})");
  EXPECT_EQ((*c)->Decrypt("k", "keep:x").status().reason(), "context_mismatch");

  // Failover: this server answers 503, a real keepd stands behind it.
  Keepd real;
  real.Start();
  ASSERT_TRUE(real.NewClient()->CreateKey({"k"}).ok());
  Set(503, R"({"error":{"code":"sealed","message":"keep is sealed"}})");
  o.addresses = {o.address, real.addr()};
  o.token = real.token();
  o.ca_cert_file.clear();
  // Two CAs: the fake's self-signed certificate and keepd's dev CA, in one bundle.
  std::ofstream(dir_ + "/both.pem") << Slurp(dir_ + "/cert.pem") << Slurp(real.ca());
  o.ca_cert_file = dir_ + "/both.pem";
  auto both = Client::Create(o);
  ASSERT_TRUE(both.ok());
  auto created = (*both)->CreateKey({"other"});  // not idempotent: the 503 is the answer
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().reason(), "sealed");
  auto e = (*both)->Encrypt("k", "x");  // idempotent: on to the next server
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  // The server that answered is tried first from now on, for every call.
  EXPECT_TRUE((*both)->CreateKey({"other"}).ok());
}

}  // namespace
}  // namespace keep::testing
