// Periodic: runs a task on its own thread every interval, or at once when asked (RunNow),
// and counts the passes (tests and /metrics wait on the count instead of on time). One
// pass at a time; Stop() (and the destructor) waits for a running pass. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace keep::service {

class Periodic {
 public:
  explicit Periodic(std::function<void()> task) : task_(std::move(task)) {}
  ~Periodic() { Stop(); }
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;

  // (Re)starts the thread: a pass every `interval_seconds`.
  void Start(int interval_seconds);
  void Stop();
  // Asks for a pass now, without waiting for it.
  void RunNow();
  uint64_t passes() const { return passes_.load(); }

 private:
  std::function<void()> task_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool now_ = false;
  std::atomic<uint64_t> passes_{0};
  std::thread thread_;
};

}  // namespace keep::service
