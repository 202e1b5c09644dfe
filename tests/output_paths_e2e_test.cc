// Where every writing command of the real `keep` binary puts its output, for each kind of
// path (issue 22): a character device made with mknod (a copy of /dev/null: CI runs as
// root), a FIFO with a reader, a symlink to a regular file, a dangling symlink and a
// directory. Devices and FIFOs are written in place and stay what they were; links are
// followed and survive; directories are refused; in-place rewrites refuse a device or a
// FIFO instead of consuming it. Each command runs under timeout(1) so that a regression
// that blocks on a FIFO fails instead of hanging.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstring>
#include <functional>

#include "file_fixture.h"

namespace keep::testing {
namespace {

enum class PathKind { kDevice, kFifo, kLinkToFile, kDanglingLink, kDirectory };

const char* Name(PathKind k) {
  switch (k) {
    case PathKind::kDevice:
      return "character device";
    case PathKind::kFifo:
      return "FIFO";
    case PathKind::kLinkToFile:
      return "symlink to a regular file";
    case PathKind::kDanglingLink:
      return "dangling symlink";
    case PathKind::kDirectory:
      return "directory";
  }
  return "?";
}

constexpr PathKind kAllKinds[] = {PathKind::kDevice, PathKind::kFifo, PathKind::kLinkToFile,
                                  PathKind::kDanglingLink, PathKind::kDirectory};

// A command that writes to a path: `script` has OUT where the path goes; `check` is given
// what landed (the bytes the FIFO reader got, or the file the link points to).
struct Writer {
  std::string name;
  std::string script;
  bool needs_server = false;
  bool refuses_existing = false;  // keygen: never replaces a key file
  std::function<void(const std::string& got)> check;
};

class OutputPaths : public FileE2e {
 protected:
  void SetUp() override {
    FileE2e::SetUp();
    plain_ = RandomBytes(3 * kSeg + 11, 22);
    Put(Path("p"), plain_);
    Sh("$KEEP file encrypt -r alice.pub -r bob.pub p -o p.keep");
  }

  // Makes `name` of kind `k` (fresh); for links, the target is `name`.target.
  void Make(PathKind k, const std::string& name) {
    const std::string p = Path(name);
    switch (k) {
      case PathKind::kDevice:
        ASSERT_EQ(::mknod(p.c_str(), S_IFCHR | 0666, makedev(1, 3)), 0) << std::strerror(errno);
        break;
      case PathKind::kFifo:
        ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0);
        break;
      case PathKind::kLinkToFile:
        Put(p + ".target", "the link's target before");
        fs::create_symlink(name + ".target", p);
        break;
      case PathKind::kDanglingLink:
        fs::create_symlink(name + ".target", p);
        break;
      case PathKind::kDirectory:
        fs::create_directory(p);
        break;
    }
  }

  // `name` is still what Make(k) made.
  void ExpectUnchangedKind(PathKind k, const std::string& name) {
    struct stat sb;
    ASSERT_EQ(::lstat(Path(name).c_str(), &sb), 0) << name;
    switch (k) {
      case PathKind::kDevice:
        EXPECT_TRUE(S_ISCHR(sb.st_mode)) << name << " is no longer a character device";
        EXPECT_EQ(sb.st_rdev, makedev(1, 3));
        break;
      case PathKind::kFifo:
        EXPECT_TRUE(S_ISFIFO(sb.st_mode)) << name << " is no longer a FIFO";
        break;
      case PathKind::kLinkToFile:
      case PathKind::kDanglingLink:
        EXPECT_TRUE(S_ISLNK(sb.st_mode)) << name << " is no longer a link";
        EXPECT_EQ(fs::read_symlink(Path(name)), name + ".target");
        break;
      case PathKind::kDirectory:
        EXPECT_TRUE(S_ISDIR(sb.st_mode));
        EXPECT_TRUE(fs::is_empty(Path(name))) << "nothing written into the directory";
        break;
    }
  }

