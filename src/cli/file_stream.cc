#include "cli/file_stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "cli/cli_internal.h"
#include "crypto/secret_bytes.h"

namespace keep::cli {

constexpr size_t kChunk = 1 << 20;

Input::Input(const std::string& path) : path_(path.empty() ? "-" : path) {
  fd_ = path_ == "-" ? STDIN_FILENO : ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw UsageError{"cannot read " + path_ + ": " + std::strerror(errno)};
  struct stat sb;
  if (::fstat(fd_, &sb) == 0 && S_ISREG(sb.st_mode)) {
    size_ = static_cast<uint64_t>(sb.st_size);
    mode_ = sb.st_mode & 07777;
  }
}

Input::~Input() {
  if (fd_ > STDIN_FILENO) ::close(fd_);
}

Result<size_t> Input::Read(uint8_t* buf, size_t n) {
  for (;;) {
    const ssize_t r = ::read(fd_, buf, n);
    if (r >= 0) return static_cast<size_t>(r);
    if (errno != EINTR)
      return InvalidArgument("cannot read " + path_ + ": " + std::strerror(errno));
  }
}

Output::Output(const std::string& path, mode_t mode) : path_(path) {
  if (path_.empty() || path_ == "-") {
    fd_ = STDOUT_FILENO;
    return;
  }
  tmp_ = path_ + ".keep-tmp-" + std::to_string(::getpid());
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd_ < 0) throw UsageError{"cannot write " + tmp_ + ": " + std::strerror(errno)};
}

Output::~Output() {
  if (!tmp_.empty()) {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(tmp_.c_str());
  }
}

Status Output::Write(ByteView data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return InvalidArgument("cannot write " + (tmp_.empty() ? "stdout" : path_) + ": " +
                             std::strerror(errno));
    }
    data = data.subspan(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status Output::Commit() {
  if (tmp_.empty()) return Status::Ok();
  if (::fsync(fd_) != 0 || ::close(fd_) != 0) return InvalidArgument("cannot write " + path_);
  fd_ = -1;
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    return InvalidArgument("cannot rename into " + path_ + ": " + std::strerror(errno));
  }
  committed_ = true;
  return Status::Ok();
}

Progress::Progress(uint64_t total)
    : total_(total), on_(total > (8u << 20) && isatty(STDERR_FILENO)) {}

Progress::~Progress() {
  if (on_ && last_ >= 0) std::cerr << "\n";
}

void Progress::Add(size_t n) {
  if (!on_) return;
  done_ += n;
  const int pct = static_cast<int>(100 * done_ / total_);
  if (pct == last_) return;
  last_ = pct;
  std::cerr << "\r  " << pct << "%  " << (done_ >> 20) << " / " << (total_ >> 20) << " MiB"
            << std::flush;
}

Status Pump(Input& in, size_t consumed, const std::function<Status(ByteView)>& sink) {
  Progress progress(in.size());
  progress.Add(consumed);
  crypto::SecretBytes buf(kChunk);
  for (;;) {
    KEEP_ASSIGN_OR_RETURN(size_t n, in.Read(buf.data(), buf.size()));
    if (n == 0) return Status::Ok();
    KEEP_RETURN_IF_ERROR(sink(ByteView(buf.data(), n)));
    progress.Add(n);
  }
}

int Finished(const Status& st) {
  if (st.ok()) return 0;
  std::cerr << "keep: " << st.message() << "\n";
  return 1;
}

}  // namespace keep::cli
