// OutputFile against every kind of path: absent, regular (replaced whole), symlinks (to a
// file, dangling, chained, relative, looping), a character device made with mknod, a FIFO
// with a reader, a listening Unix socket, a directory, the input itself, and no-clobber
// publication racing another writer.
#include "common/output_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <string>
#include <thread>

namespace keep {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Reads a FIFO (or any path) to its end on another thread.
std::future<std::string> ReadInBackground(const std::string& path) {
  return std::async(std::launch::async, [path] { return Slurp(path); });
}

class OutputFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/keep-output-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string P(const std::string& name) const { return dir_ + "/" + name; }
  static Status Write(const std::string& path, const std::string& data,
                      const OutputOptions& opt = {}) {
    return OutputFile::WriteWhole(path, AsBytes(data), opt);
  }
  // Entries of the temp dir whose name holds "keep-tmp".
  int Leftovers() const {
    int n = 0;
    for (const auto& e : fs::directory_iterator(dir_))
      n += e.path().filename().string().find("keep-tmp") != std::string::npos;
    return n;
  }
  static struct stat LStat(const std::string& path) {
    struct stat sb {};
    EXPECT_EQ(::lstat(path.c_str(), &sb), 0) << path;
    return sb;
  }

  std::string dir_;
};

TEST_F(OutputFileTest, NewFileGetsItsModeAndNothingElseIsLeft) {
  ASSERT_TRUE(Write(P("new"), "hello", {.mode = 0640}).ok());
  EXPECT_EQ(Slurp(P("new")), "hello");
  EXPECT_EQ(
      LStat(P("new")).st_mode & 0777, 0640u & ~[] {
        const mode_t m = ::umask(0);
        ::umask(m);
        return m;
      }());
  EXPECT_EQ(Leftovers(), 0);
}

TEST_F(OutputFileTest, RegularFileIsReplacedOnlyOnCommit) {
  std::ofstream(P("f")) << "old contents";
  const ino_t before = LStat(P("f")).st_ino;
  {
    auto f = OutputFile::Open(P("f"));
    ASSERT_TRUE(f.ok()) << f.status();
    EXPECT_EQ(f->kind(), OutputFile::Kind::kAtomic);
    ASSERT_TRUE(f->Write(AsBytes("new")).ok());
    EXPECT_EQ(Slurp(P("f")), "old contents") << "readers see the old file until Commit";
    EXPECT_EQ(Leftovers(), 1);
    ASSERT_TRUE(f->Commit().ok());
  }
  EXPECT_EQ(Slurp(P("f")), "new");
  EXPECT_NE(LStat(P("f")).st_ino, before) << "replaced by rename, not rewritten";
  EXPECT_EQ(Leftovers(), 0);
}

TEST_F(OutputFileTest, AbandonedOutputLeavesTheOldFileAndNoTemporary) {
  std::ofstream(P("f")) << "keep me";
  {
    auto f = OutputFile::Open(P("f"));
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(f->Write(AsBytes("half")).ok());
  }  // no Commit: a failed command
  EXPECT_EQ(Slurp(P("f")), "keep me");
  EXPECT_EQ(Leftovers(), 0);
  {
    auto f = OutputFile::Open(P("absent"));
    ASSERT_TRUE(f.ok());
  }
  EXPECT_FALSE(fs::exists(P("absent")));
  EXPECT_EQ(Leftovers(), 0);
}

TEST_F(OutputFileTest, MovedOutputStillCleansUpOnce) {
  auto f = OutputFile::Open(P("m"));
  ASSERT_TRUE(f.ok());
  OutputFile g = std::move(*f);
  ASSERT_TRUE(g.Write(AsBytes("x")).ok());
  EXPECT_FALSE(f->Write(AsBytes("y")).ok()) << "a moved-from output writes nothing";
  ASSERT_TRUE(g.Commit().ok());
  EXPECT_EQ(Slurp(P("m")), "x");
  EXPECT_EQ(Leftovers(), 0);
}

TEST_F(OutputFileTest, SymlinkToAFileIsFollowedAndSurvives) {
  std::ofstream(P("real.txt")) << "target";
  fs::create_symlink("real.txt", P("link"));
  auto f = OutputFile::Open(P("link"));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->target(), dir_ + "/real.txt");
  ASSERT_TRUE(f->Write(AsBytes("through the link")).ok());
  ASSERT_TRUE(f->Commit().ok());
  EXPECT_TRUE(S_ISLNK(LStat(P("link")).st_mode)) << "the link is still a link";
  EXPECT_EQ(fs::read_symlink(P("link")), "real.txt");
  EXPECT_EQ(Slurp(P("real.txt")), "through the link");
  EXPECT_EQ(Leftovers(), 0);
}

