// Streaming file I/O for `keep file`: an input (file or stdin), an output (common/
// output_file.h: a regular file is written under a temporary name and renamed into place
// only when complete; devices, FIFOs and sockets are written in place; links are
// followed), a progress bar for terminals, and a pump that moves an input through a sink
// in 1 MiB chunks.
//
// Errors: Open returns a usage error (exit 2) when a file cannot be opened or created;
// Read/Write/Commit return kInvalidArgument with the path and errno text. Not thread-safe;
// each object owns its file descriptor (stdin/stdout are never closed).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>

#include "common/bytes.h"
#include "common/mapped_file.h"
#include "common/output_file.h"
#include "keep/result.h"

namespace keep::cli {

// An input: a file (not a directory), or stdin for "" and "-".
class Input {
 public:
  // Errors: usage (cannot be opened, a directory).
  static Result<Input> Open(const std::string& path);
  ~Input();
  Input(Input&& o) noexcept
      : path_(std::move(o.path_)),
        fd_(std::exchange(o.fd_, -1)),
        size_(o.size_),
        mode_(o.mode_),
        id_(o.id_),
        base_(o.base_),
        pending_(std::move(o.pending_)) {}
  Input& operator=(Input&&) = delete;
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;
  // Up to n bytes (0 at the end), retrying on EINTR.
  Result<size_t> Read(uint8_t* buf, size_t n);
  // The next (up to) n bytes without consuming them: Read returns them again (to tell a
  // file's format from its first bytes, on a pipe too).
  Result<std::string> Peek(size_t n);
  // A regular file: the bytes after what Read has consumed can be read at any offset from
  // several threads (ReadAt), and their number is known (Remaining, which also fixes where
  // ReadAt's offsets start).
  bool seekable() const { return size_ > 0; }
  Result<uint64_t> Remaining();
  // Exactly to.size() bytes at `offset` past what Read had consumed when Remaining was
  // called (pread; thread-safe).
  // Errors: fewer bytes than that (the file changed while being read), a read error.
  Status ReadAt(uint64_t offset, std::span<uint8_t> to) const;
  // The `size` bytes ReadAt would read, mapped (common/mapped_file.h). Errors: kUnavailable
  // when the file cannot be mapped (use ReadAt).
  Result<MappedFile> Map(uint64_t size) const;
  uint64_t size() const { return size_; }  // 0: unknown (a pipe)
  mode_t mode() const { return mode_; }    // a regular file's permissions (else 0644)
  const std::string& path() const { return path_; }
  const std::optional<FileId>& id() const { return id_; }

 private:
  explicit Input(std::string path) : path_(std::move(path)) {}
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
  mode_t mode_ = 0644;
  std::optional<FileId> id_;
  uint64_t base_ = 0;    // where ReadAt's offset 0 is
  std::string pending_;  // peeked, not yet read (never plaintext: a file's first bytes)
};

// An output (OutputFile's rules): stdout for "" and "-"; a new or regular file is created
// with `mode` under a temporary name that Commit() renames onto the path (destroyed
// without Commit(), nothing is left behind); a device, FIFO or socket is written in place.
// With `input`, an output that is that same device or FIFO is refused.
class Output {
 public:
  // Errors: usage naming the path.
  static Result<Output> Open(const std::string& path, mode_t mode, const Input* input = nullptr);
  Status Write(ByteView data) { return f_.Write(data); }
  Status Commit() { return f_.Commit(); }

 private:
  explicit Output(OutputFile f) : f_(std::move(f)) {}
  OutputFile f_;
};

// Refuses (usage) to write the output over the input when both are paths to the same
// device or FIFO: reading and writing it would consume or clobber the data. Call before
// opening either, since opening a FIFO waits for the other end. The same regular file is
// fine (written by rename).
Status RefuseOutputOverInput(const std::string& in, const std::string& out);
// Refuses (usage) an in-place rewrite of `path` unless it is (or links to) a regular
// file: a device or FIFO cannot be read and rewritten, a directory is not a file.
Status RefuseInPlaceRewriteOf(const std::string& path);

// "\r  N%  done / total MiB" on stderr, only when stderr is a terminal and `total` is
// over 8 MiB; ends the line when destroyed.
class Progress {
 public:
  explicit Progress(uint64_t total);
  ~Progress();
  void Add(size_t n);

 private:
  uint64_t total_, done_ = 0;
  bool on_;
  int last_ = -1;
};

// Feeds the rest of `in` to `sink` in 1 MiB chunks (from a buffer wiped afterwards: it
// may hold plaintext), with a Progress over in.size(); `consumed` bytes were read before.
Status Pump(Input& in, size_t consumed, const std::function<Status(ByteView)>& sink);
// The same without the copy: reads straight into `space()` (an Encryptor's or Decryptor's
// batch buffer) and hands the bytes over with `commit(n)`.
Status PumpInto(Input& in, size_t consumed,
                const std::function<Result<std::span<uint8_t>>()>& space,
                const std::function<void(size_t)>& commit);

}  // namespace keep::cli
