// The pkcs11 seal end to end with a real SoftHSM2 token made by the test: automatic unseal
// at start and after a restart, a wrong or refused PIN (retries stop until an operator
// acts), a missing key, recovery shares, rekey re-wrapping in the token, an unreachable
// token retried.
#include <signal.h>

#include "custody_fixture.h"

namespace keep::testing {
namespace {

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
