#include "common/mapped_file.h"

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>

namespace keep {

namespace {

thread_local sigjmp_buf* tl_bus_jump = nullptr;
struct sigaction g_previous_bus;

void OnBusError(int sig, siginfo_t*, void*) {
  if (sigjmp_buf* j = tl_bus_jump) siglongjmp(*j, 1);
  // Not a guarded read: restore what was there; the faulting access runs again and gets
  // the usual treatment (by default, the process dies with SIGBUS).
  sigaction(sig, &g_previous_bus, nullptr);
}

void InstallBusHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = OnBusError;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &g_previous_bus);
  });
}

}  // namespace

bool detail::RunCatchingBusError(void (*fn)(void*), void* arg) {
  InstallBusHandler();
  sigjmp_buf jump;
  sigjmp_buf* const outer = tl_bus_jump;
  if (sigsetjmp(jump, 1) != 0) {
    tl_bus_jump = outer;
    return false;
  }
  tl_bus_jump = &jump;
  fn(arg);
  tl_bus_jump = outer;
  return true;
}

Result<MappedFile> MappedFile::Map(int fd, uint64_t offset, uint64_t size) {
  MappedFile m;
  if (size == 0) return m;
  const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  const uint64_t start = offset - offset % page;
  const uint64_t length = size + (offset - start);
  if (length > SIZE_MAX) return Unavailable("unavailable", "the file is too large to map");
  void* p = ::mmap(nullptr, static_cast<size_t>(length), PROT_READ, MAP_PRIVATE, fd,
                   static_cast<off_t>(start));
  if (p == MAP_FAILED) {
    return Unavailable("unavailable", std::string("cannot map the file: ") + std::strerror(errno));
  }
  ::madvise(p, static_cast<size_t>(length), MADV_SEQUENTIAL);  // advice: its failure is harmless
  m.base_ = p;
  m.length_ = static_cast<size_t>(length);
  m.view_ = ByteView(static_cast<const uint8_t*>(p) + (offset - start), static_cast<size_t>(size));
  return m;
}

MappedFile& MappedFile::operator=(MappedFile&& o) noexcept {
  if (this != &o) {
    if (base_ != nullptr) ::munmap(base_, length_);
    base_ = std::exchange(o.base_, nullptr);
    length_ = std::exchange(o.length_, 0);
    view_ = std::exchange(o.view_, {});
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (base_ != nullptr) ::munmap(base_, length_);
}

}  // namespace keep
