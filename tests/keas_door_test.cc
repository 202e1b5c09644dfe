// The keas.kmi door: a client speaking keas.kmi's protocol exactly as its
// LocalKeyManagementFacility does (tests/interop/keas_client.py), over plain HTTP on
// loopback and over TLS; the door's callers are an identity with policies, audited, and
// locked down by decrypt budgets like any other; data keys survive a restart; the
// database holds no data key and no key encrypting key.
#include <gtest/gtest.h>

#include <filesystem>

#include "harness.h"

namespace keep::testing {
namespace {

namespace fs = std::filesystem;

std::string Py() {
  return "/usr/bin/python3 " + fs::current_path().string() + "/tests/interop/keas_client.py";
}

class KeasDoor : public ::testing::Test {
 protected:
  void Start(bool tls, const std::string& extra = "") {
    server_ =
        std::make_unique<Keepd>(std::string("\n[keas]\nenabled = true\nport = 0\ntls = ") +
                                (tls ? "true" : "false") + "\npolicies = [\"keas\"]\n" + extra);
    server_->Start();
    Policy();
    tls_ = tls;
  }
  void Policy(const std::string& caps = R"("datakey","decrypt","read")") {
    auto r = server_->Cli({"policy", "write", "keas", "-"},
                          R"({"rules":[{"keys":"keas","capabilities":[)" + caps + "]}]}");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::string Url() {
    const std::string port = Trimmed(Slurp(server_->dir() + "/ready.keas"));
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + port +
           (tls_ ? " " + server_->ca() : "");
  }
  CliResult Sh(const std::string& args) {
    return Shell(server_->dir(), Py() + " " + Url() + " " + args, CliEnv(*server_));
  }
  std::unique_ptr<Keepd> server_;
  bool tls_ = false;
};

TEST_F(KeasDoor, ItsClientWorksUnchangedOverPlainHttpOnLoopback) {
  Start(/*tls=*/false);
  auto r = Sh("tour");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("keas tour ok"), std::string::npos);
  // Audited as the door's identity, with the native operation names.
  const std::string trail = Slurp(server_->audit_path());
  EXPECT_NE(trail.find(R"("identity":"keas:anonymous")"), std::string::npos);
  EXPECT_NE(trail.find(R"("operation":"datakey")"), std::string::npos);
  EXPECT_NE(trail.find(R"("detail":"keas POST /key")"), std::string::npos);
  // The key sealing the entries is an ordinary keep key.
  EXPECT_NE(server_->Cli({"key", "list"}).out.find("keas"), std::string::npos);
}

TEST_F(KeasDoor, OverTlsAndAcrossARestartTheDataKeyStaysTheSame) {
  Start(/*tls=*/true);
  auto r = Sh("new > kek.pem && " + Py() + " " + Url() + " encrypt kek.pem 'old data'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string ct = Trimmed(r.out);
  const std::string pem = Slurp(server_->dir() + "/kek.pem");
  ASSERT_NE(pem.find("ENCRYPTED PRIVATE KEY"), std::string::npos) << "passphrase-protected";
  const std::string key1 = Trimmed(Sh("key kek.pem").out);
  server_->Stop();
  server_->Start();
  EXPECT_EQ(Trimmed(Sh("key kek.pem").out), key1);
  r = Sh("decrypt kek.pem " + ct);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "old data");
  // Neither the data key nor anything of the PEM is in the database in clear.
  const std::string db = Slurp(server_->db_path());
  std::string raw_key;
  for (size_t i = 0; i + 1 < key1.size(); i += 2) {
    raw_key += static_cast<char>(std::stoi(key1.substr(i, 2), nullptr, 16));
  }
  EXPECT_EQ(db.find(raw_key.substr(0, 16)), std::string::npos);
  EXPECT_EQ(db.find(pem.substr(40, 40)), std::string::npos);
}

TEST_F(KeasDoor, PoliciesBudgetsAndLockdownApply) {
  Start(/*tls=*/false,
        "\n[lockdown]\nidentity_decrypt_budget = 2\nwindow = \"1h\"\naction = \"revoke\"\n");
  auto r = Sh("new > kek.pem");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (int i = 0; i < 2; ++i) EXPECT_EQ(Sh("key kek.pem").exit_code, 0);
  r = Sh("key kek.pem");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("503"), std::string::npos) << r.err;
  EXPECT_NE(server_->Cli({"lockdown", "list"}).out.find("keas:anonymous"), std::string::npos);
  ASSERT_EQ(server_->Cli({"lockdown", "reinstate", "keas:anonymous"}).exit_code, 0);
  EXPECT_EQ(Sh("key kek.pem").exit_code, 0);
  // Without decrypt in the door's policy, no data key comes out.
  Policy(R"("datakey","read")");
  r = Sh("key kek.pem");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("403"), std::string::npos) << r.err;
}

// A keas.kmi master's storage directory, imported: the applications' key encrypting keys
// resolve to the same data keys through keep, their old data still decrypts, and each
// entry is re-protected in keep's format on first use.
TEST_F(KeasDoor, AnImportedMasterKeepsEveryApplicationsDataKeys) {
  Start(/*tls=*/false);
  const std::string master =
      "/usr/bin/python3 " + fs::current_path().string() + "/tests/interop/keas_master.py";
  auto r = Shell(server_->dir(), master + " storage app 3", CliEnv(*server_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Old data, encrypted the way keas.kmi's clients do with the data key.
  r = Shell(server_->dir(), "touch storage/README.txt && $KEEP import keas-kmi storage",
            CliEnv(*server_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "imported 3 keas.kmi entries from storage\n");
  EXPECT_EQ(Trimmed(Sh("status").out), "KMS server holding 3 keys");
  for (int i = 0; i < 3; ++i) {
    const std::string n = std::to_string(i);
    const std::string want = Trimmed(Slurp(server_->dir() + "/app/datakey-" + n + ".hex"));
    r = Sh("key app/kek-" + n + ".pem");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(Trimmed(r.out), want) << "entry " << i;
    // Re-protected: the second time comes from keep's own entry, still the same key.
    EXPECT_EQ(Trimmed(Sh("key app/kek-" + n + ".pem").out), want);
  }
  EXPECT_EQ(Trimmed(Sh("status").out), "KMS server holding 3 keys");
  // Data encrypted with an imported key keeps decrypting with the client's scheme.
  r = Sh("encrypt app/kek-1.pem 'from before'");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(Sh("decrypt app/kek-1.pem " + Trimmed(r.out)).out, "from before");
  const std::string trail = Slurp(server_->audit_path());
  EXPECT_NE(trail.find("imported entry re-protected"), std::string::npos);
  EXPECT_NE(trail.find(R"("operation":"keas.import")"), std::string::npos);
  // A key encrypting key from elsewhere finds nothing; a bad directory is refused.
  r = Shell(server_->dir(), master + " other app2 1", CliEnv(*server_));
  EXPECT_NE(Sh("key app2/kek-0.pem").exit_code, 0);
  r = Shell(server_->dir(), "$KEEP import keas-kmi nowhere", CliEnv(*server_));
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace keep::testing
