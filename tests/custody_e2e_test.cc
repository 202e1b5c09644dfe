// Root-key custody end to end: a real keepd with the shamir seal driven through the
// `keep` binary; encrypted shares; rekey and keyring rotation while a client keeps
// encrypting and decrypting, on one node and on two nodes sharing PostgreSQL. (The pkcs11
// seal with SoftHSM2: hsm_e2e_test.cc.)
#include "custody_fixture.h"

namespace keep::testing {
namespace {

TEST_F(Custody, ShamirInitRestartUnsealByCustodiansSeal) {
  server_ = std::make_unique<Keepd>("", "", "type = \"shamir\"\n");
  server_->Start();
  EXPECT_NE(Status().find("initialized: false"), std::string::npos);
  EXPECT_NE(Status().find("state:       NOT INITIALIZED; next: keep operator init"),
            std::string::npos);
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
  EXPECT_NE(Status().find("state:       SEALED, 0 of 3 shares given; next: keep operator unseal"),
            std::string::npos)
      << Status();

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
      "('core/root', 'core/keyring', 'core/seal', 'core/deployment') GROUP BY 1\"";
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

}  // namespace
}  // namespace keep::testing
