#include "seal/dev_file_seal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "common/output_file.h"

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

}  // namespace

Result<Bytes> DevFileSeal::Wrap(const crypto::SecretBytes& key) {
  if (key.size() != kKeySize) return InvalidArgument("root key must be 32 bytes");
  // Published with link(2) (OutputFile, kRefuse) only if no file is there: two nodes
  // initializing at once (or a stale file) can never replace a key a store is already
  // encrypted under.
  OutputOptions opt;
  opt.mode = 0600;
  opt.existing = OutputOptions::Existing::kRefuse;
  auto f = OutputFile::Open(path_, opt);
  Status st = f.ok() ? f->Write(AsBytes(kMagic)) : f.status();
  if (st.ok()) st = f->Write(key.view());
  if (st.ok()) st = f->Commit();
  if (st.code() == Code::kAlreadyExists) {
    return AlreadyExists("the dev root key file " + path_ +
                             " already exists (from an earlier initialization?); move it away "
                             "to initialize a new store",
                         "already_initialized");
  }
  if (!st.ok()) {
    return Unavailable("sealed", "cannot write the dev root key file: " + st.message());
  }
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
