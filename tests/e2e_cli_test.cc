// End to end through the `keep` binary against a real keepd: API.md's command line.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "harness.h"

namespace keep::testing {
namespace {

namespace json = boost::json;

class CliE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Keepd>();
    server_->Start();
  }
  CliResult Run(const std::vector<std::string>& args, const std::string& in = "") {
    return server_->Cli(args, in);
  }
  std::string Ok(const std::vector<std::string>& args, const std::string& in = "") {
    auto r = Run(args, in);
    EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
    return r.out;
  }
  std::unique_ptr<Keepd> server_;
};

TEST_F(CliE2E, KeyLifecycleAndEnvelopeRoundTrip) {
  EXPECT_NE(Ok({"status"}).find("sealed:      false"), std::string::npos);
  EXPECT_NE(Ok({"key", "create", "app", "--description", "app data", "--auto-rotate", "90d"})
                .find("auto-rotate period:     90d"),
            std::string::npos);
  Ok({"key", "create", "cc", "--type", "chacha20-poly1305"});
  EXPECT_EQ(Ok({"key", "list"}), "app\ncc\n");
  EXPECT_EQ(Ok({"key", "list", "--prefix", "c"}), "cc\n");

  const std::string binary("\x00\x01\xff binary\n", 12);
  const std::string ct = Ok({"encrypt", "--key", "app", "--context", "user=alice"}, binary);
  ASSERT_EQ(ct.rfind("keep:", 0), 0u);
  EXPECT_EQ(Ok({"decrypt", "--context", "user=alice"}, ct), binary);
  EXPECT_EQ(Ok({"decrypt", "--key", "app", "--context", "user=alice"}, ct), binary);
  auto wrong = Run({"decrypt", "--context", "user=bob"}, ct);
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("context_mismatch"), std::string::npos);
  EXPECT_TRUE(wrong.out.empty());

  EXPECT_NE(Ok({"key", "rotate", "app"}).find("latest version:         2"), std::string::npos);
  const std::string rewrapped = Ok({"rewrap", "--key", "app", "--context", "user=alice"}, ct);
  auto info =
      json::parse(Ok({"--format", "json", "decrypt", "--context", "user=alice"}, rewrapped));
  EXPECT_EQ(info.at("version").as_int64(), 2);
  Ok({"key", "set", "app", "--min-decryption-version", "2"});
  auto retired = Run({"decrypt", "--context", "user=alice"}, ct);
  EXPECT_EQ(retired.exit_code, 1);
  EXPECT_NE(retired.err.find("version_retired"), std::string::npos);

  Ok({"key", "set", "cc", "--disable"});
  EXPECT_EQ(Run({"encrypt", "--key", "cc"}, "x").exit_code, 1);
  EXPECT_NE(Ok({"key", "delete", "cc", "--pending-days", "7"}).find("pending_deletion"),
            std::string::npos);
  EXPECT_NE(Ok({"key", "undelete", "cc"}).find("state:                  disabled"),
            std::string::npos);
  Ok({"key", "set", "cc", "--enable"});
  EXPECT_EQ(Ok({"decrypt"}, Ok({"encrypt", "--key", "cc"}, "again")), "again");
  auto show = json::parse(Ok({"--format", "json", "key", "show", "cc"}));
  EXPECT_EQ(show.at("state").as_string(), "enabled");
}

TEST_F(CliE2E, DataKeyRandomFilesAndOperator) {
  Ok({"key", "create", "k"});
  auto dk = json::parse(Ok({"--format", "json", "datakey", "--key", "k", "--bits", "128"}));
  const std::string wrapped(dk.at("ciphertext").as_string());
  auto unwrapped = json::parse(Ok({"--format", "json", "decrypt"}, wrapped));
  EXPECT_EQ(unwrapped.at("plaintext"), dk.at("plaintext"));
  const std::string text = Ok({"datakey", "--key", "k", "--no-plaintext"});
  EXPECT_EQ(text.find("plaintext:"), std::string::npos);
  EXPECT_NE(text.find("ciphertext: keep:"), std::string::npos);
  EXPECT_EQ(Ok({"random", "32"}).size(), 45u);  // 44 base64 chars + newline

  const std::string in = server_->dir() + "/plain.bin", ct = server_->dir() + "/ct.txt",
                    out = server_->dir() + "/plain.out";
  std::ofstream(in, std::ios::binary) << std::string(200000, 'q');
  Ok({"encrypt", "--key", "k", "--in", in, "--out", ct});
  Ok({"decrypt", "--in", ct, "--out", out});
  std::ifstream o(out, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(o), {}), std::string(200000, 'q'));

  EXPECT_NE(Ok({"operator", "rotate"}).find("keyring term: 2"), std::string::npos);
  EXPECT_EQ(Ok({"operator", "seal"}), "sealed\n");
  auto sealed = Run({"encrypt", "--key", "k"}, "x");
  EXPECT_EQ(sealed.exit_code, 1);
  EXPECT_NE(sealed.err.find("sealed"), std::string::npos);
  auto status = Run({"status"});
  EXPECT_EQ(status.exit_code, 2) << "sealed, as `vault status`";
  EXPECT_NE(status.out.find("sealed:      true"), std::string::npos);
  EXPECT_EQ(status.out.rfind("state:       SEALED by an operator; next: keep operator unseal\n", 0),
            0u)
      << status.out;
  EXPECT_NE(Ok({"operator", "unseal"}).find("sealed:   false"), std::string::npos);
  EXPECT_EQ(Ok({"status"}).rfind("state:       active\n", 0), 0u);
  auto init = Run({"operator", "init", "--shares", "5", "--threshold", "3"});
  EXPECT_EQ(init.exit_code, 1);
}

