// Service: the keyring's background re-encryption — after a keyring rotation, every record
// is moved to the active term, record by record (compare-and-swap), while keep serves.
#include <algorithm>
#include <chrono>
#include <map>

#include "common/encoding.h"
#include "common/log.h"
#include "common/time.h"
#include "crypto/random.h"
#include "service/custody_internal.h"
#include "service/service.h"

namespace keep::service {
KeyringStatus Service::GetKeyringStatus() const {
  KeyringStatus st;
  {
    std::lock_guard lock(reenc_mu_);
    st = reenc_;
  }
  st.active_term = barrier_.ActiveTerm();
  st.terms = barrier_.Terms();
  return st;
}

void Service::TriggerReencryption() {
  {
    std::lock_guard lock(reenc_mu_);
    reenc_wanted_ = true;
    if (!reenc_thread_.joinable()) {
      reenc_stop_ = false;
      reenc_thread_ = std::thread([this] { ReencryptLoop(); });
    }
  }
  reenc_cv_.notify_all();
}

bool Service::WaitReencryptionIdle(int timeout_ms) {
  std::unique_lock lock(reenc_mu_);
  return reenc_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                            [this] { return !reenc_wanted_ && !reenc_busy_; });
}

void Service::ReencryptLoop() {
  constexpr size_t kBatch = 256;
  std::unique_lock lock(reenc_mu_);
  while (!reenc_stop_) {
    reenc_cv_.wait(lock, [this] { return reenc_stop_ || reenc_wanted_; });
    if (reenc_stop_) break;
    reenc_wanted_ = false;
    reenc_busy_ = true;
    lock.unlock();
    // A pass: count what is left under older terms, then walk the store once.
    auto counts = barrier_.CountByTerm();
    const uint32_t active = barrier_.ActiveTerm();
    uint64_t old = 0;
    if (counts.ok()) {
      for (const auto& [term, n] : *counts) old += term == active ? 0 : n;
    }
    lock.lock();
    reenc_.reencrypting = counts.ok() && old > 0 && active != 0;
    reenc_.old_records = old;
    reenc_.rewritten = 0;
    if (counts.ok() && old == 0 && active != 0) reenc_.last_completed = NowUnix();
    const bool run = reenc_.reencrypting;
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
          std::lock_guard g(reenc_mu_);
          reenc_.rewritten += step->rewritten;
          if (reenc_stop_) break;
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
    reenc_.reencrypting = false;
    reenc_busy_ = false;
    if (again) reenc_wanted_ = true;  // recount: records raced with us or the term moved on
    reenc_cv_.notify_all();
  }
}

}  // namespace keep::service
