// Process-wide structured logging (spdlog underneath, kept out of this header).
// Never pass secrets, plaintexts, tokens or key material to these functions.
// Thread-safe.
#pragma once

#include <fmt/core.h>

#include <string_view>

namespace keep::log {

enum class Level { kDebug, kInfo, kWarn, kError, kOff };

void SetLevel(Level level);
// Parses "debug", "info", "warn", "error", "off"; returns false on anything else.
bool ParseLevel(std::string_view text, Level* out);
void Write(Level level, std::string_view message);

template <typename... A>
void Info(fmt::format_string<A...> f, A&&... a) {
  Write(Level::kInfo, fmt::format(f, std::forward<A>(a)...));
}
template <typename... A>
void Warn(fmt::format_string<A...> f, A&&... a) {
  Write(Level::kWarn, fmt::format(f, std::forward<A>(a)...));
}
template <typename... A>
void Error(fmt::format_string<A...> f, A&&... a) {
  Write(Level::kError, fmt::format(f, std::forward<A>(a)...));
}
template <typename... A>
void Debug(fmt::format_string<A...> f, A&&... a) {
  Write(Level::kDebug, fmt::format(f, std::forward<A>(a)...));
}

}  // namespace keep::log
