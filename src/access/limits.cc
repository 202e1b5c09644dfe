#include "access/limits.h"

#include <algorithm>
#include <cmath>

namespace keep::access {
namespace {

double CapacityOf(const Rate& r) {
  return r.burst > 0 ? r.burst : std::max(1.0, r.per_second);
}

}  // namespace

bool RateLimiter::AnyRate(const RateLimitOptions& o) {
  for (int i = 0; i < 3; ++i) {
    if (o.identity[i].per_second > 0 || o.key[i].per_second > 0) return true;
  }
  return false;
}

RateLimiter::RateLimiter(RateLimitOptions options) : opt_(options), enabled_(AnyRate(options)) {}

void RateLimiter::Reconfigure(RateLimitOptions options) {
  std::lock_guard lock(mu_);
  opt_ = options;
  buckets_.clear();
  enabled_.store(AnyRate(options));
}

int RateLimiter::Take(OpClass c, std::string_view identity, std::string_view key, uint32_t n,
                      int64_t now_ns) {
  if (!enabled() || n == 0) return 0;
  const int ci = static_cast<int>(c);
  std::lock_guard lock(mu_);
  struct Want {
    const Rate* rate;
    std::string id;
  } wants[2] = {{&opt_.identity[ci], ""}, {&opt_.key[ci], ""}};
  if (wants[0].rate->per_second > 0 && !identity.empty())
    wants[0].id = "i" + std::to_string(ci) + ":" + std::string(identity);
  if (wants[1].rate->per_second > 0 && !key.empty())
    wants[1].id = "k" + std::to_string(ci) + ":" + std::string(key);
  Bucket* b[2] = {nullptr, nullptr};
  double wait_s = 0;
  for (int i = 0; i < 2; ++i) {
    if (wants[i].id.empty()) continue;
    const Rate& r = *wants[i].rate;
    Bucket& bk = buckets_[wants[i].id];
    const double cap = CapacityOf(r);
    if (!bk.init) {
      bk = {cap, now_ns, true};
    } else if (now_ns > bk.updated_ns) {
      bk.tokens = std::min(cap, bk.tokens + (now_ns - bk.updated_ns) * 1e-9 * r.per_second);
      bk.updated_ns = now_ns;
    }
    if (static_cast<double>(n) > cap) return kNever;
    if (bk.tokens < n) wait_s = std::max(wait_s, (n - bk.tokens) / r.per_second);
    b[i] = &bk;
  }
  if (wait_s > 0) return std::max(1, static_cast<int>(std::ceil(wait_s)));
  for (int i = 0; i < 2; ++i) {
    if (b[i]) b[i]->tokens -= n;
  }
  return 0;
}

uint64_t RateLimiter::Capacity(OpClass c, std::string_view identity, std::string_view key) const {
  const int ci = static_cast<int>(c);
  std::lock_guard lock(mu_);
  uint64_t cap = 0;
  auto apply = [&](const Rate& r, std::string_view who) {
    if (r.per_second <= 0 || who.empty()) return;
    const auto v = static_cast<uint64_t>(CapacityOf(r));
    cap = cap == 0 ? v : std::min(cap, v);
  };
  apply(opt_.identity[ci], identity);
  apply(opt_.key[ci], key);
  return cap;
}

double DecryptBudget::Add(Window& w, uint32_t n, int64_t now_ms) const {
  const int64_t len = int64_t{opt_.window_s} * 1000;
  if (now_ms - w.start_ms >= 2 * len) {
    w = {now_ms - (now_ms % len), 0, 0};
  } else if (now_ms - w.start_ms >= len) {
    w.previous = w.current;
    w.current = 0;
    w.start_ms += len;
  }
  w.current += n;
  const double overlap = 1.0 - static_cast<double>(now_ms - w.start_ms) / static_cast<double>(len);
  return w.current + w.previous * std::max(0.0, overlap);
}

DecryptBudget::Trip DecryptBudget::Record(std::string_view identity, uint32_t n, int64_t now_ms) {
  if (!enabled() || n == 0) return Trip::kNone;
  std::lock_guard lock(mu_);
  if (opt_.identity_budget) {
    auto& w = by_identity_[std::string(identity)];
    if (Add(w, n, now_ms) > static_cast<double>(opt_.identity_budget)) return Trip::kIdentity;
  }
  if (opt_.global_budget && Add(global_, n, now_ms) > static_cast<double>(opt_.global_budget)) {
    return Trip::kGlobal;
  }
  return Trip::kNone;
}

void DecryptBudget::Reconfigure(LockdownOptions options) {
  std::lock_guard lock(mu_);
  opt_ = options;
  enabled_.store(options.identity_budget || options.global_budget);
}

void DecryptBudget::Reset(std::string_view identity) {
  std::lock_guard lock(mu_);
  by_identity_.erase(std::string(identity));
}

}  // namespace keep::access
