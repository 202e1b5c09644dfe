#include "seal/dev_file_seal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace keep::seal {
namespace {

constexpr std::string_view kMagic = "KEEP INSECURE DEV ROOT KEY v1\n";
constexpr size_t kKeySize = 32;

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

bool WriteAll(int fd, const uint8_t* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

Result<Bytes> DevFileSeal::Wrap(const crypto::SecretBytes& key) {
  if (key.size() != kKeySize) return InvalidArgument("root key must be 32 bytes");
  const std::string tmp = path_ + ".tmp";
  Fd f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)};
  if (f.fd < 0) {
    return Unavailable("sealed",
                       "cannot create the dev root key file " + tmp + ": " + std::strerror(errno));
  }
  if (!WriteAll(f.fd, reinterpret_cast<const uint8_t*>(kMagic.data()), kMagic.size()) ||
      !WriteAll(f.fd, key.data(), key.size()) || ::fsync(f.fd) != 0) {
    ::unlink(tmp.c_str());
    return Unavailable("sealed", "cannot write the dev root key file " + path_);
  }
  // link() publishes the complete file only if none exists: two nodes initializing at
  // once (or a stale file) can never replace a key a store is already encrypted under.
  const int rc = ::link(tmp.c_str(), path_.c_str());
  const int err = errno;
  ::unlink(tmp.c_str());
  if (rc != 0 && err == EEXIST) {
    return AlreadyExists("the dev root key file " + path_ +
                             " already exists (from an earlier initialization?); move it away "
                             "to initialize a new store",
                         "already_initialized");
  }
  if (rc != 0) return Unavailable("sealed", "cannot write the dev root key file " + path_);
  return Bytes{};
}

Result<crypto::SecretBytes> DevFileSeal::Unwrap(ByteView) {
  Fd f{::open(path_.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) {
    return Unavailable("sealed",
                       "cannot open the dev root key file " + path_ + ": " + std::strerror(errno));
  }
  crypto::SecretBytes buf(kMagic.size() + kKeySize + 1);
  size_t got = 0;
  for (;;) {
    const ssize_t r = ::read(f.fd, buf.data() + got, buf.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<size_t>(r);
    if (got == buf.size()) break;
  }
  if (got != kMagic.size() + kKeySize ||
      std::memcmp(buf.data(), kMagic.data(), kMagic.size()) != 0) {
    return Unavailable("sealed", "the dev root key file " + path_ + " is malformed");
  }
  return crypto::SecretBytes::LockedCopyOf(buf.view().subspan(kMagic.size(), kKeySize));
}

}  // namespace keep::seal
