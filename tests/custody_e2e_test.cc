// Root-key custody end to end: a real keepd with the shamir seal and with the pkcs11
// seal on a real SoftHSM2 token made here, driven through the `keep` binary; rekey and
// keyring rotation while a client keeps encrypting and decrypting.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "common/encoding.h"
#include "harness.h"
#include "store/testing/pg_server.h"

namespace keep::testing {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

std::vector<std::string> Grep(const std::string& text, const std::string& pattern) {
  std::vector<std::string> out;
  std::regex re(pattern);
  for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it) {
    out.push_back((*it)[1].str());
  }
  return out;
}

struct Reply {
  int status = 0;
  json::value body;
};

Reply Call(Client& c, std::string_view method, std::string_view target, const json::value& body) {
  auto r = c.Send(method, target, body.is_null() ? "" : json::serialize(body));
  if (!r.ok()) return {-1, json::value(std::string(r.status().message()))};
  boost::system::error_code ec;
  return {r->status, r->body.empty() ? json::value() : json::parse(r->body, ec)};
}

class Custody : public ::testing::Test {
 protected:
  CliResult Run(const std::vector<std::string>& args, const std::string& in = "") {
    return server_->Cli(args, in);
  }
  std::string Ok(const std::vector<std::string>& args, const std::string& in = "") {
    auto r = Run(args, in);
    EXPECT_EQ(r.exit_code, 0) << args[0] << " " << (args.size() > 1 ? args[1] : "") << ": " << r.err
                              << r.out;
    return r.out;
  }
  // `keep operator init`; keeps the root token where the harness reads it.
  std::vector<std::string> Init(std::vector<std::string> args) {
    args.insert(args.begin(), {"operator", "init"});
    const std::string out = Ok(args, "");
    auto tokens = Grep(out, "root token: (\\S+)");
    EXPECT_EQ(tokens.size(), 1u) << out;
    if (!tokens.empty()) std::ofstream(server_->dir() + "/root-token") << tokens[0] << "\n";
    return Grep(out, "share \\d+(?: \\(for [^)]*\\))?: (\\S+)");
  }
  // `keep status` exits 0 unsealed, 2 sealed or not initialized.
  std::string Status() {
    auto r = Run({"status"});
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 2) << r.exit_code << " " << r.err;
    return r.out;
  }
  std::unique_ptr<Keepd> server_;
};

