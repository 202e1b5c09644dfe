// Reencryptor: the keyring's background re-encryption — after a keyring rotation, every
// record is moved to the active term, record by record (compare-and-swap), while keep serves.
#include "service/reencryptor.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "common/encoding.h"
#include "common/log.h"
#include "common/time.h"

namespace keep::service {
KeyringStatus Reencryptor::GetStatus() const {
  KeyringStatus st;
  {
    std::lock_guard lock(mu_);
    st = status_;
  }
  st.active_term = barrier_.ActiveTerm();
  st.terms = barrier_.Terms();
  return st;
}

void Reencryptor::Trigger() {
  {
    std::lock_guard lock(mu_);
    wanted_ = true;
    if (!thread_.joinable()) {
      stop_ = false;
      thread_ = std::thread([this] { Loop(); });
    }
  }
  cv_.notify_all();
}

bool Reencryptor::WaitIdle(int timeout_ms) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                      [this] { return !wanted_ && !busy_; });
}

void Reencryptor::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Reencryptor::Loop() {
  constexpr size_t kBatch = 256;
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait(lock, [this] { return stop_ || wanted_; });
    if (stop_) break;
    wanted_ = false;
    busy_ = true;
    lock.unlock();
    // A pass: count what is left under older terms, then walk the store once.
    auto counts = barrier_.CountByTerm();
    const uint32_t active = barrier_.ActiveTerm();
    uint64_t old = 0;
    if (counts.ok()) {
      for (const auto& [term, n] : *counts) old += term == active ? 0 : n;
    }
    lock.lock();
    status_.reencrypting = counts.ok() && old > 0 && active != 0;
    status_.old_records = old;
    status_.rewritten = 0;
    if (counts.ok() && old == 0 && active != 0) status_.last_completed = NowUnix();
    const bool run = status_.reencrypting;
    lock.unlock();
    bool again = false;
    if (run) {
      std::string after;
      uint64_t moved = 0, unreadable = 0;
      for (;;) {
        auto step = barrier_.Reencrypt(after, kBatch);
        if (!step.ok()) {
          if (step.status().reason() != "sealed")
            log::Warn("keyring re-encryption: {}", step.status().ToString());
          break;
        }
        moved += step->rewritten;
        unreadable += step->unreadable;
        {
          std::lock_guard g(mu_);
          status_.rewritten += step->rewritten;
          if (stop_) break;
        }
        again |= step->skipped > 0 || barrier_.ActiveTerm() != active;
        if (step->done) {
          // Recount once to confirm (and record) that nothing is left; records that fail
          // authentication are left for an operator and would never move: no retry then.
          again |= moved > 0;
          break;
        }
        after = step->last_path;
        // Yield between batches so foreground requests keep the store to themselves.
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      log::Info("keyring re-encryption: {} records moved to term {}", moved, active);
      if (unreadable > 0) {
        log::Warn(
            "keyring re-encryption: {} records failed authentication and were left as "
            "they are",
            unreadable);
      }
    }
    lock.lock();
    status_.reencrypting = false;
    busy_ = false;
    if (again) wanted_ = true;  // recount: records raced with us or the term moved on
    cv_.notify_all();
  }
}

}  // namespace keep::service
