#include "seal/dev_file_seal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "crypto/random.h"

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

Result<crypto::SecretBytes> DevFileSeal::Create() {
  Fd f{::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)};
  if (f.fd < 0) {
    if (errno == EEXIST) {
      return AlreadyExists("the dev root key file already exists: " + path_, "already_initialized");
    }
    return Internal("cannot create the dev root key file " + path_ + ": " + std::strerror(errno));
  }
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes key, crypto::RandomSecret(kKeySize));
  if (!WriteAll(f.fd, reinterpret_cast<const uint8_t*>(kMagic.data()), kMagic.size()) ||
      !WriteAll(f.fd, key.data(), key.size()) || ::fsync(f.fd) != 0) {
    ::unlink(path_.c_str());
    return Internal("cannot write the dev root key file " + path_);
  }
  return key;
}

Result<crypto::SecretBytes> DevFileSeal::AutoUnseal() {
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
  return crypto::SecretBytes::CopyOf(buf.view().subspan(kMagic.size(), kKeySize));
}

}  // namespace keep::seal
