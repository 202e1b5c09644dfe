// OutputFile: the one way keep writes a file it was asked to write (CLI outputs, key pairs,
// in-place rewrites of encrypted files, keepd's token/certificate/ready files, the dev root
// key). What happens depends on what the path is when it is opened:
//
//   ""/"-"                     stdout (never closed).
//   absent, or a regular file  written under a temporary name beside it
//                              (NAME.keep-tmp-PID-N, created with O_EXCL) and renamed
//                              onto NAME by Commit() after fsync, then the directory is
//                              fsynced: readers see the old file or the whole new one,
//                              and a failure leaves nothing behind.
//   a symlink                  followed (up to 40 links, relative ones against the link's
//                              directory); the file it points to is written by these same
//                              rules, so the link survives. A dangling link creates its
//                              target, as a shell redirection, `age -o` and `openssl -out` do.
//   a character/block device,  opened (connected, for a socket) and written in place; never
//   FIFO or Unix socket        replaced. Commit() only flushes; what was written before a
//                              failure has been delivered (as on stdout).
//   a directory                refused (kInvalidArgument, reason "is_directory").
//
// Options refine this:
//   - `existing = kRefuse`: an existing regular file (or one a link points to) is never
//     replaced; Commit() publishes with link(2), so even a file created by someone else
//     between Open and Commit is not replaced (kAlreadyExists, "exists").
//   - `input`: the file being read. When the output resolves to the same device or FIFO
//     (same st_dev/st_ino, not a regular file) Open refuses (kInvalidArgument,
//     "output_is_input"): writing it would consume or clobber the input. The same regular
//     file is fine: the temporary-and-rename write replaces it only once complete.
//
// When a regular file is replaced, the new one gets `mode` (not the old file's) and, where
// the process is allowed (root, or the same owner), the old file's owner and group. A
// replaced file that had other hard links keeps its old contents under those names.
//
// Errors name the path and errno's text. Not thread-safe; an OutputFile owns its
// descriptor. Destroying an OutputFile without Commit() removes its temporary file.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <string>

#include "common/bytes.h"
#include "keep/result.h"

namespace keep {

// A file's identity (for "is the output the input?").
struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  mode_t type = 0;  // S_IFMT bits
  // The identity of an open descriptor; nullopt when fstat fails.
  static std::optional<FileId> Of(int fd);
};

struct OutputOptions {
  enum class Existing { kReplace, kRefuse };
  mode_t mode = 0600;  // permissions of the file created (before the umask)
  Existing existing = Existing::kReplace;
  std::optional<FileId> input;  // the file being read, if any
};

class OutputFile {
 public:
  enum class Kind { kStdout, kAtomic, kInPlace };

  static Result<OutputFile> Open(const std::string& path, const OutputOptions& opt = {});
  // Opens, writes `data`, commits; for small files written in one go.
  static Status WriteWhole(const std::string& path, ByteView data, const OutputOptions& opt = {});

  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&& other) noexcept;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile();

  // Writes everything (retrying short writes and EINTR).
  Status Write(ByteView data);
  // Makes the output final (see above). After a failed Commit the output is abandoned.
  Status Commit();

  Kind kind() const { return kind_; }
  // The path as given, and the file actually written (after following links).
  const std::string& path() const { return path_; }
  const std::string& target() const { return target_; }

 private:
  OutputFile() = default;
  void Abandon();

  Kind kind_ = Kind::kStdout;
  std::string path_, target_, tmp_;
  int fd_ = -1;
  bool committed_ = false, refuse_existing_ = false;
  std::optional<struct stat> replaced_;  // the regular file being replaced
};

}  // namespace keep
