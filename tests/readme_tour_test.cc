// The README's "short tour of the CLI" is a script: this test runs the block, as printed,
// against a fresh keepd (issue 12.14), so the tour cannot rot. The only change is the
// server's address (a free port instead of 8443); var/dev is the server's directory, as
// `make run` lays it out.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "harness.h"

namespace keep::testing {
namespace {

namespace fs = std::filesystem;

// The ```sh block after the heading `## A short tour of the CLI`.
std::string TourBlock() {
  const std::string readme = Slurp("README.md");
  const size_t heading = readme.find("## A short tour of the CLI");
  EXPECT_NE(heading, std::string::npos) << "README.md has no tour";
  const size_t open = readme.find("```sh\n", heading);
  const size_t close = readme.find("\n```", open + 6);
  EXPECT_NE(open, std::string::npos);
  EXPECT_NE(close, std::string::npos);
  if (heading == std::string::npos || open == std::string::npos || close == std::string::npos) {
    return "";
  }
  return readme.substr(open + 6, close - open - 6);
}

TEST(ReadmeTour, RunsAsPrintedAgainstAFreshKeepd) {
  std::string tour = TourBlock();
  ASSERT_GT(tour.size(), 500u);
  const std::string default_addr = "https://127.0.0.1:8443";
  ASSERT_NE(tour.find(default_addr), std::string::npos);
  Keepd server;
  server.Start();
  tour.replace(tour.find(default_addr), default_addr.size(), server.addr());

  char tmpl[] = "/tmp/keep-tour-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string work = tmpl;
  fs::create_directories(work + "/var");
  fs::create_directory_symlink(server.dir(), work + "/var/dev");
  // `keep` on the PATH, as the tour's first line arranges after `make run`.
  const std::string script =
      "set -euo pipefail\nexport PATH=\"$(dirname \"$KEEP\"):$PATH\"\n" + tour;
  auto r = Shell(work, script);
  EXPECT_EQ(r.exit_code, 0) << "the README tour failed:\n"
                            << r.err << "\n--- stdout ---\n"
                            << r.out;
  EXPECT_NE(r.out.find("4111 1111 1111 1111"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ok: "), std::string::npos) << "audit verify";
  EXPECT_TRUE(Slurp(work + "/big.out") == Slurp(work + "/big.tar"));
  EXPECT_GT(fs::file_size(work + "/big.tar"), 1000000u);
  // It ends unsealed: the last `keep status` says so.
  EXPECT_NE(r.out.rfind("sealed:      false"), std::string::npos);
  EXPECT_GT(r.out.rfind("sealed:      false"), r.out.rfind("sealed\n")) << r.out;
  fs::remove_all(work);
}

}  // namespace
}  // namespace keep::testing