TEST_F(Custody, ShamirInitRestartUnsealByCustodiansSeal) {
  server_ = std::make_unique<Keepd>("", "", "type = \"shamir\"\n");
  server_->Start();
  EXPECT_NE(Status().find("initialized: false"), std::string::npos);
  auto shares = Init({"--shares", "5", "--threshold", "3"});
  ASSERT_EQ(shares.size(), 5u);
  for (const auto& s : shares) EXPECT_EQ(s.substr(0, 8), "kshare1-");
  Ok({"key", "create", "payroll"});
  const std::string ct = Ok({"encrypt", "--key", "payroll"}, "salary");

  // Restart: sealed until three custodians have given shares.
  ASSERT_EQ(server_->Stop(), 0);
  server_->Start();
  auto client = server_->NewClient();
  auto sealed = Call(*client, "GET", "/v1/keys", {});
  EXPECT_EQ(sealed.status, 503);
  EXPECT_EQ(sealed.body.at("error").at("code").as_string(), "sealed");
  EXPECT_EQ(Call(*client, "POST", "/v1/sys/rotate", json::object{}).status, 503);
  EXPECT_EQ(Call(*client, "GET", "/v1/sys/rekey", {}).status, 503);
  EXPECT_NE(Status().find("unseal progress 0/3"), std::string::npos) << Status();

  EXPECT_NE(Ok({"operator", "unseal", shares[1]}).find("progress: 1/3"), std::string::npos);
  // The same custodian again: not counted twice. A mistyped share: a clear error.
  EXPECT_NE(Ok({"operator", "unseal", shares[1]}).find("already given"), std::string::npos);
  std::string typo = shares[2];
  typo[30] = typo[30] == 'x' ? 'y' : 'x';
  auto bad = Run({"operator", "unseal", typo});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("mistyped"), std::string::npos) << bad.err;
  // Reset, then three shares from the prompt (stdin), as custodians would type them.
  EXPECT_NE(Ok({"operator", "unseal", "--reset"}).find("progress: 0/3"), std::string::npos);
  EXPECT_NE(Ok({"operator", "unseal"}, shares[4] + "\n").find("progress: 1/3"), std::string::npos);
  EXPECT_NE(Ok({"operator", "unseal"}, shares[0] + "\n").find("progress: 2/3"), std::string::npos);
  EXPECT_NE(Ok({"operator", "unseal"}, shares[3] + "\n").find("sealed:   false"),
            std::string::npos);
  EXPECT_EQ(Ok({"decrypt"}, ct), "salary");

  // Process hygiene: the key heap is mlocked (when keepd could lock it, which it logs),
  // and core dumps are off.
  std::ifstream status("/proc/" + std::to_string(server_->pid()) + "/status");
  std::string line;
  long locked_kb = -1;
  while (std::getline(status, line)) {
    if (line.rfind("VmLck:", 0) == 0) locked_kb = std::stol(line.substr(6));
  }
  if (server_->log().find("KiB locked heap for keys") != std::string::npos) {
    EXPECT_GE(locked_kb, 4096) << "the log says locked, the kernel must agree";
  } else {
    EXPECT_NE(server_->log().find("could not be mlocked"), std::string::npos);
  }
  std::ifstream limits("/proc/" + std::to_string(server_->pid()) + "/limits");
  std::string core_limit;
  while (std::getline(limits, line)) {
    if (line.rfind("Max core file size", 0) == 0) core_limit = line;
  }
  EXPECT_NE(core_limit.find(" 0 "), std::string::npos) << core_limit;

  // Seal: everything but health/init/unseal answers 503 at once.
  Ok({"operator", "seal"});
  EXPECT_EQ(Call(*client, "POST", "/v1/keys/payroll/encrypt",
                 json::object{{"plaintext", Base64Encode(AsBytes("x"))}})
                .status,
            503);
  EXPECT_EQ(Call(*client, "GET", "/v1/sys/health", {}).status, 503);
  // The log never shows a share.
  for (const auto& s : shares) EXPECT_EQ(server_->log().find(s.substr(8)), std::string::npos);
}

