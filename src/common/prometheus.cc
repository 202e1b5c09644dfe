// Prometheus text exposition helpers.
#include "common/prometheus.h"

#include <fmt/format.h>

namespace keep::prometheus {

void Histogram::Observe(int64_t nanoseconds) {
  if (nanoseconds < 0) nanoseconds = 0;
  const double s = static_cast<double>(nanoseconds) / 1e9;
  size_t i = 0;
  while (i < kLatencyBounds.size() && s > kLatencyBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(nanoseconds), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void Histogram::Write(std::string* out, std::string_view name, std::string_view labels) const {
  const std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= kLatencyBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    const std::string le =
        i < kLatencyBounds.size() ? fmt::format("{}", kLatencyBounds[i]) : "+Inf";
    fmt::format_to(std::back_inserter(*out), "{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep,
                   le, cumulative);
  }
  // _count is the buckets' total, so a scrape never shows a count below the last bucket.
  const double sum = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  Sample(out, fmt::format("{}_sum", name), labels, sum);
  Sample(out, fmt::format("{}_count", name), labels, cumulative);
}

void Family(std::string* out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(*out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void Sample(std::string* out, std::string_view name, std::string_view labels, uint64_t value) {
  if (labels.empty()) {
    fmt::format_to(std::back_inserter(*out), "{} {}\n", name, value);
  } else {
    fmt::format_to(std::back_inserter(*out), "{}{{{}}} {}\n", name, labels, value);
  }
}

void Sample(std::string* out, std::string_view name, std::string_view labels, double value) {
  if (labels.empty()) {
    fmt::format_to(std::back_inserter(*out), "{} {}\n", name, value);
  } else {
    fmt::format_to(std::back_inserter(*out), "{}{{{}}} {}\n", name, labels, value);
  }
}

void Single(std::string* out, std::string_view name, std::string_view type, std::string_view help,
            uint64_t value) {
  Family(out, name, type, help);
  Sample(out, name, "", value);
}

}  // namespace keep::prometheus
