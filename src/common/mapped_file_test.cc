// MappedFile against real files, and RunCatchingBusError against a real SIGBUS: a mapped
// file truncated under the mapping.
#include "common/mapped_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace keep {
namespace {

class MappedFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("keep-map-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                .string();
    content_.resize(3 * 4096 + 100);
    for (size_t i = 0; i < content_.size(); ++i) content_[i] = static_cast<char>('a' + i % 26);
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ASSERT_GE(fd_, 0);
    ASSERT_EQ(::write(fd_, content_.data(), content_.size()),
              static_cast<ssize_t>(content_.size()));
  }
  void TearDown() override {
    ::close(fd_);
    std::filesystem::remove(path_);
  }
  std::string path_, content_;
  int fd_ = -1;
};

uint64_t Sum(ByteView v) {
  uint64_t s = 0;
  for (uint8_t b : v) s += b;
  return s;
}

TEST_F(MappedFileTest, ViewsTheBytesAskedForAtAnyOffset) {
  for (uint64_t offset : {0ull, 1ull, 4095ull, 4096ull, 5000ull}) {
    const uint64_t size = content_.size() - offset;
    auto m = MappedFile::Map(fd_, offset, size);
    ASSERT_TRUE(m.ok()) << m.status();
    ASSERT_EQ(m->view().size(), size);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(m->view().data()), size),
              content_.substr(offset));
  }
  auto empty = MappedFile::Map(fd_, 7, 0);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->view().empty());
}

TEST_F(MappedFileTest, MappingWhatIsNotAFileIsAClearError) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  auto m = MappedFile::Map(pipe_fds[0], 0, 4096);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), Code::kUnavailable);
  EXPECT_NE(m.status().message().find("cannot map"), std::string::npos);
}

TEST_F(MappedFileTest, AReadOfATruncatedMappingIsCaughtNotFatal) {
  auto m = MappedFile::Map(fd_, 0, content_.size());
  ASSERT_TRUE(m.ok());
  const ByteView v = m->view();
  ASSERT_EQ(::ftruncate(fd_, 4096), 0);  // the last pages lose their backing
  uint64_t first = 0, last = 0;
  EXPECT_TRUE(RunCatchingBusError([&] { first = Sum(v.first(4096)); }));
  EXPECT_EQ(first, Sum(AsBytes(std::string_view(content_).substr(0, 4096))));
  EXPECT_FALSE(RunCatchingBusError([&] { last = Sum(v.subspan(3 * 4096)); }));
  // The guard is reusable, nests, and the outer one survives an inner catch.
  bool inner = true;
  EXPECT_TRUE(RunCatchingBusError(
      [&] { inner = RunCatchingBusError([&] { last = Sum(v.subspan(2 * 4096, 10)); }); }));
  EXPECT_FALSE(inner);
  EXPECT_FALSE(RunCatchingBusError([&] { last = Sum(v.subspan(2 * 4096, 1)); }));
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
// A sanitizer's own SIGBUS handler was there first: it reports, then dies its own way.
bool DiedTheUsualWay(int status) {
  return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
constexpr const char* kUsualReport = "Sanitizer: BUS";
#else
bool DiedTheUsualWay(int status) {
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS;
}
constexpr const char* kUsualReport = "";
#endif

TEST_F(MappedFileTest, ASigbusOutsideTheGuardKeepsItsUsualEffect) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto m = MappedFile::Map(fd_, 0, content_.size());
  ASSERT_TRUE(m.ok());
  const ByteView v = m->view();
  RunCatchingBusError([] {});  // the handler is installed
  ASSERT_EQ(::ftruncate(fd_, 0), 0);
  EXPECT_EXIT(
      {
        volatile uint64_t s = Sum(v.subspan(4096, 1));
        (void)s;
        std::_Exit(0);
      },
      DiedTheUsualWay, kUsualReport);
}

}  // namespace
}  // namespace keep
