#include "common/log.h"

#include "common/json_text.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>

namespace keep::log {
namespace {

spdlog::logger& Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_color_mt("keep");
    l->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
    return l;
  }();
  return *logger;
}

spdlog::level::level_enum ToSpd(Level l) {
  switch (l) {
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
    case Level::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

}  // namespace

void SetLevel(Level level) {
  Logger().set_level(ToSpd(level));
}

bool ParseLevel(std::string_view t, Level* out) {
  if (t == "debug")
    *out = Level::kDebug;
  else if (t == "info")
    *out = Level::kInfo;
  else if (t == "warn")
    *out = Level::kWarn;
  else if (t == "error")
    *out = Level::kError;
  else if (t == "off")
    *out = Level::kOff;
  else
    return false;
  return true;
}

bool Throttle::Allow(uint64_t* suppressed) {
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  int64_t next = next_ms_.load(std::memory_order_relaxed);
  if (now < next || !next_ms_.compare_exchange_strong(next, now + interval_ms_)) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  *suppressed = dropped_.exchange(0, std::memory_order_relaxed);
  return true;
}

void Write(Level level, std::string_view message) {
  // Messages may carry what a client sent (paths, names): one line, valid UTF-8.
  Logger().log(ToSpd(level), SafeText(message));
}

}  // namespace keep::log

namespace keep::log {

bool Enabled(Level level) {
  return Logger().should_log(ToSpd(level));
}

}  // namespace keep::log
