#include "common/log.h"

#include "common/json_text.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>

#include <fmt/chrono.h>

namespace keep::log {
namespace {

constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v";

spdlog::logger& Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_color_mt("keep");
    l->set_pattern(kTextPattern, spdlog::pattern_time_type::utc);
    return l;
  }();
  return *logger;
}

std::atomic<Format> g_format{Format::kText};
std::atomic<Level> g_level{Level::kInfo};

thread_local char tl_request_id[64];
thread_local size_t tl_request_id_size = 0;

// {"time":"…Z","level":"…","msg":"…"[,"request_id":"…"]}
std::string JsonLine(Level level, std::string_view message) {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  const std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::string line =
      fmt::format("{{\"time\":\"{:%Y-%m-%dT%H:%M:%S}.{:03d}Z\",\"level\":\"{}\",\"msg\":", tm,
                  static_cast<int>(ms.count() % 1000), LevelName(level));
  AppendJsonString(line, message);
  if (tl_request_id_size > 0) {
    line += ",\"request_id\":";
    AppendJsonString(line, std::string_view(tl_request_id, tl_request_id_size));
  }
  line += '}';
  return line;
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
  g_level.store(level);
  Logger().set_level(ToSpd(level));
}

Level GetLevel() {
  return g_level.load();
}

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kOff:
      return "off";
  }
  return "info";
}

void SetFormat(Format format) {
  g_format.store(format);
  if (format == Format::kJson) {
    Logger().set_pattern("%v");
  } else {
    Logger().set_pattern(kTextPattern, spdlog::pattern_time_type::utc);
  }
}

bool ParseFormat(std::string_view t, Format* out) {
  if (t == "text") {
    *out = Format::kText;
  } else if (t == "json") {
    *out = Format::kJson;
  } else {
    return false;
  }
  return true;
}

RequestScope::RequestScope(std::string_view request_id) : saved_size_(tl_request_id_size) {
  std::memcpy(saved_, tl_request_id, saved_size_);
  tl_request_id_size = std::min(request_id.size(), sizeof tl_request_id - 1);
  std::memcpy(tl_request_id, request_id.data(), tl_request_id_size);
}

RequestScope::~RequestScope() {
  std::memcpy(tl_request_id, saved_, saved_size_);
  tl_request_id_size = saved_size_;
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
  // Messages may carry what a client sent (paths, names): one line, valid UTF-8 (JSON
  // escaping does the same for the JSON form).
  if (g_format.load(std::memory_order_relaxed) == Format::kJson) {
    Logger().log(ToSpd(level), JsonLine(level, message));
    return;
  }
  if (tl_request_id_size > 0) {
    Logger().log(
        ToSpd(level),
        fmt::format("[{}] {}", SafeText(std::string_view(tl_request_id, tl_request_id_size)),
                    SafeText(message)));
    return;
  }
  Logger().log(ToSpd(level), SafeText(message));
}

}  // namespace keep::log

namespace keep::log {

bool Enabled(Level level) {
  return Logger().should_log(ToSpd(level));
}

}  // namespace keep::log
