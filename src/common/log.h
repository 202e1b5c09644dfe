// Process-wide structured logging (spdlog underneath, kept out of this header), to
// stderr, one line per event: text ("<time> <level> [<request id>] <message>") or JSON
// lines ({"time","level","msg","request_id"}) as `log.format` says. A line written while a
// RequestScope is active on the thread carries that request's id.
// Never pass secrets, plaintexts, tokens or key material to these functions.
// Thread-safe.
#pragma once

#include <fmt/core.h>

#include <atomic>
#include <cstdint>
#include <string_view>

namespace keep::log {

enum class Level { kDebug, kInfo, kWarn, kError, kOff };
enum class Format { kText, kJson };

void SetLevel(Level level);
Level GetLevel();
// Parses "debug", "info", "warn", "error", "off"; returns false on anything else.
bool ParseLevel(std::string_view text, Level* out);
std::string_view LevelName(Level level);
void SetFormat(Format format);
// Parses "text", "json"; returns false on anything else.
bool ParseFormat(std::string_view text, Format* out);

// While alive, lines written on this thread carry `request_id` (at most 63 bytes kept).
// Scopes nest: the outer id comes back when the inner scope ends. Not movable.
class RequestScope {
 public:
  explicit RequestScope(std::string_view request_id);
  ~RequestScope();
  RequestScope(const RequestScope&) = delete;
  RequestScope& operator=(const RequestScope&) = delete;

 private:
  char saved_[64];
  size_t saved_size_;
};
void Write(Level level, std::string_view message);
// Whether a message at `level` would be written (cheap; check before formatting).
bool Enabled(Level level);

template <typename... A>
void Info(fmt::format_string<A...> f, A&&... a) {
  if (Enabled(Level::kInfo)) Write(Level::kInfo, fmt::format(f, std::forward<A>(a)...));
}
template <typename... A>
void Warn(fmt::format_string<A...> f, A&&... a) {
  if (Enabled(Level::kWarn)) Write(Level::kWarn, fmt::format(f, std::forward<A>(a)...));
}
template <typename... A>
void Error(fmt::format_string<A...> f, A&&... a) {
  if (Enabled(Level::kError)) Write(Level::kError, fmt::format(f, std::forward<A>(a)...));
}
template <typename... A>
void Debug(fmt::format_string<A...> f, A&&... a) {
  if (Enabled(Level::kDebug)) Write(Level::kDebug, fmt::format(f, std::forward<A>(a)...));
}

// At most one message per `interval_ms` for a repeated condition (an accept loop out of
// file descriptors, a flood of refused connections); the rest are counted so the next
// message can say how many were dropped. Thread-safe, lock-free.
class Throttle {
 public:
  explicit Throttle(int64_t interval_ms) : interval_ms_(interval_ms) {}
  // True when a message may be written now; then *suppressed is how many calls since the
  // last allowed one were not.
  bool Allow(uint64_t* suppressed);

 private:
  const int64_t interval_ms_;
  std::atomic<int64_t> next_ms_{0};
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace keep::log