TEST_F(OutputFileTest, ChainsOfRelativeAndAbsoluteLinksAreFollowed) {
  fs::create_directory(P("sub"));
  std::ofstream(P("sub/file")) << "x";
  fs::create_symlink("sub/file", P("a"));  // relative to the link's directory
  fs::create_symlink(P("a"), P("sub/b"));  // absolute
  fs::create_symlink("b", P("sub/c"));     // relative, inside sub/
  ASSERT_TRUE(Write(P("sub/c"), "chained").ok());
  EXPECT_EQ(Slurp(P("sub/file")), "chained");
  for (const char* l : {"a", "sub/b", "sub/c"}) EXPECT_TRUE(S_ISLNK(LStat(P(l)).st_mode)) << l;
}

TEST_F(OutputFileTest, DanglingSymlinkCreatesItsTarget) {
  fs::create_symlink("made.txt", P("dangling"));
  ASSERT_TRUE(Write(P("dangling"), "created", {.mode = 0600}).ok());
  EXPECT_TRUE(S_ISLNK(LStat(P("dangling")).st_mode));
  EXPECT_EQ(Slurp(P("made.txt")), "created");
  // A link into a directory that does not exist is an error naming the path.
  fs::create_symlink("nowhere/x", P("broken"));
  const Status st = Write(P("broken"), "x");
  EXPECT_EQ(st.reason(), "cannot_write");
  EXPECT_NE(st.message().find("broken"), std::string::npos) << st;
  EXPECT_TRUE(S_ISLNK(LStat(P("broken")).st_mode));
}

TEST_F(OutputFileTest, LinkLoopIsAnError) {
  fs::create_symlink("loop2", P("loop1"));
  fs::create_symlink("loop1", P("loop2"));
  const Status st = Write(P("loop1"), "x");
  EXPECT_EQ(st.reason(), "cannot_write");
  EXPECT_NE(st.message().find(std::strerror(ELOOP)), std::string::npos) << st;
}

TEST_F(OutputFileTest, DirectoryIsRefusedDirectlyOrThroughALink) {
  fs::create_directory(P("d"));
  fs::create_directory_symlink("d", P("dl"));
  for (const char* name : {"d", "dl"}) {
    const Status st = Write(P(name), "x");
    EXPECT_EQ(st.reason(), "is_directory") << name;
    EXPECT_NE(st.message().find("is a directory"), std::string::npos) << st;
  }
  EXPECT_TRUE(fs::is_empty(P("d")));
  EXPECT_TRUE(S_ISLNK(LStat(P("dl")).st_mode));
}

