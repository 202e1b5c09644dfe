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
  if (::fstat(fd_, &sb) == 0) {
    id_ = FileId{sb.st_dev, sb.st_ino, static_cast<mode_t>(sb.st_mode & S_IFMT)};
    if (S_ISDIR(sb.st_mode)) {
      if (fd_ > STDIN_FILENO) ::close(fd_);
      fd_ = -1;
      throw UsageError{path_ + " is a directory: name a file to read"};
    }
    if (S_ISREG(sb.st_mode)) {
      size_ = static_cast<uint64_t>(sb.st_size);
      mode_ = sb.st_mode & 07777;
    }
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

OutputFile OpenOutput(const std::string& path, mode_t mode, std::optional<FileId> input) {
  OutputOptions opt;
  opt.mode = mode;
  opt.input = input;
  auto f = OutputFile::Open(path, opt);
  if (!f.ok()) throw UsageError{f.status().message()};
  return std::move(*f);
}

Output::Output(const std::string& path, mode_t mode, const Input* input)
    : f_(OpenOutput(path, mode, input != nullptr ? input->id() : std::nullopt)) {}

namespace {

const char* FileTypeName(mode_t m) {
  return S_ISFIFO(m)   ? "a FIFO"
         : S_ISCHR(m)  ? "a character device"
         : S_ISBLK(m)  ? "a block device"
         : S_ISSOCK(m) ? "a socket"
         : S_ISDIR(m)  ? "a directory"
                       : "not a regular file";
}

}  // namespace

void RefuseOutputOverInput(const std::string& in, const std::string& out) {
  if (in.empty() || in == "-" || out.empty() || out == "-") return;
  struct stat a, b;
  if (::stat(in.c_str(), &a) != 0 || ::stat(out.c_str(), &b) != 0) return;
  if (a.st_dev != b.st_dev || a.st_ino != b.st_ino || S_ISREG(a.st_mode)) return;
  throw UsageError{out + " is the input (" + in + "), " + FileTypeName(a.st_mode) +
                   ": cannot write the output over it"};
}

void RefuseInPlaceRewriteOf(const std::string& path) {
  struct stat sb;
  if (::stat(path.c_str(), &sb) != 0 || S_ISREG(sb.st_mode)) return;  // Input says why
  throw UsageError{path + " is " + FileTypeName(sb.st_mode) + ": it cannot be rewritten in place"};
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
