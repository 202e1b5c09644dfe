#include "cli/file_stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>

#include "cli/cli_internal.h"
#include "crypto/secret_bytes.h"

namespace keep::cli {

constexpr size_t kChunk = 1 << 20;

Result<Input> Input::Open(const std::string& path) {
  Input in(path.empty() ? "-" : path);
  in.fd_ = in.path_ == "-" ? STDIN_FILENO : ::open(in.path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (in.fd_ < 0) return Usage("cannot read " + in.path_ + ": " + std::strerror(errno));
  struct stat sb;
  if (::fstat(in.fd_, &sb) == 0) {
    in.id_ = FileId{sb.st_dev, sb.st_ino, static_cast<mode_t>(sb.st_mode & S_IFMT)};
    if (S_ISDIR(sb.st_mode)) return Usage(in.path_ + " is a directory: name a file to read");
    if (S_ISREG(sb.st_mode)) {
      in.size_ = static_cast<uint64_t>(sb.st_size);
      in.mode_ = sb.st_mode & 07777;
    }
  }
  return in;
}

Input::~Input() {
  if (fd_ > STDIN_FILENO) ::close(fd_);
}

Result<std::string> Input::Peek(size_t n) {
  while (pending_.size() < n) {
    uint8_t buf[256];
    size_t want = std::min(sizeof buf, n - pending_.size());
    ssize_t r;
    do {
      r = ::read(fd_, buf, want);
    } while (r < 0 && errno == EINTR);
    if (r < 0) return InvalidArgument("cannot read " + path_ + ": " + std::strerror(errno));
    if (r == 0) break;
    pending_.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(r));
  }
  return pending_.substr(0, n);
}

Result<size_t> Input::Read(uint8_t* buf, size_t n) {
  if (!pending_.empty()) {
    const size_t k = std::min(n, pending_.size());
    std::memcpy(buf, pending_.data(), k);
    pending_.erase(0, k);
    return k;
  }
  for (;;) {
    const ssize_t r = ::read(fd_, buf, n);
    if (r >= 0) return static_cast<size_t>(r);
    if (errno != EINTR)
      return InvalidArgument("cannot read " + path_ + ": " + std::strerror(errno));
  }
}

Result<uint64_t> Input::Remaining() {
  const off_t pos = ::lseek(fd_, 0, SEEK_CUR);
  if (pos < 0) return InvalidArgument("cannot read " + path_ + ": " + std::strerror(errno));
  base_ = static_cast<uint64_t>(pos) - pending_.size();  // peeked bytes are still to read
  struct stat sb;
  if (::fstat(fd_, &sb) != 0) {
    return InvalidArgument("cannot read " + path_ + ": " + std::strerror(errno));
  }
  const auto base = static_cast<off_t>(base_);
  return sb.st_size > base ? static_cast<uint64_t>(sb.st_size - base) : 0;
}

Status Input::ReadAt(uint64_t offset, std::span<uint8_t> to) const {
  const off_t pos = static_cast<off_t>(base_);
  size_t got = 0;
  while (got < to.size()) {
    const ssize_t r =
        ::pread(fd_, to.data() + got, to.size() - got, pos + static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return InvalidArgument("cannot read " + path_ + ": " + std::strerror(errno));
    if (r == 0) return InvalidArgument(path_ + " changed (it got shorter) while it was read");
    got += static_cast<size_t>(r);
  }
  return Status::Ok();
}

Result<MappedFile> Input::Map(uint64_t size) const {
  return MappedFile::Map(fd_, base_, size);
}

Result<OutputFile> OpenOutput(const std::string& path, mode_t mode, std::optional<FileId> input) {
  OutputOptions opt;
  opt.mode = mode;
  opt.input = input;
  auto f = OutputFile::Open(path, opt);
  if (!f.ok()) return Usage(f.status().message());
  return f;
}

Result<Output> Output::Open(const std::string& path, mode_t mode, const Input* input) {
  KEEP_ASSIGN_OR_RETURN(OutputFile f,
                        OpenOutput(path, mode, input != nullptr ? input->id() : std::nullopt));
  return Output(std::move(f));
}

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

Status RefuseOutputOverInput(const std::string& in, const std::string& out) {
  if (in.empty() || in == "-" || out.empty() || out == "-") return Status::Ok();
  struct stat a, b;
  if (::stat(in.c_str(), &a) != 0 || ::stat(out.c_str(), &b) != 0) return Status::Ok();
  if (a.st_dev != b.st_dev || a.st_ino != b.st_ino || S_ISREG(a.st_mode)) return Status::Ok();
  return Usage(out + " is the input (" + in + "), " + FileTypeName(a.st_mode) +
               ": cannot write the output over it");
}

Status RefuseInPlaceRewriteOf(const std::string& path) {
  struct stat sb;
  if (::stat(path.c_str(), &sb) != 0 || S_ISREG(sb.st_mode)) return Status::Ok();  // Input says why
  return Usage(path + " is " + FileTypeName(sb.st_mode) + ": it cannot be rewritten in place");
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

Status PumpInto(Input& in, size_t consumed,
                const std::function<Result<std::span<uint8_t>>()>& space,
                const std::function<void(size_t)>& commit) {
  Progress progress(in.size());
  progress.Add(consumed);
  for (;;) {
    KEEP_ASSIGN_OR_RETURN(std::span<uint8_t> to, space());
    KEEP_ASSIGN_OR_RETURN(size_t n, in.Read(to.data(), to.size()));
    if (n == 0) return Status::Ok();
    commit(n);
    progress.Add(n);
  }
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

}  // namespace keep::cli