TEST_F(Custody, SharesMailedEncryptedToCustodians) {
  server_ = std::make_unique<Keepd>("", "", "type = \"shamir\"\n");
  server_->Start();
  const std::string d = server_->dir();
  Ok({"keygen", "--type", "x25519", "--out", d + "/alice"});
  // bob's RSA-3072 pair is a fixture key (tests/vectors/keys), not generated here.
  fs::copy_file("tests/vectors/keys/rsa-3072.pem", d + "/bob");
  fs::copy_file("tests/vectors/keys/rsa-3072.pub", d + "/bob.pub");
  // Passphrases come from KEEP_PASSPHRASE or --passphrase-file, never from a piped stdin.
  std::ofstream(d + "/carol.pass") << "correct horse battery\n";
  std::ofstream(d + "/wrong.pass") << "nope\n";
  Ok({"keygen", "--type", "x25519", "--out", d + "/carol", "--passphrase", "--passphrase-file",
      d + "/carol.pass"});
  EXPECT_EQ(fs::status(d + "/alice").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  auto again = Run({"keygen", "--out", d + "/alice"});
  EXPECT_NE(again.exit_code, 0) << "keygen never overwrites a key";
  auto shares = Init({"--shares", "3", "--threshold", "2", "--share-recipient", d + "/alice.pub",
                      "--share-recipient", d + "/bob.pub", "--share-recipient", d + "/carol.pub"});
  ASSERT_EQ(shares.size(), 3u);
  for (const auto& s : shares) EXPECT_EQ(s.substr(0, 9), "kshare1e-");
  auto wrong_kind = Run(
      {"operator", "init", "--shares", "1", "--threshold", "1", "--share-recipient", d + "/alice"});
  EXPECT_NE(wrong_kind.exit_code, 0);
  EXPECT_NE(wrong_kind.err.find("private key"), std::string::npos) << wrong_kind.err;

  ASSERT_EQ(server_->Stop(), 0);
  server_->Start();
  // An encrypted share without the identity, or with another custodian's key: refused.
  EXPECT_NE(Run({"operator", "unseal", shares[0]}).err.find("encrypted"), std::string::npos);
  auto stolen = Run({"operator", "unseal", "--identity", d + "/bob", shares[0]});
  EXPECT_EQ(stolen.exit_code, 2);
  EXPECT_NE(stolen.err.find("X25519"), std::string::npos) << stolen.err;
  EXPECT_NE(Ok({"operator", "unseal", "--identity", d + "/alice", shares[0]}).find("1/2"),
            std::string::npos);
  auto wrong_pass = Run({"operator", "unseal", "--identity", d + "/carol", shares[2],
                         "--passphrase-file", d + "/wrong.pass"});
  EXPECT_EQ(wrong_pass.exit_code, 1);  // a refusal, not a usage error
  EXPECT_NE(wrong_pass.err.find("wrong passphrase"), std::string::npos) << wrong_pass.err;
  EXPECT_NE(Ok({"operator", "unseal", "--identity", d + "/carol", shares[2], "--passphrase-file",
                d + "/carol.pass"})
                .find("sealed:   false"),
            std::string::npos);
}

// A client encrypting and decrypting without pause; counts every failure.
class Traffic {
 public:
  explicit Traffic(const Keepd& k, std::string key = "live")
      : client_(k.NewClient()), key_(std::move(key)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~Traffic() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::atomic<int> ok{0}, failed{0};
  std::string last_error;

 private:
  void Loop() {
    int i = 0;
    while (!stop_) {
      const std::string msg = "message " + std::to_string(i++);
      auto e = Call(*client_, "POST", "/v1/keys/" + key_ + "/encrypt",
                    json::object{{"plaintext", Base64Encode(AsBytes(msg))}});
      if (e.status != 200) {
        failed++;
        last_error = json::serialize(e.body);
        continue;
      }
      auto d = Call(*client_, "POST", "/v1/decrypt",
                    json::object{{"ciphertext", e.body.at("ciphertext")}});
      if (d.status != 200 ||
          d.body.at("plaintext").as_string() != Base64Encode(AsBytes(msg)).c_str()) {
        failed++;
        last_error = json::serialize(d.body);
        continue;
      }
      ok++;
    }
  }
  std::unique_ptr<Client> client_;
  std::string key_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST_F(Custody, RekeyAndRotationUnderTrafficFailNothing) {
  server_ = std::make_unique<Keepd>("", "", "type = \"shamir\"\n");
  server_->Start();
  auto shares = Init({"--shares", "3", "--threshold", "2"});
  ASSERT_EQ(shares.size(), 3u);
  auto admin = server_->NewClient();
  ASSERT_EQ(Call(*admin, "POST", "/v1/keys", json::object{{"name", "live"}}).status, 201);
  // Enough records that re-encryption takes a while: keys, versions and revisions.
  for (int i = 0; i < 600; ++i) {
    ASSERT_EQ(
        Call(*admin, "POST", "/v1/keys", json::object{{"name", "k" + std::to_string(i)}}).status,
        201);
  }
  Traffic traffic(*server_);
  while (traffic.ok < 50) std::this_thread::sleep_for(std::chrono::milliseconds(5));

  // Rekey to 4 shares / threshold 3 with two of the current shares.
  const std::string started =
      Ok({"operator", "rekey", "init", "--shares", "4", "--threshold", "3"});
  const std::string nonce = Grep(started, "nonce:\\s+(\\S+)").at(0);
  EXPECT_NE(Ok({"operator", "rekey", "status"}).find("progress:  0/2"), std::string::npos);
  auto wrong_nonce = Run({"operator", "rekey", "submit", "--nonce", "00", shares[0]});
  EXPECT_EQ(wrong_nonce.exit_code, 1);
  EXPECT_NE(Ok({"operator", "rekey", "submit", "--nonce", nonce, shares[2]}).find("1/2"),
            std::string::npos);
  const std::string done = Ok({"operator", "rekey", "submit", "--nonce", nonce, shares[0]});
  EXPECT_NE(done.find("Rekey complete"), std::string::npos) << done;
  auto fresh = Grep(done, "share \\d+: (\\S+)");
  ASSERT_EQ(fresh.size(), 4u);

  // Two keyring rotations; the background job moves every record to term 3.
  const int at_rotate = traffic.ok;
  EXPECT_NE(Ok({"operator", "rotate"}).find("keyring term: 2"), std::string::npos);
  EXPECT_NE(Ok({"operator", "rotate"}).find("keyring term: 3"), std::string::npos);
  std::string st;
  for (int i = 0; i < 200; ++i) {
    st = Status();
    if (st.find("every record under the active term") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(st.find("term 3 active, terms [1,2,3], every record under the active term"),
            std::string::npos)
      << st;
  const int during = traffic.ok;
  traffic.Stop();
  EXPECT_GT(during, at_rotate) << "traffic ran while records were re-encrypted";
  EXPECT_EQ(traffic.failed, 0) << traffic.last_error;
  EXPECT_GT(during, 100);

  // After a restart the old shares are refused and three new ones open it.
  ASSERT_EQ(server_->Stop(), 0);
  server_->Start();
  auto old = Run({"operator", "unseal", shares[1]});
  EXPECT_EQ(old.exit_code, 1);
  EXPECT_NE(old.err.find("another share set"), std::string::npos) << old.err;
  Ok({"operator", "unseal", fresh[3]});
  Ok({"operator", "unseal", fresh[0]});
  EXPECT_NE(Ok({"operator", "unseal", fresh[1]}).find("sealed:   false"), std::string::npos);
  auto after = server_->NewClient();
  EXPECT_EQ(Call(*after, "GET", "/v1/keys/k599", {}).status, 200);
  // The SQLite file holds records under term 3 only (byte 0 = 1, bytes 1..4 = term), apart
  // from the raw custody records.
  const std::string q =
      "sqlite3 " + server_->db_path() +
      " \"SELECT hex(substr(value, 2, 4)), count(*) FROM records WHERE path NOT IN "
      "('core/root', 'core/keyring', 'core/seal') GROUP BY 1\"";
  FILE* p = ::popen(q.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[256];
  std::string rows;
  while (std::fgets(buf, sizeof buf, p)) rows += buf;
  ::pclose(p);
  EXPECT_EQ(Grep(rows, "(\\w+)\\|").size(), 1u) << rows;
  EXPECT_EQ(rows.substr(0, 9), "00000003|") << rows;
}

// Two shamir nodes on one PostgreSQL: each is unsealed by custodians; a rekey and two
// keyring rotations on one node reach the other through the change feed while it serves.
TEST(CustodyCluster, RekeyAndRotationOnOneNodeDoNotDisturbTheOther) {
  auto& pg = store::testing::PgServer::Shared();
  ASSERT_EQ(pg.error(), "");
  const std::string conninfo = pg.CreateDatabase();
  ASSERT_FALSE(conninfo.empty());
  const std::string storage = "backend = \"postgres\"\nconninfo = \"" + conninfo + "\"\n";
  Keepd a("", storage, "type = \"shamir\"\n"), b("", storage, "type = \"shamir\"\n");
  a.Start();
  b.Start();
  auto ok = [](const Keepd& k, const std::vector<std::string>& args, const std::string& in = "") {
    auto r = k.Cli(args, in);
    EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
    return r.out;
  };
  const std::string init =
      a.Cli({"operator", "init", "--shares", "3", "--threshold", "2"}, "", "").out;
  auto shares = Grep(init, "share \\d+: (\\S+)");
  ASSERT_EQ(shares.size(), 3u) << init;
  const std::string token = Grep(init, "root token: (\\S+)").at(0);
  std::ofstream(a.dir() + "/root-token") << token << "\n";
  b.set_token_file(a.dir() + "/root-token");
  ok(b, {"operator", "unseal", shares[0]});
  EXPECT_NE(ok(b, {"operator", "unseal", shares[2]}).find("sealed:   false"), std::string::npos);
  ok(a, {"key", "create", "shared"});
  auto bc = b.NewClient();
  for (int i = 0; i < 200 && Call(*bc, "GET", "/v1/keys/shared", {}).status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Traffic on_b(b, "shared");
  while (on_b.ok < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::string nonce =
      Grep(ok(a, {"operator", "rekey", "init", "--shares", "2", "--threshold", "2"}),
           "nonce:\\s+(\\S+)")
          .at(0);
  ok(a, {"operator", "rekey", "submit", "--nonce", nonce, shares[1]});
  auto fresh = Grep(ok(a, {"operator", "rekey", "submit", "--nonce", nonce, shares[0]}),
                    "share \\d+: (\\S+)");
  ASSERT_EQ(fresh.size(), 2u);
  ok(a, {"operator", "rotate"});
  ok(a, {"operator", "rotate"});
  std::string st;
  for (int i = 0; i < 200; ++i) {
    st = ok(b, {"status"});
    if (st.find("term 3 active") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_NE(st.find("term 3 active, terms [1,2,3]"), std::string::npos) << st;
  const int seen = on_b.ok;
  EXPECT_TRUE(Keepd::WaitFor([&] { return on_b.ok > seen + 10; }));
  on_b.Stop();
  EXPECT_GT(on_b.ok, seen) << "node b kept serving after the rekey and rotations";
  EXPECT_EQ(on_b.failed, 0) << on_b.last_error;
  // Node b restarts: only the new shares open it.
  ASSERT_EQ(b.Stop(), 0);
  b.Start();
  EXPECT_NE(b.Cli({"operator", "unseal", shares[0]}).err.find("another share set"),
            std::string::npos);
  ok(b, {"operator", "unseal", fresh[1]});
  EXPECT_NE(ok(b, {"operator", "unseal", fresh[0]}).find("sealed:   false"), std::string::npos);
  EXPECT_EQ(Call(*b.NewClient(), "GET", "/v1/keys/shared", {}).status, 200);
}

// The pkcs11 seal against a SoftHSM2 token created in the server's directory.
class HsmCustody : public Custody {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists("/usr/lib/softhsm/libsofthsm2.so"))
        << "softhsm2 is not installed (make bootstrap installs it)";
  }
  // The PIN from the environment, or (`pin_file`) from the file hsm.pin in the server's
  // directory.
  void MakeServer(bool generate_key = true, bool pin_file = false) {
    server_ = std::make_unique<Keepd>(
        "\n[keys]\nmaintenance_interval = \"1s\"\n", "",
        "type = \"pkcs11\"\nmodule = \"/usr/lib/softhsm/libsofthsm2.so\"\n"
        "token_label = \"keep-it\"\nkey_label = \"keep-root\"\n" +
            std::string(pin_file ? "pin_file = \"hsm.pin\"\n"
                                 : "pin_env = \"KEEP_TEST_HSM_PIN\"\n") +
            "generate_key = " + std::string(generate_key ? "true" : "false") + "\n");
    if (pin_file) SetPinFile("246810");
    const std::string d = server_->dir();
    fs::create_directories(d + "/tokens");
    std::ofstream(d + "/softhsm2.conf")
        << "directories.tokendir = " << d
        << "/tokens\nobjectstore.backend = file\nlog.level = ERROR\n";
    ::setenv("SOFTHSM2_CONF", (d + "/softhsm2.conf").c_str(), 1);
    ::setenv("KEEP_TEST_HSM_PIN", "246810", 1);
    ASSERT_EQ(std::system("softhsm2-util --init-token --free --label keep-it --pin 246810 "
                          "--so-pin 135790 >/dev/null"),
              0);
  }
  void SetPinFile(const std::string& pin) {
    std::ofstream(server_->dir() + "/hsm.pin", std::ios::trunc) << pin << "\n";
  }
  bool WaitUnsealed(int ms) {
    for (int i = 0; i < ms / 100; ++i) {
      auto c = server_->NewClient("");
      if (Call(*c, "GET", "/v1/sys/health", {}).status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  void Health(int expect_status) {
    auto c = server_->NewClient("");
    auto h = Call(*c, "GET", "/v1/sys/health", {});
    EXPECT_EQ(h.status, expect_status) << json::serialize(h.body);
  }
};

TEST_F(HsmCustody, AutoUnsealRestartWrongPinMissingKeyAndRecovery) {
  MakeServer();
  server_->Start();
  auto recovery = Init({"--shares", "3", "--threshold", "2"});
  ASSERT_EQ(recovery.size(), 3u);
  Ok({"key", "create", "hsm-key"});
  const std::string ct = Ok({"encrypt", "--key", "hsm-key"}, "behind the hsm");
  EXPECT_NE(Status().find("shares:      recovery, threshold 2"), std::string::npos) << Status();

  // Restart: keepd unseals itself through the token.
  ASSERT_EQ(server_->Stop(), 0);
  server_->Start();
  Health(200);
  EXPECT_EQ(Ok({"decrypt"}, ct), "behind the hsm");

  // Wrong PIN: stays sealed and says why (without the PIN).
  ASSERT_EQ(server_->Stop(), 0);
  ::setenv("KEEP_TEST_HSM_PIN", "999999", 1);
  server_->Start();
  Health(503);
  EXPECT_NE(server_->log().find("CKR_PIN_INCORRECT"), std::string::npos) << server_->log();
  EXPECT_EQ(server_->log().find("999999"), std::string::npos);
  // The HSM is "lost": the recovery shares unseal it.
  Ok({"operator", "unseal", recovery[2]});
  EXPECT_NE(Ok({"operator", "unseal", recovery[0]}).find("sealed:   false"), std::string::npos);
  EXPECT_EQ(Ok({"decrypt"}, ct), "behind the hsm");

  // The key is missing from the token (another label): sealed, with the reason.
  ASSERT_EQ(server_->Stop(), 0);
  ::setenv("KEEP_TEST_HSM_PIN", "246810", 1);
  {
    std::ifstream in(server_->dir() + "/keepd.toml");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string conf = std::regex_replace(ss.str(), std::regex("keep-root"), "no-such-key");
    std::ofstream(server_->dir() + "/keepd.toml") << conf;
  }
  server_->Start();
  Health(503);
  EXPECT_NE(server_->log().find("no AES key labelled \"no-such-key\""), std::string::npos)
      << server_->log();
}

// Issue 12.8: a refused PIN stops the automatic retries (a real token locks its PIN after a
// few wrong ones) and says so; the PIN file is read again on every attempt, so once it is
// corrected, SIGHUP or `keep operator unseal` opens keep without a restart.
TEST_F(HsmCustody, ARefusedPinStopsRetriesUntilTheOperatorActsAndIsReadAgain) {
  MakeServer(/*generate_key=*/true, /*pin_file=*/true);
  server_->Start();
  Init({"--shares", "1", "--threshold", "1"});
  ASSERT_EQ(server_->Stop(), 0);
  for (const std::string how : {"SIGHUP", "keep operator unseal"}) {
    SCOPED_TRACE(how);
    SetPinFile("999999");
    server_->Start();
    Health(503);
    const std::string st = Status();
    EXPECT_NE(st.find("CKR_PIN_INCORRECT"), std::string::npos) << st;
    EXPECT_NE(st.find("automatic unseal stopped"), std::string::npos) << st;
    {
      auto c = server_->NewClient("");
      auto h = Call(*c, "GET", "/v1/sys/health", {});
      ASSERT_TRUE(h.body.is_object());
      EXPECT_TRUE(h.body.as_object().contains("auto_unseal_paused")) << json::serialize(h.body);
    }
    // Corrected, but nobody has acted: three maintenance passes run and keep stays sealed
    // (a retry would have read the corrected file and unsealed).
    SetPinFile("246810");
    server_->RunMaintenance(3);
    Health(503);
    if (how == "SIGHUP") {
      server_->Signal(SIGHUP);
    } else {
      Ok({"operator", "unseal"});
    }
    EXPECT_TRUE(WaitUnsealed(5000)) << server_->log();
    EXPECT_TRUE(server_->Running()) << "SIGHUP does not stop keepd";
    EXPECT_EQ(server_->log().find("999999"), std::string::npos) << "the PIN is never logged";
    ASSERT_EQ(server_->Stop(), 0);
  }
}

TEST_F(HsmCustody, RekeyWithRecoverySharesRewrapsInTheHsm) {
  MakeServer();
  server_->Start();
  auto recovery = Init({"--shares", "2", "--threshold", "2"});
  ASSERT_EQ(recovery.size(), 2u);
  const std::string nonce =
      Grep(Ok({"operator", "rekey", "init", "--shares", "3", "--threshold", "2"}),
           "nonce:\\s+(\\S+)")
          .at(0);
  Ok({"operator", "rekey", "submit", "--nonce", nonce, recovery[0]});
  const std::string done = Ok({"operator", "rekey", "submit", "--nonce", nonce, recovery[1]});
  auto fresh = Grep(done, "recovery share \\d+: (\\S+)");
  ASSERT_EQ(fresh.size(), 3u) << done;
  ASSERT_EQ(server_->Stop(), 0);
  server_->Start();
  Health(200);  // the new root key was wrapped by the HSM
  Ok({"operator", "seal"});
  EXPECT_NE(Run({"operator", "unseal", recovery[0]}).err.find("another share set"),
            std::string::npos);
  Ok({"operator", "unseal", fresh[2]});
  EXPECT_NE(Ok({"operator", "unseal", fresh[1]}).find("sealed:   false"), std::string::npos);
}

TEST_F(HsmCustody, UnreachableTokenAtStartIsRetriedButAnOperatorSealIsNot) {
  MakeServer();
  server_->Start();
  Init({"--shares", "1", "--threshold", "1"});
  ASSERT_EQ(server_->Stop(), 0);
  const std::string tokens = server_->dir() + "/tokens", away = server_->dir() + "/tokens-away";
  fs::rename(tokens, away);
  fs::create_directories(tokens);
  server_->Start();
  Health(503);
  EXPECT_NE(Status().find("seal error:  HSM: no token labelled \"keep-it\""), std::string::npos)
      << Status();
  // The HSM comes back: keepd unseals itself on its next retry.
  fs::remove_all(tokens);
  fs::rename(away, tokens);
  std::string st;
  for (int i = 0; i < 100; ++i) {
    st = Status();
    if (st.find("sealed:      false") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(st.find("sealed:      false"), std::string::npos) << st << server_->log();
  // An operator's seal is not undone by the retries; an explicit unseal opens it.
  Ok({"operator", "seal"});
  server_->RunMaintenance(3);  // three retry passes, on demand
  st = Status();
  EXPECT_NE(st.find("sealed:      true"), std::string::npos) << st;
  EXPECT_NE(st.find("sealed by an operator"), std::string::npos) << st;
  EXPECT_NE(Ok({"operator", "unseal"}).find("sealed:   false"), std::string::npos);
}

TEST_F(HsmCustody, MissingKeyWithoutGenerateRefusesInit) {
  MakeServer(/*generate_key=*/false);
  server_->Start();
  auto r = Run({"operator", "init", "--shares", "1", "--threshold", "1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no AES key labelled"), std::string::npos) << r.err;
  Health(501);  // nothing was written
}

}  // namespace
}  // namespace keep::testing
