// keep operator backup and keepd --restore against real keepd processes: everything
// acknowledged before the snapshot decrypts after a restore, what came after is gone, and
// a corrupt snapshot, another deployment's snapshot or a running keepd is refused with the
// store untouched.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "harness.h"

namespace keep::testing {
namespace {

namespace fs = std::filesystem;

CliResult Restore(const Keepd& server, const std::string& snapshot) {
  return Shell(server.dir(),
               "'" + KeepdBinary() + "' --config keepd.toml --restore '" + snapshot + "'");
}

TEST(Backup, ARestoredSnapshotDecryptsEverythingAcknowledgedBeforeIt) {
  Keepd server;
  server.Start();
  auto c = server.NewClient();
  ASSERT_TRUE(c->CreateKey({.name = "b"}).ok());
  std::vector<std::pair<std::string, std::string>> sealed;  // plaintext, ciphertext
  for (int i = 0; i < 20; ++i) {
    const std::string pt = "acknowledged record " + std::to_string(i);
    server.NeverLog(pt);
    auto ct = c->Encrypt("b", pt);
    ASSERT_TRUE(ct.ok()) << ct.status();
    sealed.emplace_back(pt, ct->ciphertext);
  }
  const std::string snap = server.dir() + "/snap.keep";
  CliResult b = server.Cli({"operator", "backup", snap});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_NE(b.err.find("keyring term"), std::string::npos) << b.err;
  struct stat st {};
  ASSERT_EQ(::stat(snap.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  ASSERT_TRUE(c->CreateKey({.name = "late"}).ok());  // after the snapshot
  // A restore under the running keepd is refused.
  CliResult busy = Restore(server, snap);
  EXPECT_EQ(busy.exit_code, 1);
  EXPECT_NE(busy.err.find("another keepd is running"), std::string::npos) << busy.err;
  server.Stop();

  CliResult r = Restore(server, snap);
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("restored"), std::string::npos) << r.out;
  server.Start();
  c = server.NewClient();
  for (const auto& [pt, ct] : sealed) {
    auto back = c->Decrypt("", ct);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(std::string(back->plaintext.begin(), back->plaintext.end()), pt);
  }
  auto late = c->GetKey("late");
  EXPECT_FALSE(late.ok()) << "a key made after the snapshot survived the restore";
}

TEST(Backup, CorruptAndForeignSnapshotsAreRefusedWithTheStoreUntouched) {
  Keepd a, other;
  a.Start();
  other.Start();
  ASSERT_TRUE(a.NewClient()->CreateKey({.name = "kept"}).ok());
  const std::string mine = a.dir() + "/mine.keep", theirs = a.dir() + "/theirs.keep";
  ASSERT_EQ(a.Cli({"operator", "backup", mine}).exit_code, 0);
  ASSERT_EQ(other.Cli({"operator", "backup", theirs}).exit_code, 0);
  a.Stop();
  const std::string before = Slurp(a.db_path());

  std::string bytes = Slurp(mine);
  bytes[bytes.size() / 2] ^= 0x01;
  std::ofstream(a.dir() + "/corrupt.keep", std::ios::binary) << bytes;
  CliResult corrupt = Restore(a, a.dir() + "/corrupt.keep");
  EXPECT_EQ(corrupt.exit_code, 1);
  EXPECT_NE(corrupt.err.find("checksum mismatch"), std::string::npos) << corrupt.err;
  EXPECT_NE(corrupt.err.find("invalid_snapshot"), std::string::npos) << corrupt.err;

  std::ofstream(a.dir() + "/short.keep", std::ios::binary) << Slurp(mine).substr(0, 100);
  EXPECT_EQ(Restore(a, a.dir() + "/short.keep").exit_code, 1);
  std::ofstream(a.dir() + "/notes.keep") << "not a snapshot\n";
  CliResult junk = Restore(a, a.dir() + "/notes.keep");
  EXPECT_EQ(junk.exit_code, 1);
  EXPECT_NE(junk.err.find("KEEPSNAP"), std::string::npos) << junk.err;

  CliResult foreign = Restore(a, theirs);
  EXPECT_EQ(foreign.exit_code, 1);
  EXPECT_NE(foreign.err.find("foreign_snapshot"), std::string::npos) << foreign.err;

  EXPECT_EQ(Slurp(a.db_path()), before) << "a refused restore changed the store";
  EXPECT_FALSE(fs::exists(a.db_path() + ".restoring"));
  a.Start();
  EXPECT_TRUE(a.NewClient()->GetKey("kept").ok());
}

}  // namespace
}  // namespace keep::testing
