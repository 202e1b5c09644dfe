// RequestMetrics: what the Gate counts for /metrics — every request of every door by
// operation and outcome, its latency, batch items, rate-limit refusals and lockdowns.
//
// Counted once, below the doors (Gate::Record), so the REST API, the AWS KMS door,
// keas.kmi and KMIP are all in the same families. Labels come from bounded sets only: the
// operation is one of access/operation.h's names ("other" for anything else, such as an
// unknown route), the outcome "ok", "partial" or one of keep's reason codes
// (include/keep/reasons.h). Thread-safe; the hot path is lock-free except for the first
// time an operation fails with a given reason.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "access/operation.h"
#include "common/prometheus.h"

namespace keep::access {

class RequestMetrics {
 public:
  RequestMetrics();

  // One answered request: `operation` as the audit record names it, `outcome` as the
  // record's ("ok", "partial" or a reason code), `items` its batch items (0: not a
  // batch), `elapsed_ns` from when the door took it to its answer.
  void Observe(std::string_view operation, std::string_view outcome, uint32_t items,
               int64_t elapsed_ns);
  void RateLimited(Operation op);
  void Lockdown(bool sealed_keep);

  // Appends keep_requests_total, keep_request_duration_seconds, keep_batch_items_total,
  // keep_rate_limited_total and keep_lockdowns_total.
  void Write(std::string* out) const;

  // For tests: requests of `operation` ("other" included) with `outcome`.
  uint64_t Count(std::string_view operation, std::string_view outcome) const;

 private:
  static constexpr size_t kOps = kOperationCount + 1;  // + other
  struct PerOp {
    std::atomic<uint64_t> ok{0};
    std::atomic<uint64_t> partial{0};
    std::atomic<uint64_t> items{0};
    std::atomic<uint64_t> rate_limited{0};
    prometheus::Histogram latency;
    mutable std::mutex mu;                                // errors
    std::map<std::string, uint64_t, std::less<>> errors;  // reason → count
  };
  size_t IndexOf(std::string_view operation) const;
  std::string_view NameOf(size_t i) const;

  std::array<PerOp, kOps> ops_;
  std::array<std::atomic<uint64_t>, 2> lockdowns_{};  // identity, seal
};

}  // namespace keep::access