  bool CanMknod() {
    const std::string probe = Path("mknod-probe");
    if (::mknod(probe.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) return false;
    ::unlink(probe.c_str());
    return true;
  }

  // Runs `w` against a path of kind `k` named `name` and checks the outcome.
  void RunWriter(const Writer& w, PathKind k, const std::string& name,
                 const std::vector<std::string>& env) {
    SCOPED_TRACE(w.name + " → " + Name(k));
    Make(k, name);
    std::string cmd = w.script;
    cmd.replace(cmd.find("OUT"), 3, name);
    cmd = "timeout 30 " + cmd;
    switch (k) {
      case PathKind::kDevice:
        Sh(cmd, 0, env);
        break;
      case PathKind::kFifo: {
        Sh("timeout 30 cat " + name + " > " + name + ".got & " + cmd + " && wait $!", 0, env);
        w.check(Slurp(Path(name + ".got")));
        break;
      }
      case PathKind::kLinkToFile:
        if (w.refuses_existing) {
          auto r = Sh(cmd, 2, env);
          EXPECT_NE(r.err.find("exists already"), std::string::npos) << r.err;
          EXPECT_EQ(Slurp(Path(name + ".target")), "the link's target before");
        } else {
          Sh(cmd, 0, env);
          w.check(Slurp(Path(name + ".target")));
        }
        break;
      case PathKind::kDanglingLink:
        Sh(cmd, 0, env);
        w.check(Slurp(Path(name + ".target")));
        break;
      case PathKind::kDirectory: {
        auto r = Sh(cmd, 2, env);
        EXPECT_NE(r.err.find("is a directory"), std::string::npos) << r.err;
        break;
      }
    }
    ExpectUnchangedKind(k, name);
    EXPECT_EQ(Leftovers("keep-tmp"), 0);
  }

  std::string plain_;
};

TEST_F(OutputPaths, EveryWritingCommandFollowsTheRulesForEveryKindOfPath) {
  const bool root = CanMknod();
  Keepd server;
  server.Start();
  const auto env = CliEnv(server);
  ASSERT_EQ(server.Cli({"key", "create", "k"}).exit_code, 0);
  Sh("$KEEP encrypt --key k --context t=1 --in p --out p.ct", 0, env);

  // Checks that `got` is a keep file alice opens to the plaintext.
  auto opens_to_plain = [&](const std::string& got) {
    Put(Path("check.keep"), got);
    EXPECT_TRUE(Sh("$KEEP file decrypt -i alice check.keep").out == plain_);
  };
  auto is_plain = [&](const std::string& got) { EXPECT_TRUE(got == plain_); };
  auto is_private_key = [&](const std::string& got) {
    EXPECT_NE(got.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  };
  auto is_ciphertext = [&](const std::string& got) {
    Put(Path("check.ct"), got);
    EXPECT_TRUE(Sh("$KEEP decrypt --context t=1 --in check.ct", 0, env).out == plain_);
  };
  auto is_public_key = [&](const std::string& got) {
    EXPECT_NE(got.find("-----BEGIN PUBLIC KEY-----"), std::string::npos) << got;
  };
  const std::vector<Writer> writers = {
      {"file encrypt", "$KEEP file encrypt -r alice.pub p -o OUT", false, false, opens_to_plain},
      {"file decrypt", "$KEEP file decrypt -i alice p.keep -o OUT", false, false, is_plain},
      {"keygen", "$KEEP keygen --out OUT", false, true, is_private_key},
      {"encrypt", "$KEEP encrypt --key k --context t=1 --in p --out OUT", true, false,
       is_ciphertext},
      {"decrypt", "$KEEP decrypt --context t=1 --in p.ct --out OUT", true, false, is_plain},
      {"audit public-key", "$KEEP audit public-key --out OUT", true, false, is_public_key},
  };
  int n = 0;
  for (const auto& w : writers) {
    for (PathKind k : kAllKinds) {
      if (k == PathKind::kDevice && !root) continue;
      RunWriter(w, k, "out" + std::to_string(n++),
                w.needs_server ? env : std::vector<std::string>{});
    }
  }
  if (!root) GTEST_SKIP() << "the device cases need mknod (root; CI runs as root)";
}

// The in-place rewrites read and write the same path: a device or FIFO there is refused
// before anything is opened (no waiting for a FIFO writer, no device rewritten), a link is
// followed (the file it names is rewritten, the link survives), a dangling link has nothing
// to read, a directory is refused.
TEST_F(OutputPaths, InPlaceRewritesRefuseDevicesAndFifosAndFollowLinks) {
  const bool root = CanMknod();
  const std::vector<std::pair<std::string, std::string>> rewriters = {
      {"recipients add", "$KEEP file recipients add PATH -r mallory.pub -i alice"},
      {"recipients remove", "$KEEP file recipients remove PATH --recipient bob.pub -i alice"},
      {"rekey", "$KEEP file rekey PATH -r alice.pub -i alice"},
  };
  int n = 0;
  for (const auto& [what, script] : rewriters) {
    for (PathKind k : kAllKinds) {
      if (k == PathKind::kDevice && !root) continue;
      SCOPED_TRACE(what + " on a " + Name(k));
      const std::string name = "f" + std::to_string(n++);
      Make(k, name);
      if (k == PathKind::kLinkToFile)
        fs::copy_file(Path("p.keep"), Path(name + ".target"), fs::copy_options::overwrite_existing);
      std::string cmd = script;
      cmd.replace(cmd.find("PATH"), 4, name);
      cmd = "timeout 30 " + cmd;
      switch (k) {
        case PathKind::kDevice:
        case PathKind::kFifo: {
          auto r = Sh(cmd, 2);
          EXPECT_NE(r.err.find("cannot be rewritten in place"), std::string::npos) << r.err;
          break;
        }
        case PathKind::kLinkToFile: {
          const std::string before = Slurp(Path(name + ".target"));
          Sh(cmd, 0);
          const std::string after = Slurp(Path(name + ".target"));
          EXPECT_NE(after, before) << "the link's target is rewritten";
          Put(Path("check.keep"), after);
          EXPECT_TRUE(Sh("$KEEP file decrypt -i alice check.keep").out == plain_);
          break;
        }
        case PathKind::kDanglingLink: {
          auto r = Sh(cmd, 2);
          EXPECT_NE(r.err.find("cannot read"), std::string::npos) << r.err;
          EXPECT_FALSE(fs::exists(Path(name + ".target")));
          break;
        }
        case PathKind::kDirectory: {
          auto r = Sh(cmd, 2);
          EXPECT_NE(r.err.find("is a directory"), std::string::npos) << r.err;
          break;
        }
      }
      ExpectUnchangedKind(k, name);
      EXPECT_EQ(Leftovers("keep-tmp"), 0);
    }
  }
  if (!root) GTEST_SKIP() << "the device cases need mknod (root; CI runs as root)";
}

// The command that replaced the machine's /dev/null (issue 22), exactly, against a copy
// made with mknod: the copy is still the null device and discards what it is given.
TEST_F(OutputPaths, EncryptingToACopyOfDevNullLeavesItADevice) {
  if (!CanMknod()) GTEST_SKIP() << "mknod needs root (CI runs as root)";
  ASSERT_EQ(::mknod(Path("nulltest").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  ASSERT_EQ(::chmod(Path("nulltest").c_str(), 0666), 0);  // as /dev/null, whatever the umask
  Put(Path("big"), RandomBytes(8 << 20, 9));
  Sh("$KEEP file encrypt -r alice.pub big -o nulltest");
  struct stat sb;
  ASSERT_EQ(::lstat(Path("nulltest").c_str(), &sb), 0);
  EXPECT_TRUE(S_ISCHR(sb.st_mode));
  EXPECT_EQ(sb.st_rdev, makedev(1, 3));
  EXPECT_EQ(sb.st_mode & 0777, 0666u);
  EXPECT_EQ(Slurp(Path("nulltest")), "") << "still discards what is written";
  EXPECT_EQ(Leftovers("keep-tmp"), 0);
}

// Output over the input through a device or FIFO path is refused before either is opened;
// over the same regular file it is fine (the temporary file replaces it when complete).
TEST_F(OutputPaths, OutputOverTheInputIsRefusedForDevicesAndFifosOnly) {
  ASSERT_EQ(::mkfifo(Path("ff").c_str(), 0600), 0);
  fs::create_symlink("ff", Path("ff-link"));
  auto r = Sh("timeout 30 $KEEP file encrypt -r alice.pub ff -o ff-link", 2);
  EXPECT_NE(r.err.find("is the input"), std::string::npos) << r.err;
  r = Sh("timeout 30 $KEEP file decrypt -i alice ff -o ff", 2);
  EXPECT_NE(r.err.find("is the input"), std::string::npos) << r.err;
  EXPECT_EQ(fs::symlink_status(Path("ff")).type(), fs::file_type::fifo);
  EXPECT_EQ(fs::symlink_status(Path("ff-link")).type(), fs::file_type::symlink);
  Put(Path("same"), plain_);
  Sh("$KEEP file encrypt -r alice.pub same -o same");
  EXPECT_TRUE(Sh("$KEEP file decrypt -i alice same").out == plain_);
  Sh("$KEEP file decrypt -i alice same -o same");
  EXPECT_TRUE(Slurp(Path("same")) == plain_);
}

}  // namespace
}  // namespace keep::testing
