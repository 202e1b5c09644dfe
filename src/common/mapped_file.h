// MappedFile: a read-only mapping of part of a regular file, for reading a large input
// without copying it out of the page cache (`keep file encrypt` seals straight from it).
//
// A mapped file that shrinks while mapped (another process truncates it) turns reads of the
// lost pages into SIGBUS. Code that reads a mapping runs under RunCatchingBusError, which
// turns that signal, on that thread, into a `false` return instead of the process dying.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

#include "common/bytes.h"
#include "keep/result.h"

namespace keep {

class MappedFile {
 public:
  // Maps bytes [offset, offset + size) of `fd` (a regular file open for reading), read-only
  // and private, advised for sequential reading. size 0: an empty view, nothing mapped.
  // Errors: kUnavailable when the file cannot be mapped (callers fall back to pread).
  static Result<MappedFile> Map(int fd, uint64_t offset, uint64_t size);
  MappedFile() = default;
  MappedFile(MappedFile&& o) noexcept
      : base_(std::exchange(o.base_, nullptr)),
        length_(std::exchange(o.length_, 0)),
        view_(std::exchange(o.view_, {})) {}
  MappedFile& operator=(MappedFile&& o) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  // The bytes asked for. Valid until this object is destroyed; read them only inside
  // RunCatchingBusError.
  ByteView view() const { return view_; }

 private:
  void* base_ = nullptr;  // page-aligned start of the mapping
  size_t length_ = 0;
  ByteView view_;
};

namespace detail {
bool RunCatchingBusError(void (*fn)(void*), void* arg);
}

// Runs f() on this thread with SIGBUS caught: if f touches a page of a mapping that is no
// longer backed by its file, f is abandoned at that point (by siglongjmp: no destructor of
// f's frames runs, so f must not hold resources that need one — plain loops over pointers
// and calls into C code such as OpenSSL's) and false is returned; otherwise true. A SIGBUS
// outside such a call, or on another thread, keeps its usual effect. Thread-safe; calls
// may nest.
template <typename F>
bool RunCatchingBusError(F&& f) {
  using Fn = std::remove_reference_t<F>;
  return detail::RunCatchingBusError([](void* p) { (*static_cast<Fn*>(p))(); },
                                     static_cast<void*>(&f));
}

}  // namespace keep
