// End to end through the `keep` binary against a real keepd: API.md's command line.
#include <gtest/gtest.h>

#include <boost/json.hpp>
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
  EXPECT_NE(Ok({"status"}).find("sealed:      true"), std::string::npos);
  EXPECT_NE(Ok({"operator", "unseal"}).find("sealed:   false"), std::string::npos);
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
