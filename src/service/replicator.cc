// Replicator: the change-feed connection loop.
#include "service/replicator.h"

#include <algorithm>
#include <chrono>

#include "common/log.h"
#include "common/time.h"
#include "service/nodes.h"

namespace keep::service {
void Replicator::Start() {
  Stop();
  {
    std::lock_guard lock(mu_);
    stop_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
}

void Replicator::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Replication Replicator::GetStatus() const {
  std::lock_guard lock(mu_);
  return status_;
}

void Replicator::Loop() {
  bool first = true;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
    }
    auto feed = store_.Watch();
    if (!feed.ok()) {
      if (feed.status().code() == Code::kUnimplemented) return;  // single-node store
      std::unique_lock lock(mu_);
      status_.enabled = true;
      status_.connected = false;
      cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; });
      continue;
    }
    {
      std::lock_guard lock(mu_);
      status_.enabled = status_.connected = true;
      if (!first) ++status_.reconnects;
    }
    if (!first) log::Info("replication: change feed reconnected; reloading everything");
    first = false;
    reload_all_();  // anything changed before LISTEN took effect, or while disconnected
    int64_t last_beat = 0;
    for (;;) {
      const int64_t now = NowUnixMs();
      {
        std::lock_guard lock(mu_);
        if (stop_) return;
        status_.last_sync_ms = now;
      }
      if (now - last_beat >= kNodeBeatMs) {
        last_beat = now;
        beat_();
      }
      auto paths = (*feed)->Wait(200);
      if (!paths.ok()) break;
      // Heartbeats are read when asked for (GET /v1/sys/nodes), not applied.
      std::erase_if(*paths, [](const std::string& p) { return p.starts_with(kNodePrefix); });
      apply_(*paths);
      std::lock_guard lock(mu_);
      status_.changes_applied += paths->size();
    }
    std::lock_guard lock(mu_);
    status_.connected = false;
  }
}

}  // namespace keep::service
