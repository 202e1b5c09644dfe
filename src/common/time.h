// Wall-clock helpers. Times are whole seconds since the Unix epoch (UTC) in storage
// and RFC 3339 "YYYY-MM-DDTHH:MM:SSZ" on the wire. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "keep/result.h"

namespace keep {

int64_t NowUnix();
// Milliseconds since the epoch (system clock).
int64_t NowUnixMs();
std::string FormatRfc3339(int64_t unix_seconds);
// Parses a duration such as "90d", "12h", "30m", "45s" or "0" into seconds.
// Rejects negative, empty, unknown units and values over 100 years.
Result<int64_t> ParseDuration(std::string_view text);
// Formats seconds as the largest exact unit ("90d", "36h", "0").
std::string FormatDuration(int64_t seconds);

}  // namespace keep
