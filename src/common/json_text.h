// Text that leaves keep — audit records, error bodies, log lines — whatever bytes a client
// sent. One writer for JSON strings and one cleaner for log text, both producing valid
// UTF-8 (docs/formats.md §7, "Strings").
//
// The rule: a well-formed UTF-8 sequence (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF) is kept; every byte that is not part of one is replaced by
// U+FFFD (the replacement character), one per byte. So `GET /\xff` is recorded as
// "GET /\ufffd" (as the raw UTF-8 bytes EF BF BD). JSON strings escape `"` and `\`, write
// newline, return and tab as \n \r \t and the other controls (U+0000–U+001F, U+007F) as
// \u00XX; log text writes those controls
// as \xNN, so a client cannot start a forged log line.
//
// Pure functions; thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace keep {

// The JSON escaping of `s` (no quotes), handed to `emit` piece by piece.
void EscapeJson(std::string_view s, const std::function<void(std::string_view)>& emit);

// Appends `s` as a JSON string literal, quotes included, to any string type (std::string,
// keep::SecretString).
template <class String>
void AppendJsonString(String& out, std::string_view s) {
  out += '"';
  EscapeJson(s, [&](std::string_view piece) { out.append(piece.data(), piece.size()); });
  out += '"';
}
// `s` as a JSON string literal, quotes included.
std::string JsonString(std::string_view s);
// `s` made safe for a one-line text log (see above).
std::string SafeText(std::string_view s);
// Whether `s` is entirely well-formed UTF-8.
bool IsValidUtf8(std::string_view s);

}  // namespace keep