TEST_F(CliE2E, UsageErrorsExitTwoServerErrorsExitOne) {
  EXPECT_EQ(Run({}).exit_code, 2);
  EXPECT_EQ(Run({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(Run({"encrypt"}).exit_code, 2) << "--key is required";
  EXPECT_EQ(Run({"encrypt", "--key", "k", "--context", "novalue"}, "x").exit_code, 2);
  EXPECT_EQ(Run({"datakey", "--key", "k", "--bits", "100"}).exit_code, 2);
  EXPECT_EQ(Run({"key", "delete", "k", "--pending-days", "3"}).exit_code, 2);
  EXPECT_EQ(Run({"--format", "yaml", "status"}).exit_code, 2);
  EXPECT_EQ(Run({"key", "set", "k"}).exit_code, 2);
  auto help = Run({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("encrypt"), std::string::npos);
  auto missing = Run({"key", "show", "nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no key named 'nope'"), std::string::npos);
  auto badtok = server_->Cli({"key", "list"}, "", "keep_wrong");
  EXPECT_EQ(badtok.exit_code, 1);
  EXPECT_NE(badtok.err.find("unauthenticated"), std::string::npos);
  auto garbage = Run({"decrypt"}, "this is not a ciphertext");
  EXPECT_EQ(garbage.exit_code, 1);
  EXPECT_NE(garbage.err.find("invalid_ciphertext"), std::string::npos);
}

}  // namespace
}  // namespace keep::testing

namespace keep::testing {
namespace {

// Issue 12.13: the command line's conventions. --version; a mistyped command gets a
// suggestion, a missing one the list; --format anywhere and KEEP_FORMAT; JSON from every
// command; `keep status` exits 2 when sealed; one KEEP_PASSPHRASE (and --passphrase-file);
// no prompt without a terminal.
class CliConventions : public CliE2E {
 protected:
  // Runs in a temp dir with the server's environment plus `env`; stdin is /dev/null.
  CliResult Sh(const std::string& script, const std::vector<std::string>& env = {}) {
    auto all = CliEnv(*server_);
    all.insert(all.end(), env.begin(), env.end());
    return Shell(server_->dir(), script, all);
  }
};

TEST_F(CliConventions, VersionSuggestionsAndFormatAnywhere) {
  auto v = Run({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out.rfind("keep 0.", 0), 0u) << v.out;
  auto typo = Run({"stauts"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("did you mean 'status'?"), std::string::npos) << typo.err;
  auto typo2 = Run({"key", "craete", "x"});
  EXPECT_EQ(typo2.exit_code, 2);
  EXPECT_NE(typo2.err.find("keep key: unknown command 'craete'; did you mean 'create'?"),
            std::string::npos)
      << typo2.err;
  auto none = Run({"key"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("give a command: create list"), std::string::npos) << none.err;
  EXPECT_EQ(none.err.find("A subcommand is required"), std::string::npos);
  Ok({"key", "create", "k"});
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--format", "json", "key", "list"}, {"key", "list", "--format", "json"}}) {
    auto r = Run(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(json::parse(r.out).at("keys").at(0).as_string(), "k") << r.out;
  }
  auto env = Sh("$KEEP key show k", {"KEEP_FORMAT=json"});
  ASSERT_EQ(env.exit_code, 0) << env.err;
  EXPECT_EQ(json::parse(env.out).at("name").as_string(), "k");
  EXPECT_EQ(Run({"key", "list", "--format", "yaml"}).exit_code, 2);
}

TEST_F(CliConventions, EveryCommandPrintsJsonWhenAsked) {
  Ok({"key", "create", "k"});
  const std::string ct = Ok({"encrypt", "--key", "k"}, "secret");
  const std::string dir = server_->dir();
  std::ofstream(dir + "/ct.txt") << ct;
  std::ofstream(dir + "/plain.txt") << "a file";
  std::ofstream(dir + "/p.json") << R"({"rules":[{"keys":"k","capabilities":["read"]}]})";
  const std::vector<std::string> commands = {
      "status",
      "key show k",
      "key list",
      "key rotate k",
      "key set k --description d",
      "encrypt --key k --in plain.txt",
      "encrypt --key k --in plain.txt --out ct2.txt",
      "decrypt --in ct.txt",
      "decrypt --in ct.txt --out plain2.txt",
      "rewrap --key k --in ct.txt",
      "datakey --key k",
      "random 8",
      "token create -p root --display-name j",
      "token list",
      "token lookup",
      "policy write reader p.json",
      "policy read reader",
      "policy list",
      "policy delete reader",
      "lockdown list",
      "audit hash token:0123456789abcdef",
      "audit public-key",
      "operator rotate",
      "operator rekey status",
      "keygen --out id",
      "file encrypt -r id.pub plain.txt -o plain.keep",
      "file recipients list plain.keep",
      "file recipients add plain.keep --key k -i id",
      "file decrypt -i id plain.keep -o plain3.txt",
      "file rekey plain.keep -r id.pub -i id",
  };
  for (const auto& cmd : commands) {
    auto r = Sh("$KEEP --format json " + cmd);
    ASSERT_EQ(r.exit_code, 0) << cmd << ": " << r.err;
    boost::system::error_code ec;
    const json::value v = json::parse(r.out, ec);
    EXPECT_FALSE(ec) << cmd << " printed: " << r.out;
    EXPECT_TRUE(v.is_object()) << cmd << " printed: " << r.out;
  }
  // With --out, the plaintext went to the file and not into the JSON.
  auto dec = Sh("$KEEP --format json decrypt --in ct.txt --out plain4.txt");
  EXPECT_EQ(dec.out.find("plaintext"), std::string::npos) << dec.out;
  EXPECT_EQ(Slurp(dir + "/plain4.txt"), "secret");
}

TEST_F(CliConventions, StatusExitCodesFollowVault) {
  EXPECT_EQ(Run({"status"}).exit_code, 0);
  Ok({"operator", "seal"});
  auto sealed = Run({"status"});
  EXPECT_EQ(sealed.exit_code, 2);
  EXPECT_NE(sealed.out.find("sealed:      true"), std::string::npos);
  auto json_sealed = Run({"status", "--format", "json"});
  EXPECT_EQ(json_sealed.exit_code, 2);
  EXPECT_TRUE(json::parse(json_sealed.out).at("sealed").as_bool());
  Ok({"operator", "unseal"});
  EXPECT_EQ(Run({"status"}).exit_code, 0);
}

TEST_F(CliConventions, OnePassphraseVariableAFileAndNoPromptWithoutATerminal) {
  // No terminal (stdin is /dev/null) and no passphrase given: a clear error, no prompt.
  auto none = Sh("$KEEP keygen --out carol --passphrase");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("KEEP_PASSPHRASE"), std::string::npos) << none.err;
  EXPECT_NE(none.err.find("--passphrase-file"), std::string::npos) << none.err;
  EXPECT_EQ(none.err.find("Passphrase:"), std::string::npos) << "no prompt without a terminal";
  EXPECT_FALSE(std::filesystem::exists(server_->dir() + "/carol"));
  // KEEP_PASSPHRASE for keygen and for opening a file.
  ASSERT_EQ(
      Sh("$KEEP keygen --out carol --passphrase", {"KEEP_PASSPHRASE=first passphrase"}).exit_code,
      0);
  std::ofstream(server_->dir() + "/p.txt") << "for carol";
  ASSERT_EQ(Sh("$KEEP file encrypt -r carol.pub p.txt -o p.keep").exit_code, 0);
  auto opened = Sh("$KEEP file decrypt -i carol p.keep", {"KEEP_PASSPHRASE=first passphrase"});
  EXPECT_EQ(opened.exit_code, 0) << opened.err;
  EXPECT_EQ(opened.out, "for carol");
  auto no_pass = Sh("$KEEP file decrypt -i carol p.keep");
  EXPECT_EQ(no_pass.exit_code, 2);
  EXPECT_EQ(no_pass.err.find("Passphrase"), std::string::npos) << no_pass.err;
  // --passphrase-file (first line), anywhere on the line.
  std::ofstream(server_->dir() + "/pass.txt") << "first passphrase\nignored\n";
  auto from_file = Sh("$KEEP file decrypt -i carol p.keep --passphrase-file pass.txt");
  EXPECT_EQ(from_file.exit_code, 0) << from_file.err;
  EXPECT_EQ(from_file.out, "for carol");
  auto missing = Sh("$KEEP --passphrase-file nope.txt file decrypt -i carol p.keep");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nope.txt"), std::string::npos);
  // The old name still works, with a warning.
  auto old =
      Sh("$KEEP file decrypt -i carol p.keep", {"KEEP_IDENTITY_PASSPHRASE=first passphrase"});
  EXPECT_EQ(old.exit_code, 0);
  EXPECT_NE(old.err.find("deprecated"), std::string::npos) << old.err;
  // A share piped on stdin is read without a prompt.
  auto piped = Sh("echo kshare1-not-a-share | $KEEP operator unseal 2>&1; true");
  EXPECT_EQ(piped.out.find("Unseal share:"), std::string::npos) << piped.out;
}

}  // namespace
}  // namespace keep::testing