// Run as root (CI is): a copy of /dev/null made with mknod is written in place and stays
// a character device with the same numbers.
TEST_F(OutputFileTest, CharacterDeviceIsWrittenInPlaceAndStaysADevice) {
  if (::mknod(P("null").c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) {
    GTEST_SKIP() << "mknod needs root (CI runs as root): " << std::strerror(errno);
  }
  fs::create_symlink("null", P("null-link"));
  for (const char* name : {"null", "null-link"}) {
    auto f = OutputFile::Open(P(name));
    ASSERT_TRUE(f.ok()) << f.status();
    EXPECT_EQ(f->kind(), OutputFile::Kind::kInPlace);
    ASSERT_TRUE(f->Write(AsBytes(std::string(1 << 20, 'x'))).ok());
    ASSERT_TRUE(f->Commit().ok());
  }
  const struct stat sb = LStat(P("null"));
  EXPECT_TRUE(S_ISCHR(sb.st_mode));
  EXPECT_EQ(sb.st_rdev, makedev(1, 3));
  EXPECT_TRUE(S_ISLNK(LStat(P("null-link")).st_mode));
  EXPECT_EQ(Leftovers(), 0);
  // The same device as the input is refused.
  const int in = ::open(P("null").c_str(), O_RDONLY);
  ASSERT_GE(in, 0);
  const Status st = Write(P("null-link"), "x", {.input = FileId::Of(in)});
  ::close(in);
  EXPECT_EQ(st.reason(), "output_is_input") << st;
}

TEST_F(OutputFileTest, FifoReaderReceivesTheStreamAndTheFifoStays) {
  ASSERT_EQ(::mkfifo(P("ff").c_str(), 0600), 0);
  auto got = ReadInBackground(P("ff"));
  std::string sent;
  for (int i = 0; i < 300; ++i) sent += std::to_string(i) + std::string(1000, 'a' + i % 26);
  ASSERT_TRUE(Write(P("ff"), sent).ok());
  EXPECT_EQ(got.get(), sent);
  EXPECT_TRUE(S_ISFIFO(LStat(P("ff")).st_mode));
  EXPECT_EQ(Leftovers(), 0);
  // Refused when the FIFO is the input.
  auto writer = std::async(std::launch::async, [&] {
    const int w = ::open(P("ff").c_str(), O_WRONLY);
    if (w >= 0) ::close(w);
  });
  const int in = ::open(P("ff").c_str(), O_RDONLY);
  ASSERT_GE(in, 0);
  writer.get();
  const Status st = Write(P("ff"), "x", {.input = FileId::Of(in)});
  ::close(in);
  EXPECT_EQ(st.reason(), "output_is_input") << st;
  EXPECT_NE(st.message().find("FIFO"), std::string::npos) << st;
}

TEST_F(OutputFileTest, UnixSocketIsConnectedAndWritten) {
  const int srv = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(srv, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = P("sock");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ASSERT_EQ(::bind(srv, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(srv, 1), 0);
  auto got = std::async(std::launch::async, [srv] {
    const int c = ::accept(srv, nullptr, nullptr);
    std::string s;
    char buf[4096];
    for (ssize_t n; (n = ::read(c, buf, sizeof buf)) > 0;) s.append(buf, static_cast<size_t>(n));
    ::close(c);
    return s;
  });
  const Status st = Write(path, "over a socket");
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(got.get(), "over a socket");
  ::close(srv);
  EXPECT_TRUE(S_ISSOCK(LStat(path).st_mode));
}

TEST_F(OutputFileTest, SameRegularFileAsInputIsReplacedWhole) {
  std::ofstream(P("f")) << "input";
  const int in = ::open(P("f").c_str(), O_RDONLY);
  ASSERT_GE(in, 0);
  EXPECT_TRUE(Write(P("f"), "output", {.input = FileId::Of(in)}).ok());
  ::close(in);
  EXPECT_EQ(Slurp(P("f")), "output");
}

TEST_F(OutputFileTest, RefuseExistingNeverReplacesAFile) {
  const OutputOptions no_clobber{.existing = OutputOptions::Existing::kRefuse};
  std::ofstream(P("key")) << "first";
  fs::create_symlink("key", P("key-link"));
  for (const char* name : {"key", "key-link"}) {
    const Status st = Write(P(name), "second", no_clobber);
    EXPECT_EQ(st.code(), Code::kAlreadyExists) << name;
    EXPECT_NE(st.message().find("exists"), std::string::npos) << st;
  }
  EXPECT_EQ(Slurp(P("key")), "first");
  // A file that appears between Open and Commit is not replaced either (link(2)).
  auto f = OutputFile::Open(P("late"), no_clobber);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(f->Write(AsBytes("mine")).ok());
  std::ofstream(P("late")) << "theirs";
  EXPECT_EQ(f->Commit().code(), Code::kAlreadyExists);
  EXPECT_EQ(Slurp(P("late")), "theirs");
  EXPECT_EQ(Leftovers(), 0);
  // Absent, or a dangling link: created.
  fs::create_symlink("fresh", P("fresh-link"));
  EXPECT_TRUE(Write(P("fresh-link"), "new", no_clobber).ok());
  EXPECT_EQ(Slurp(P("fresh")), "new");
}

TEST_F(OutputFileTest, ReplacingKeepsTheOwnerWhereAllowed) {
  if (::geteuid() != 0) GTEST_SKIP() << "changing owners needs root (CI runs as root)";
  std::ofstream(P("owned")) << "x";
  ASSERT_EQ(::chown(P("owned").c_str(), 65534, 65534), 0);
  ASSERT_TRUE(Write(P("owned"), "y").ok());
  const struct stat sb = LStat(P("owned"));
  EXPECT_EQ(sb.st_uid, 65534u);
  EXPECT_EQ(sb.st_gid, 65534u);
}

TEST_F(OutputFileTest, StdoutForEmptyAndDash) {
  for (const char* name : {"", "-"}) {
    auto f = OutputFile::Open(name);
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f->kind(), OutputFile::Kind::kStdout);
    EXPECT_TRUE(f->Commit().ok());
  }
}

}  // namespace
}  // namespace keep
