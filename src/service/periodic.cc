#include "service/periodic.h"

#include <chrono>

namespace keep::service {

void Periodic::Start(int interval_seconds) {
  Stop();
  {
    std::lock_guard lock(mu_);
    stop_ = false;
  }
  thread_ = std::thread([this, interval_seconds] {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait_for(lock, std::chrono::seconds(interval_seconds), [this] { return stop_ || now_; });
      if (stop_) return;
      now_ = false;
      lock.unlock();
      task_();
      passes_.fetch_add(1);
      lock.lock();
    }
  });
}

void Periodic::RunNow() {
  {
    std::lock_guard lock(mu_);
    now_ = true;
  }
  cv_.notify_all();
}

void Periodic::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace keep::service
