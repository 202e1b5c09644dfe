// RequestMetrics: per-operation counters and latency histograms.
#include "access/metrics.h"

#include <algorithm>
#include <vector>

namespace keep::access {
namespace {

// Operation names sorted, with their index, for a lookup without allocation.
struct Named {
  std::string_view name;
  size_t index;
};

const std::vector<Named>& SortedNames() {
  static const std::vector<Named> names = [] {
    std::vector<Named> v;
    for (const OperationSpec& s : Operations()) v.push_back({s.name, static_cast<size_t>(s.op)});
    std::sort(v.begin(), v.end(), [](const Named& a, const Named& b) { return a.name < b.name; });
    return v;
  }();
  return names;
}

std::string Labels(std::string_view op) {
  return "operation=\"" + std::string(op) + "\"";
}

}  // namespace

RequestMetrics::RequestMetrics() = default;

size_t RequestMetrics::IndexOf(std::string_view operation) const {
  const auto& v = SortedNames();
  auto it = std::lower_bound(v.begin(), v.end(), operation,
                             [](const Named& n, std::string_view s) { return n.name < s; });
  if (it != v.end() && it->name == operation) return it->index;
  return kOps - 1;
}

std::string_view RequestMetrics::NameOf(size_t i) const {
  if (i + 1 == kOps) return "other";
  return OperationName(static_cast<Operation>(i));
}

void RequestMetrics::Observe(std::string_view operation, std::string_view outcome, uint32_t items,
                             int64_t elapsed_ns) {
  PerOp& o = ops_[IndexOf(operation)];
  if (outcome == "ok") {
    o.ok.fetch_add(1, std::memory_order_relaxed);
  } else if (outcome == "partial") {
    o.partial.fetch_add(1, std::memory_order_relaxed);
  } else {
    std::lock_guard lock(o.mu);
    auto it = o.errors.find(outcome);
    if (it == o.errors.end()) it = o.errors.emplace(std::string(outcome), 0).first;
    ++it->second;
  }
  if (items > 0) o.items.fetch_add(items, std::memory_order_relaxed);
  o.latency.Observe(elapsed_ns);
}

void RequestMetrics::RateLimited(Operation op) {
  ops_[static_cast<size_t>(op)].rate_limited.fetch_add(1, std::memory_order_relaxed);
}

void RequestMetrics::Lockdown(bool sealed_keep) {
  lockdowns_[sealed_keep ? 1 : 0].fetch_add(1, std::memory_order_relaxed);
}

uint64_t RequestMetrics::Count(std::string_view operation, std::string_view outcome) const {
  const PerOp& o = ops_[operation == "other" ? kOps - 1 : IndexOf(operation)];
  if (outcome == "ok") return o.ok.load(std::memory_order_relaxed);
  if (outcome == "partial") return o.partial.load(std::memory_order_relaxed);
  std::lock_guard lock(o.mu);
  auto it = o.errors.find(outcome);
  return it == o.errors.end() ? 0 : it->second;
}

void RequestMetrics::Write(std::string* out) const {
  using prometheus::Family;
  using prometheus::Sample;
  Family(out, "keep_requests_total", "counter",
         "Requests answered, by operation and outcome (ok, partial, or the error's reason "
         "code), over every door.");
  for (size_t i = 0; i < kOps; ++i) {
    const PerOp& o = ops_[i];
    const std::string l = Labels(NameOf(i));
    if (uint64_t n = o.ok.load(std::memory_order_relaxed)) {
      Sample(out, "keep_requests_total", l + ",outcome=\"ok\"", n);
    }
    if (uint64_t n = o.partial.load(std::memory_order_relaxed)) {
      Sample(out, "keep_requests_total", l + ",outcome=\"partial\"", n);
    }
    std::lock_guard lock(o.mu);
    for (const auto& [reason, n] : o.errors) {
      Sample(out, "keep_requests_total", l + ",outcome=\"" + reason + "\"", n);
    }
  }
  Family(out, "keep_request_duration_seconds", "histogram",
         "Time from a request's arrival at its door until its answer is ready, by "
         "operation; the wait for its audit record is keep_audit_commit_seconds.");
  for (size_t i = 0; i < kOps; ++i) {
    if (ops_[i].latency.count() == 0) continue;
    ops_[i].latency.Write(out, "keep_request_duration_seconds", Labels(NameOf(i)));
  }
  Family(out, "keep_batch_items_total", "counter", "Items in batch requests, by operation.");
  for (size_t i = 0; i < kOps; ++i) {
    if (uint64_t n = ops_[i].items.load(std::memory_order_relaxed)) {
      Sample(out, "keep_batch_items_total", Labels(NameOf(i)), n);
    }
  }
  Family(out, "keep_rate_limited_total", "counter",
         "Requests refused by a rate limit, by operation.");
  for (size_t i = 0; i < kOps; ++i) {
    if (uint64_t n = ops_[i].rate_limited.load(std::memory_order_relaxed)) {
      Sample(out, "keep_rate_limited_total", Labels(NameOf(i)), n);
    }
  }
  Family(out, "keep_lockdowns_total", "counter",
         "Decrypt budgets exceeded: an identity locked, or keep sealed itself.");
  Sample(out, "keep_lockdowns_total", "scope=\"identity\"",
         lockdowns_[0].load(std::memory_order_relaxed));
  Sample(out, "keep_lockdowns_total", "scope=\"keep\"",
         lockdowns_[1].load(std::memory_order_relaxed));
}

}  // namespace keep::access
