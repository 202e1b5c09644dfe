#include "format/segment_pool.h"

#include <algorithm>
#include <system_error>

namespace keep::format::file {

SegmentPool::SegmentPool(unsigned threads) {
  if (threads == 0) threads = std::min(8u, std::max(1u, std::thread::hardware_concurrency()));
  if (threads < 2) return;  // inline
  try {
    for (unsigned i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
  } catch (const std::system_error&) {
    // No more threads (an address-space limit): run with those that started, or inline.
  }
}

SegmentPool::~SegmentPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void SegmentPool::Submit(size_t n, std::function<void(size_t)> job) {
  if (workers_.empty()) {
    for (size_t i = 0; i < n; ++i) job(i);
    return;
  }
  {
    std::lock_guard lock(mu_);
    job_ = std::move(job);
    next_ = 0;
    total_ = n;
    finished_ = 0;
  }
  cv_.notify_all();
}

void SegmentPool::Help() {
  if (workers_.empty()) return;
  std::unique_lock lock(mu_);
  while (next_ < total_) {
    const size_t i = next_++;
    lock.unlock();
    job_(i);
    lock.lock();
    if (++finished_ == total_) done_cv_.notify_all();
  }
}

void SegmentPool::Wait() {
  if (workers_.empty()) return;
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [&] { return finished_ == total_; });
  job_ = nullptr;
}

void SegmentPool::Work() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || next_ < total_; });
    if (stop_) return;
    const size_t i = next_++;
    lock.unlock();
    job_(i);  // job_ is not replaced before every job of the batch has finished
    lock.lock();
    if (++finished_ == total_) done_cv_.notify_all();
  }
}

}  // namespace keep::format::file
