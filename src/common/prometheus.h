// Prometheus text exposition (format 0.0.4): a latency histogram that many threads
// observe without locks, and helpers that append families to a scrape's text.
//
// Names follow Prometheus conventions (keep_<what>_total for counters, _seconds for
// durations); label values passed here must come from bounded sets (operation names,
// reason codes), never from request data. Thread-safe: Observe and Write may run
// concurrently (a scrape sees each counter's value at some instant, not one snapshot).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace keep::prometheus {

// Upper bounds (seconds) of the latency buckets: 100 µs to 10 s.
inline constexpr std::array<double, 15> kLatencyBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                          0.005,  0.01,    0.025,  0.05,  0.1,
                                                          0.25,   0.5,     1.0,    2.5,   10.0};

class Histogram {
 public:
  void Observe(int64_t nanoseconds);
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  // Appends `name`_bucket{labels,le=…} (cumulative, +Inf last), `name`_sum (seconds) and
  // `name`_count. `labels` is "" or `key="value",…` without braces.
  void Write(std::string* out, std::string_view name, std::string_view labels) const;

 private:
  std::array<std::atomic<uint64_t>, kLatencyBounds.size() + 1> buckets_{};  // last: +Inf
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_ns_{0};
};

// "# HELP name help\n# TYPE name type\n"; type is "counter", "gauge" or "histogram".
void Family(std::string* out, std::string_view name, std::string_view type, std::string_view help);
// "name{labels} value\n" (no braces when `labels` is empty).
void Sample(std::string* out, std::string_view name, std::string_view labels, uint64_t value);
void Sample(std::string* out, std::string_view name, std::string_view labels, double value);
// A whole one-sample family.
void Single(std::string* out, std::string_view name, std::string_view type, std::string_view help,
            uint64_t value);

}  // namespace keep::prometheus
