// Every `keep` command against a server that answers nonsense (issue 12.12): an object
// with missing or mistyped fields, an array, a string, broken JSON, an empty body, HTML
// from a proxy, an error without a code. Each must end with exit status 1 and a message
// on stderr — never an uncaught exception (abort, status 134) or a crash.
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
