// Rate limits and the decrypt budget.
//
// RateLimiter: token buckets per identity and per key, per operation class (encrypt:
// encrypt and data keys; decrypt: decrypt and rewrap; other: everything else). A bucket
// holds up to `burst` tokens and refills at `per_second`; a request takes one token per
// item (a batch of 500 takes 500), all at once or none. Take admits the request only when
// every bucket that applies has enough, and otherwise says how long to wait (Retry-After);
// a batch larger than a bucket can ever hold is refused for good (kNever).
//
// DecryptBudget: decrypts counted per identity and for all identities together over a
// sliding window (two fixed windows, the older one weighted by its overlap). Record says
// when a budget is exceeded; what happens then (lock the identity, or seal) is the
// caller's decision. Budgets and buckets live in memory: a restart refills them (the
// lockdown they caused is persisted elsewhere).
//
// Both are thread-safe and cost nothing when unconfigured.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "access/guard.h"

namespace keep::access {

struct Rate {
  double per_second = 0;  // 0: unlimited
  double burst = 0;       // 0: one second's worth (at least 1)
};

struct RateLimitOptions {
  Rate identity[3];  // indexed by OpClass
  Rate key[3];
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimitOptions options);
  // Returned by Take when `n` is more than a bucket that applies can ever hold: waiting
  // does not help, the batch must be split (at most Capacity(c, ...) items).
  static constexpr int kNever = -1;
  // Takes `n` tokens from the buckets of `identity` and `key` (empty: none) for class `c`.
  // Returns 0 when admitted (all `n` taken), kNever (nothing taken), else the whole seconds
  // to wait before retrying (>= 1; nothing taken).
  int Take(OpClass c, std::string_view identity, std::string_view key, uint32_t n, int64_t now_ns);
  // The most tokens one request may take for class `c` from the buckets that apply to
  // `identity`/`key` (0: unlimited).
  uint64_t Capacity(OpClass c, std::string_view identity, std::string_view key) const;
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }
  // Replaces the rates (SIGHUP); every bucket starts again full at its new capacity.
  void Reconfigure(RateLimitOptions options);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t updated_ns = 0;
    bool init = false;
  };
  static bool AnyRate(const RateLimitOptions& o);
  RateLimitOptions opt_;  // under mu_
  std::atomic<bool> enabled_{false};
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

struct LockdownOptions {
  uint64_t identity_budget = 0;  // decrypts per window per identity; 0: none
  uint64_t global_budget = 0;    // decrypts per window, all identities; 0: none
  int window_s = 3600;
  bool seal = false;  // exceeding a budget seals keep; otherwise the identity is locked
};

class DecryptBudget {
 public:
  enum class Trip { kNone, kIdentity, kGlobal };
  explicit DecryptBudget(LockdownOptions options) { Reconfigure(options); }
  // Counts `n` decrypts by `identity` at `now_ms`; says which budget this exceeded.
  Trip Record(std::string_view identity, uint32_t n, int64_t now_ms);
  // Forgets an identity's count (when an administrator reinstates it).
  void Reset(std::string_view identity);
  LockdownOptions options() const {
    std::lock_guard lock(mu_);
    return opt_;
  }
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }
  // Replaces the budgets, window and action (SIGHUP); the counts so far are kept.
  void Reconfigure(LockdownOptions options);

 private:
  struct Window {
    int64_t start_ms = 0;
    double previous = 0, current = 0;
  };
  double Add(Window& w, uint32_t n, int64_t now_ms) const;
  LockdownOptions opt_;  // under mu_
  std::atomic<bool> enabled_{false};
  mutable std::mutex mu_;
  Window global_;
  std::unordered_map<std::string, Window> by_identity_;
};

}  // namespace keep::access
