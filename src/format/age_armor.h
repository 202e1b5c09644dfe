// age's ASCII armor (internal to format/age.cc and its tests): the binary file as strict
// PEM, label "AGE ENCRYPTED FILE", padded standard base64 in 64-column lines.
//
// The writer is a std::streambuf over the binary stream's destination; Finish() writes the
// last line and the footer. The reader is a std::streambuf that yields the binary file and
// refuses (error(), then end of stream) anything but: optional blank space, the header
// line, full 64-column lines, one shorter (or full) last line, the footer line, optional
// blank space. Lines end in LF or CR LF; base64 must be canonical with padding only at the
// end. At most kMaxArmorWhitespace bytes of blank space before and after.
// Thread-compatible.
#pragma once

#include <istream>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "keep/result.h"

namespace keep::format::age::internal {

inline constexpr std::string_view kArmorHeader = "-----BEGIN AGE ENCRYPTED FILE-----";
inline constexpr std::string_view kArmorFooter = "-----END AGE ENCRYPTED FILE-----";
inline constexpr size_t kMaxArmorWhitespace = 1024;

// True when `prefix` starts (after blank space) with the armor header.
bool LooksArmored(std::string_view prefix);

class ArmorWriter final : public std::streambuf {
 public:
  explicit ArmorWriter(std::ostream& out);
  // Writes what is buffered, the footer. Errors: cannot_write.
  Status Finish();

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int_type overflow(int_type c) override;

 private:
  void Line(bool last);
  std::ostream& out_;
  Bytes pending_;  // < 48 bytes: one line's worth
};

class ArmorReader final : public std::streambuf {
 public:
  explicit ArmorReader(std::istream& in);
  // Why the stream ended early (invalid_file naming what is wrong), or ok.
  const Status& error() const { return error_; }

 protected:
  int_type underflow() override;

 private:
  // Reads one line without its LF (and CR); false at end of input or when too long.
  bool ReadLine(std::string* line);
  Status Next();  // decodes the next line into buf_
  Status Trailer();
  std::istream& in_;
  Status error_;
  bool started_ = false, done_ = false, short_seen_ = false;
  Bytes buf_;
};

}  // namespace keep::format::age::internal
