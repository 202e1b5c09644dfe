#include "common/output_file.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace keep {
namespace {

constexpr int kMaxLinks = 40;  // as the kernel's MAXSYMLINKS

std::string ErrnoText(int err) {
  return std::strerror(err);
}

Status CannotWrite(const std::string& path, int err) {
  return InvalidArgument("cannot write " + path + ": " + ErrnoText(err), "cannot_write");
}

std::string DirName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

const char* TypeName(mode_t type) {
  switch (type) {
    case S_IFCHR:
      return "a character device";
    case S_IFBLK:
      return "a block device";
    case S_IFIFO:
      return "a FIFO";
    case S_IFSOCK:
      return "a socket";
    default:
      return "not a regular file";
  }
}

// Follows `path` through symlinks. On return `out` is the first path that is not a link
// and `sb` its lstat (nullopt when it does not exist).
Status Resolve(const std::string& path, std::string& out, std::optional<struct stat>& sb) {
  out = path;
  for (int hops = 0;; ++hops) {
    struct stat st;
    if (::lstat(out.c_str(), &st) != 0) {
      if (errno == ENOENT) {
        sb.reset();
        return Status::Ok();
      }
      return CannotWrite(path, errno);
    }
    if (!S_ISLNK(st.st_mode)) {
      sb = st;
      return Status::Ok();
    }
    if (hops == kMaxLinks) return CannotWrite(path, ELOOP);
    std::string link(static_cast<size_t>(st.st_size > 0 ? st.st_size : 255) + 1, '\0');
    const ssize_t n = ::readlink(out.c_str(), link.data(), link.size());
    if (n < 0) return CannotWrite(path, errno);
    link.resize(static_cast<size_t>(n));
    out = link.front() == '/' ? link : DirName(out) + "/" + link;
  }
}

int ConnectUnix(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    ::close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

bool SameFile(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

}  // namespace

std::optional<FileId> FileId::Of(int fd) {
  struct stat sb;
  if (::fstat(fd, &sb) != 0) return std::nullopt;
  return FileId{sb.st_dev, sb.st_ino, static_cast<mode_t>(sb.st_mode & S_IFMT)};
}

Result<OutputFile> OutputFile::Open(const std::string& path, const OutputOptions& opt) {
  OutputFile f;
  f.path_ = path;
  f.refuse_existing_ = opt.existing == OutputOptions::Existing::kRefuse;
  if (path.empty() || path == "-") {
    f.kind_ = Kind::kStdout;
    f.fd_ = STDOUT_FILENO;
    f.target_ = "stdout";
    return f;
  }
  std::optional<struct stat> sb;
  KEEP_RETURN_IF_ERROR(Resolve(path, f.target_, sb));
  const std::string shown = f.target_ == path ? path : path + " (a link to " + f.target_ + ")";

  if (sb && S_ISDIR(sb->st_mode)) {
    return InvalidArgument(shown + " is a directory: name a file to write", "is_directory");
  }
  if (sb && !S_ISREG(sb->st_mode)) {
    // A device, FIFO or socket: written in place, never replaced.
    if (opt.input && opt.input->dev == sb->st_dev && opt.input->ino == sb->st_ino) {
      return InvalidArgument(shown + " is the input and " + TypeName(sb->st_mode & S_IFMT) +
                                 ": cannot write the output over it",
                             "output_is_input");
    }
    f.kind_ = Kind::kInPlace;
    f.fd_ = S_ISSOCK(sb->st_mode) ? ConnectUnix(f.target_)
                                  : ::open(f.target_.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (f.fd_ < 0) return CannotWrite(shown, errno);
    // The path could have been swapped between lstat and open: write only into what was
    // checked. (A connected socket's descriptor is not the path's inode; connect(2) to
    // anything but a listening socket fails anyway.)
    struct stat now;
    if (!S_ISSOCK(sb->st_mode) && (::fstat(f.fd_, &now) != 0 || !SameFile(now, *sb))) {
      ::close(f.fd_);
      f.fd_ = -1;
      return InvalidArgument(shown + " changed while it was being opened", "cannot_write");
    }
    return f;
  }
  if (sb && f.refuse_existing_) {
    return AlreadyExists(shown + " exists already: not overwritten", "exists");
  }
  f.kind_ = Kind::kAtomic;
  if (sb) f.replaced_ = *sb;
  for (int n = 0;; ++n) {
    f.tmp_ = f.target_ + ".keep-tmp-" + std::to_string(::getpid()) + "-" + std::to_string(n);
    f.fd_ = ::open(f.tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, opt.mode);
    if (f.fd_ >= 0) break;
    const int err = errno;
    f.tmp_.clear();
    if (err != EEXIST || n == 100) return CannotWrite(shown, err);
  }
  return f;
}

Status OutputFile::WriteWhole(const std::string& path, ByteView data, const OutputOptions& opt) {
  KEEP_ASSIGN_OR_RETURN(OutputFile f, Open(path, opt));
  KEEP_RETURN_IF_ERROR(f.Write(data));
  return f.Commit();
}

OutputFile::OutputFile(OutputFile&& o) noexcept
    : kind_(o.kind_),
      path_(std::move(o.path_)),
      target_(std::move(o.target_)),
      tmp_(std::move(o.tmp_)),
      fd_(o.fd_),
      committed_(o.committed_),
      refuse_existing_(o.refuse_existing_),
      replaced_(o.replaced_) {
  o.fd_ = -1;
  o.tmp_.clear();
  o.kind_ = Kind::kStdout;
}

OutputFile& OutputFile::operator=(OutputFile&& o) noexcept {
  if (this != &o) {
    Abandon();
    kind_ = o.kind_;
    path_ = std::move(o.path_);
    target_ = std::move(o.target_);
    tmp_ = std::move(o.tmp_);
    fd_ = o.fd_;
    committed_ = o.committed_;
    refuse_existing_ = o.refuse_existing_;
    replaced_ = o.replaced_;
    o.fd_ = -1;
    o.tmp_.clear();
    o.kind_ = Kind::kStdout;
  }
  return *this;
}

OutputFile::~OutputFile() {
  Abandon();
}

void OutputFile::Abandon() {
  if (kind_ != Kind::kStdout && fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!tmp_.empty() && !committed_) ::unlink(tmp_.c_str());
  tmp_.clear();
}

Status OutputFile::Write(ByteView data) {
  if (fd_ < 0) return CannotWrite(path_, EBADF);
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return CannotWrite(kind_ == Kind::kStdout ? "stdout" : path_, errno);
    }
    data = data.subspan(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status OutputFile::Commit() {
  if (committed_) return Status::Ok();
  if (fd_ < 0) return CannotWrite(path_, EBADF);
  if (kind_ == Kind::kStdout) {
    committed_ = true;
    return Status::Ok();
  }
  if (kind_ == Kind::kInPlace) {
    // Flush what a block device caches; FIFOs, sockets and most character devices have
    // nothing to flush (EINVAL/EROFS).
    int err = 0;
    if (::fsync(fd_) != 0 && errno != EINVAL && errno != EROFS) err = errno;
    if (::close(fd_) != 0 && err == 0) err = errno;
    fd_ = -1;
    committed_ = true;
    return err == 0 ? Status::Ok() : CannotWrite(path_, err);
  }
  if (replaced_) {
    // Keep the replaced file's owner and group where allowed (best effort).
    if (::fchown(fd_, replaced_->st_uid, replaced_->st_gid) != 0) errno = 0;
  }
  if (::fsync(fd_) != 0) {
    const int err = errno;
    Abandon();
    return CannotWrite(path_, err);
  }
  if (::close(fd_) != 0) {
    fd_ = -1;
    const int err = errno;
    Abandon();
    return CannotWrite(path_, err);
  }
  fd_ = -1;
  if (refuse_existing_) {
    // link(2) publishes only if nothing is there, whatever appeared since Open.
    const int rc = ::link(tmp_.c_str(), target_.c_str());
    const int err = errno;
    Abandon();
    if (rc != 0 && err == EEXIST) {
      return AlreadyExists(path_ + " exists already: not overwritten", "exists");
    }
    if (rc != 0) return CannotWrite(path_, err);
  } else if (::rename(tmp_.c_str(), target_.c_str()) != 0) {
    const int err = errno;
    Abandon();
    return CannotWrite(path_, err);
  }
  committed_ = true;
  tmp_.clear();
  // The rename is durable once the directory is.
  const int dir = ::open(DirName(target_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    (void)::fsync(dir);
    ::close(dir);
  }
  return Status::Ok();
}

}  // namespace keep
