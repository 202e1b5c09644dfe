// The web console in a real browser: keepd with the shamir seal, initialized and restarted
// sealed with shares encrypted to custodians' keys; tests/console/browser.py drives Debian's
// headless chromium through chromium-driver and python3-selenium: unseal with two encrypted shares
// opened in the browser (an X25519 and an RSA key; a wrong key refused), sign in, create and rotate
// a key, write a policy (a refused one first), issue and revoke a token, markup shown as
// text, the Content-Security-Policy in force, phone and desktop viewports. Screenshots of
// each page land in the test's directory (docs/console.md shows them).
#include <cstdlib>
#include <filesystem>

#include "custody_fixture.h"

namespace keep::testing {
namespace {

namespace fs = std::filesystem;

TEST_F(Custody, ConsoleInARealBrowser) {
  server_ = std::make_unique<Keepd>("", "", "type = \"shamir\"\n");
  server_->Start();
  // Shares encrypted to three custodians: two X25519 keys and an RSA key (PKCS#8 PEM, as
  // keep keygen writes them); the browser opens them with WebCrypto.
  const std::string d = server_->dir();
  for (const auto& [name, type] :
       {std::pair{"alice", "x25519"}, std::pair{"bob", "rsa-3072"}, std::pair{"carol", "x25519"}}) {
    ASSERT_EQ(server_->Cli({"keygen", "--type", type, "--out", d + "/" + name}).exit_code, 0);
  }
  const auto shares =
      Init({"--shares", "3", "--threshold", "2", "--share-recipient", d + "/alice.pub",
            "--share-recipient", d + "/bob.pub", "--share-recipient", d + "/carol.pub"});
  ASSERT_EQ(shares.size(), 3u);
  ASSERT_EQ(shares[0].rfind("kshare1e-", 0), 0u);
  const std::string root = Trimmed(Slurp(server_->dir() + "/root-token"));
  ASSERT_EQ(server_->Stop(), 0);
  server_->Start();  // sealed

  // KEEP_CONSOLE_SHOTS=DIR keeps the screenshots (docs/console/ is made that way).
  const char* keep_shots = std::getenv("KEEP_CONSOLE_SHOTS");
  const std::string shots = keep_shots ? keep_shots : server_->dir() + "/screenshots";
  fs::create_directories(shots);
  const std::string script = fs::current_path().string() + "/tests/console/browser.py";
  CliResult r = Shell(
      server_->dir(),
      "/usr/bin/python3 " + script + " " + server_->addr() + " " + server_->dir() + "/tls " + shots,
      {"KEEP_SHARES=" + shares[0] + " " + shares[1],
       "KEEP_SHARE_KEYS=" + d + "/alice " + d + "/bob " + d + "/carol", "KEEP_ROOT_TOKEN=" + root,
       "HOME=" + server_->dir()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* step : {"headers", "unseal", "sign-in", "keyboard", "key", "escaped", "csp",
                           "policy", "token", "audit", "metrics", "viewports", "console clean"}) {
    EXPECT_NE(r.out.find(std::string("ok ") + step + "\n"), std::string::npos)
        << "step " << step << " did not pass:\n"
        << r.out << r.err;
  }
  EXPECT_TRUE(fs::exists(shots + "/unseal.png"));
}

TEST_F(Custody, ConsoleCanBeTurnedOff) {
  server_ = std::make_unique<Keepd>("", "", "", "", "[console]\nenabled = false\n");
  server_->Start();
  auto client = server_->NewClient();
  for (const char* path : {"/ui", "/ui/console.js"}) {
    auto r = Call(*client, "GET", path, {});
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_NE(json::serialize(r.body).find("console is disabled"), std::string::npos) << path;
  }
}

}  // namespace
}  // namespace keep::testing
