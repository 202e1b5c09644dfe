#include "common/json_text.h"

#include <string.h>

#include <cstdint>

namespace keep {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the well-formed UTF-8 sequence that starts s[i] (at least 2 bytes; the
// caller handles ASCII), or 0 when s[i] does not start one.
size_t SequenceLength(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  const uint8_t c = b(0);
  size_t len;
  uint8_t lo = 0x80, hi = 0xBF;  // the bounds of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if (b(k) < 0x80 || b(k) > 0xBF) return 0;
  }
  return len;
}

// Walks `s`, calling ascii(c) for each ASCII byte and text(view) for each well-formed
// multi-byte sequence or the replacement character.
template <typename Ascii, typename Text>
void Walk(std::string_view s, Ascii ascii, Text text) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      ascii(static_cast<char>(c));
      ++i;
      continue;
    }
    const size_t len = SequenceLength(s, i);
    if (len == 0) {
      text(kReplacement);
      ++i;
    } else {
      text(s.substr(i, len));
      i += len;
    }
  }
}

}  // namespace

void EscapeJson(std::string_view s, const std::function<void(std::string_view)>& emit) {
  std::string run;  // a run of plain bytes, emitted in one piece
  run.reserve(64);
  auto flush = [&] {
    if (!run.empty()) emit(run);
    run.clear();
  };
  Walk(
      s,
      [&](char c) {
        const auto u = static_cast<uint8_t>(c);
        char esc[7] = {'\\', 0, 0, 0, 0, 0, 0};
        if (c == '"' || c == '\\') {
          esc[1] = c;
          run.append(esc, 2);
        } else if (c == '\n' || c == '\r' || c == '\t') {
          esc[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
          run.append(esc, 2);
        } else if (u < 0x20 || u == 0x7F) {
          esc[1] = 'u';
          esc[2] = '0';
          esc[3] = '0';
          esc[4] = kHex[u >> 4];
          esc[5] = kHex[u & 15];
          run.append(esc, 6);
        } else {
          run += c;
        }
        if (run.size() >= 256) flush();
      },
      [&](std::string_view t) { run.append(t); });
  flush();
  explicit_bzero(run.data(), run.capacity());  // in case the text was a secret
}

std::string JsonString(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

std::string SafeText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  Walk(
      s,
      [&](char c) {
        const auto u = static_cast<uint8_t>(c);
        if (u < 0x20 || u == 0x7F) {
          out += "\\x";
          out += kHex[u >> 4];
          out += kHex[u & 15];
        } else {
          out += c;
        }
      },
      [&](std::string_view t) { out += t; });
  return out;
}

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (static_cast<uint8_t>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t len = SequenceLength(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

}  // namespace keep
