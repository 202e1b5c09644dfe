// SegmentPool: a few threads that seal or open a batch of file segments at once (file.h's
// Encryptor and Decryptor), so `keep file` uses every core while the caller reads the next
// batch. Submit hands over `n` jobs and returns; Help lets the caller take some; Wait blocks
// until they are done. One batch
// in flight at a time. With one thread (or when threads cannot be started), Submit runs the
// jobs inline. Jobs must not throw. Owned by one caller; Submit/Wait from that caller only.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace keep::format::file {

class SegmentPool {
 public:
  // `threads` workers (0: one per core, at most 8).
  explicit SegmentPool(unsigned threads = 0);
  ~SegmentPool();
  SegmentPool(const SegmentPool&) = delete;
  SegmentPool& operator=(const SegmentPool&) = delete;

  void Submit(size_t n, std::function<void(size_t)> job);
  // Runs jobs of the submitted batch that no worker has taken yet on the caller's thread,
  // until none are left (then Wait returns as soon as the workers' last ones finish): a
  // caller with nothing else to do works instead of sleeping until the batch is done.
  void Help();
  void Wait();
  size_t workers() const { return workers_.size(); }

 private:
  void Work();

  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  std::function<void(size_t)> job_;
  size_t next_ = 0, total_ = 0, finished_ = 0;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace keep::format::file
