// NotifySystemd against a real datagram socket, as systemd listens for it.
#include "common/sd_notify.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

namespace keep {
namespace {

// A datagram socket bound at `name` (a path, or "@…" abstract); -1 on failure.
int Listen(const std::string& name) {
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, name.data(), name.size());
  if (name[0] == '@') addr.sun_path[0] = '\0';
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string Receive(int fd) {
  char buf[256];
  const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

TEST(SdNotify, SendsToAPathAndToTheAbstractNamespace) {
  const std::string path = "/tmp/keep-notify-" + std::to_string(::getpid());
  ::unlink(path.c_str());
  const int fd = Listen(path);
  ASSERT_GE(fd, 0);
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  EXPECT_TRUE(NotifySystemd("READY=1\nSTATUS=serving"));
  EXPECT_EQ(Receive(fd), "READY=1\nSTATUS=serving");
  ::close(fd);
  ::unlink(path.c_str());

  const std::string abstract = "@keep-notify-" + std::to_string(::getpid());
  const int afd = Listen(abstract);
  ASSERT_GE(afd, 0);
  ::setenv("NOTIFY_SOCKET", abstract.c_str(), 1);
  EXPECT_TRUE(NotifySystemd("STOPPING=1"));
  EXPECT_EQ(Receive(afd), "STOPPING=1");
  ::close(afd);
}

TEST(SdNotify, WithoutASocketItDoesNothing) {
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(NotifySystemd("READY=1"));
  ::setenv("NOTIFY_SOCKET", "relative/path", 1);
  EXPECT_FALSE(NotifySystemd("READY=1"));
  ::setenv("NOTIFY_SOCKET", ("/" + std::string(200, 'x')).c_str(), 1);
  EXPECT_FALSE(NotifySystemd("READY=1"));  // longer than sun_path
  ::setenv("NOTIFY_SOCKET", "/tmp/keep-notify-nobody-listens", 1);
  EXPECT_FALSE(NotifySystemd("READY=1"));
  ::unsetenv("NOTIFY_SOCKET");
}

}  // namespace
}  // namespace keep
