// Streaming file I/O for `keep file`: an input (file or stdin), an output written under a
// temporary name and renamed into place only when complete, a progress bar for
// terminals, and a pump that moves an input through a sink in 1 MiB chunks.
//
// Errors: constructors throw UsageError (exit 2) when a file cannot be opened or created;
// Read/Write/Commit return kInvalidArgument with the path and errno text. Not thread-safe;
// each object owns its file descriptor (stdin/stdout are never closed).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>

#include "common/bytes.h"
#include "keep/result.h"

namespace keep::cli {

// An input: a file, or stdin for "" and "-".
class Input {
 public:
  explicit Input(const std::string& path);
  ~Input();
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;
  // Up to n bytes (0 at the end), retrying on EINTR.
  Result<size_t> Read(uint8_t* buf, size_t n);
  uint64_t size() const { return size_; }  // 0: unknown (a pipe)
  mode_t mode() const { return mode_; }    // a regular file's permissions (else 0644)
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
  mode_t mode_ = 0644;
};

// An output: stdout for "" and "-"; otherwise `path` + ".keep-tmp-<pid>" (created with
// `mode`, never over an existing file) that Commit() fsyncs and renames onto `path`.
// Destroyed without Commit(), the temporary file is removed: nothing is left behind.
class Output {
 public:
  Output(const std::string& path, mode_t mode);
  ~Output();
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  Status Write(ByteView data);
  Status Commit();

 private:
  std::string path_, tmp_;
  int fd_ = -1;
  bool committed_ = false;
};

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

// The exit status of a streamed command: 0, or 1 with "keep: <reason>" on stderr.
int Finished(const Status& st);

}  // namespace keep::cli
