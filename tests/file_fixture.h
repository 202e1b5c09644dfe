// The fixture shared by the `keep file` end-to-end tests: a temp dir with three key
// pairs made by `keep keygen` (alice X25519, bob RSA-3072, mallory X25519), a shell to run
// the real binary in it, and helpers for files.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "harness.h"

namespace keep::testing {

namespace fs = std::filesystem;

inline constexpr size_t kSeg = 65536, kTag = 16;

inline void Put(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

// `n` bytes from a seeded generator (reproducible).
inline std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// Sealed segments in a body of `n` plaintext bytes (an empty file has one).
inline size_t Segments(size_t n) {
  return n == 0 ? 1 : (n + kSeg - 1) / kSeg;
}

class FileE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/keep-file-e2e-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    // X25519 pairs from keygen (fast); bob's RSA-3072 pair is a fixture key
    // (tests/vectors/keys), not generated per test.
    Sh("$KEEP keygen --out alice >/dev/null && $KEEP keygen --out mallory >/dev/null");
    FixtureKey("rsa-3072", "bob");
    ASSERT_TRUE(fs::exists(dir_ + "/bob.pub"));
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs a shell command in the temp dir; expects `want` as its exit status.
  CliResult Sh(const std::string& script, int want = 0, const std::vector<std::string>& env = {}) {
    CliResult r = Shell(dir_, script, env);
    EXPECT_EQ(r.exit_code, want) << script << "\n" << r.err;
    return r;
  }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  // Copies tests/vectors/keys/<fixture>.pem and .pub to <name> and <name>.pub.
  void FixtureKey(const std::string& fixture, const std::string& name) {
    const fs::path keys = fs::current_path() / "tests/vectors/keys";
    fs::copy_file(keys / (fixture + ".pem"), Path(name), fs::copy_options::overwrite_existing);
    fs::copy_file(keys / (fixture + ".pub"), Path(name + ".pub"),
                  fs::copy_options::overwrite_existing);
    fs::permissions(Path(name), fs::perms::owner_read | fs::perms::owner_write);
  }
  // The files in the temp dir whose name contains `part` (leftover temporary files).
  int Leftovers(const std::string& part) const {
    int n = 0;
    for (const auto& e : fs::directory_iterator(dir_))
      n += e.path().filename().string().find(part) != std::string::npos;
    return n;
  }

  std::string dir_;
};

}  // namespace keep::testing
