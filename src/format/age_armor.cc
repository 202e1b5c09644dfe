// age's ASCII armor (format/age_armor.h).
#include "format/age_armor.h"

#include <algorithm>

#include "common/encoding.h"

namespace keep::format::age::internal {
namespace {

constexpr size_t kColumns = 64;
constexpr size_t kBytesPerLine = kColumns / 4 * 3;  // 48

Status Bad(std::string what) {
  return Status(Code::kInvalidArgument, "invalid_file", "not a valid armored age file: " + what);
}

bool Blank(int c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

}  // namespace

bool LooksArmored(std::string_view prefix) {
  size_t i = 0;
  while (i < prefix.size() && i < kMaxArmorWhitespace && Blank(prefix[i])) ++i;
  return prefix.substr(i, kArmorHeader.size()) == kArmorHeader;
}

ArmorWriter::ArmorWriter(std::ostream& out) : out_(out) {
  out_ << kArmorHeader << '\n';
}

void ArmorWriter::Line(bool last) {
  if (pending_.empty() && !last) return;
  if (!pending_.empty()) out_ << Base64Encode(pending_) << '\n';
  pending_.clear();
  if (last) out_ << kArmorFooter << '\n';
}

std::streamsize ArmorWriter::xsputn(const char* s, std::streamsize n) {
  const auto* p = reinterpret_cast<const uint8_t*>(s);
  for (auto left = static_cast<size_t>(n); left > 0;) {  // a line's worth at a time
    const size_t take = std::min(left, kBytesPerLine - pending_.size());
    pending_.insert(pending_.end(), p, p + take);
    p += take;
    left -= take;
    if (pending_.size() == kBytesPerLine) Line(false);
  }
  return out_ ? n : 0;
}

ArmorWriter::int_type ArmorWriter::overflow(int_type c) {
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  const char ch = traits_type::to_char_type(c);
  return xsputn(&ch, 1) == 1 ? c : traits_type::eof();
}

Status ArmorWriter::Finish() {
  Line(true);
  out_.flush();
  if (!out_) return Status(Code::kInvalidArgument, "cannot_write", "writing the output failed");
  return Status::Ok();
}

ArmorReader::ArmorReader(std::istream& in) : in_(in) {}

bool ArmorReader::ReadLine(std::string* line) {
  line->clear();
  for (;;) {
    const int c = in_.get();
    if (c == std::char_traits<char>::eof()) return !line->empty();
    if (c == '\n') break;
    if (line->size() > kColumns + kArmorHeader.size()) return false;
    *line += static_cast<char>(c);
  }
  if (!line->empty() && line->back() == '\r') line->pop_back();
  return true;
}

Status ArmorReader::Trailer() {
  for (size_t n = 0;; ++n) {
    const int c = in_.get();
    if (c == std::char_traits<char>::eof()) return Status::Ok();
    if (!Blank(c) || n >= kMaxArmorWhitespace) return Bad("data after the END line");
  }
}

Status ArmorReader::Next() {
  std::string line;
  if (!started_) {
    started_ = true;
    size_t n = 0;
    while (Blank(in_.peek())) {
      if (++n > kMaxArmorWhitespace) return Bad("too much blank space before the BEGIN line");
      in_.get();
    }
    if (!ReadLine(&line) || line != kArmorHeader) return Bad("no BEGIN AGE ENCRYPTED FILE line");
  }
  if (!ReadLine(&line)) return Bad("truncated (no END line) or a line is too long");
  if (line == kArmorFooter) {
    done_ = true;
    return Trailer();
  }
  if (short_seen_) return Bad("a line after the last (shorter) line");
  if (line.empty() || line.size() > kColumns) return Bad("a line is not 1 to 64 columns");
  if (line.size() < kColumns || line.back() == '=') short_seen_ = true;
  auto bytes = Base64Decode(line);
  if (!bytes.ok()) return Bad("a line is not canonical base64");
  buf_ = std::move(*bytes);
  return Status::Ok();
}

ArmorReader::int_type ArmorReader::underflow() {
  if (gptr() != nullptr && gptr() < egptr()) return traits_type::to_int_type(*gptr());
  for (;;) {
    if (done_ || !error_.ok()) return traits_type::eof();
    buf_.clear();
    error_ = Next();
    if (!error_.ok()) return traits_type::eof();
    if (done_) return traits_type::eof();
    if (!buf_.empty()) break;
  }
  char* b = reinterpret_cast<char*>(buf_.data());
  setg(b, b, b + buf_.size());
  return traits_type::to_int_type(*gptr());
}

}  // namespace keep::format::age::internal
