// age's text encodings: Bech32 (BIP 173) for recipients and identities, and base64 with
// the standard alphabet, without padding, canonical, for stanzas and the header MAC.
#include "format/age_text.h"

#include <algorithm>
#include <cctype>

namespace keep::format::age::internal {
namespace {

Status Usage(std::string what) {
  return Status(Code::kInvalidArgument, "usage", std::move(what));
}

// --- Bech32 (BIP 173) --------------------------------------------------------------

constexpr std::string_view kCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

uint32_t Polymod(const std::vector<uint8_t>& values) {
  static constexpr uint32_t kGen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    const uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; ++i) {
      if ((top >> i) & 1) chk ^= kGen[i];
    }
  }
  return chk;
}

std::vector<uint8_t> HrpExpand(std::string_view hrp) {
  std::vector<uint8_t> out;
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) >> 5);
  out.push_back(0);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) & 31);
  return out;
}

// Regroups bits; `pad` for 8→5. Returns false on leftover non-zero bits or excess padding.
bool ConvertBits(ByteView in, int from, int to, bool pad, std::vector<uint8_t>* out) {
  uint32_t acc = 0;
  int bits = 0;
  const uint32_t maxv = (1u << to) - 1;
  for (uint8_t v : in) {
    if ((v >> from) != 0) return false;
    acc = (acc << from) | v;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out->push_back(static_cast<uint8_t>((acc >> bits) & maxv));
    }
  }
  if (pad) {
    if (bits > 0) out->push_back(static_cast<uint8_t>((acc << (to - bits)) & maxv));
  } else if (bits >= from || ((acc << (to - bits)) & maxv) != 0) {
    return false;
  }
  return true;
}

}  // namespace

std::string Bech32Encode(std::string_view hrp, ByteView data) {
  std::vector<uint8_t> five;
  ConvertBits(data, 8, 5, true, &five);
  std::vector<uint8_t> values = HrpExpand(hrp);
  values.insert(values.end(), five.begin(), five.end());
  values.insert(values.end(), 6, 0);
  const uint32_t mod = Polymod(values) ^ 1;
  std::string out(hrp);
  out += '1';
  for (uint8_t v : five) out += kCharset[v];
  for (int i = 0; i < 6; ++i) out += kCharset[(mod >> (5 * (5 - i))) & 31];
  return out;
}

// Decodes `text` whose HRP must be `want_hrp` (lower case). Errors: usage.
Result<Bytes> Bech32Decode(std::string_view text, std::string_view want_hrp,
                           std::string_view what) {
  bool lower = false, upper = false;
  for (char c : text) {
    if (c < 33 || c > 126) return Usage(std::string(what) + ": a character outside Bech32");
    lower |= c >= 'a' && c <= 'z';
    upper |= c >= 'A' && c <= 'Z';
  }
  if (lower && upper) return Usage(std::string(what) + ": mixed case");
  std::string s(text);
  std::transform(s.begin(), s.end(), s.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  const size_t sep = s.rfind('1');
  if (sep == std::string::npos || sep == 0 || sep + 7 > s.size()) {
    return Usage(std::string(what) + ": not Bech32");
  }
  if (s.substr(0, sep) != want_hrp) {
    return Usage(std::string(what) + ": expected the prefix " + std::string(want_hrp) + "1");
  }
  std::vector<uint8_t> values = HrpExpand(want_hrp);
  std::vector<uint8_t> data;
  for (size_t i = sep + 1; i < s.size(); ++i) {
    const size_t v = kCharset.find(s[i]);
    if (v == std::string_view::npos)
      return Usage(std::string(what) + ": a character outside Bech32");
    data.push_back(static_cast<uint8_t>(v));
  }
  values.insert(values.end(), data.begin(), data.end());
  if (Polymod(values) != 1) return Usage(std::string(what) + ": bad checksum (a typo?)");
  data.resize(data.size() - 6);
  std::vector<uint8_t> bytes;
  if (!ConvertBits(data, 5, 8, false, &bytes)) return Usage(std::string(what) + ": bad padding");
  return bytes;
}

// --- base64, standard alphabet, no padding, canonical ------------------------------------

constexpr std::string_view kB64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string B64(ByteView data) {
  std::string out;
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const uint32_t n = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8) | data[i + 2];
    for (int k = 3; k >= 0; --k) out += kB64[(n >> (6 * k)) & 63];
  }
  if (data.size() - i == 1) {
    const uint32_t n = uint32_t{data[i]} << 16;
    out += kB64[(n >> 18) & 63];
    out += kB64[(n >> 12) & 63];
  } else if (data.size() - i == 2) {
    const uint32_t n = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8);
    out += kB64[(n >> 18) & 63];
    out += kB64[(n >> 12) & 63];
    out += kB64[(n >> 6) & 63];
  }
  return out;
}

bool UnB64(std::string_view text, Bytes* out) {
  if (text.size() % 4 == 1) return false;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const size_t v = kB64.find(c);
    if (v == std::string_view::npos) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<uint8_t>((acc >> bits) & 0xff));
    }
  }
  return (acc & ((1u << bits) - 1)) == 0;  // canonical: unused bits are zero
}

}  // namespace keep::format::age::internal
