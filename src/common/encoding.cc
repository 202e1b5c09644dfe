#include "common/encoding.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <climits>

namespace keep {
namespace {

int StdValue(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Validates padded standard base64; returns the number of '=' (0..2) or an error.
Result<int> ValidateStd(std::string_view t) {
  if (t.size() % 4 != 0) return InvalidArgument("base64 length is not a multiple of 4");
  if (t.size() > static_cast<size_t>(INT_MAX)) return InvalidArgument("base64 value too large");
  int pad = 0;
  if (!t.empty() && t.back() == '=') pad = (t.size() >= 2 && t[t.size() - 2] == '=') ? 2 : 1;
  for (size_t i = 0; i + pad < t.size(); ++i) {
    if (StdValue(t[i]) < 0) return InvalidArgument("invalid base64 character");
  }
  if (pad > 0) {
    // Non-zero bits after the last full byte would give two encodings for one value.
    const int last = StdValue(t[t.size() - pad - 1]);
    if ((pad == 1 && (last & 0x3) != 0) || (pad == 2 && (last & 0xf) != 0)) {
      return InvalidArgument("non-canonical base64 padding bits");
    }
  }
  return pad;
}

}  // namespace

std::string Base64Encode(ByteView data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  if (!data.empty()) {
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(),
                    static_cast<int>(data.size()));
  }
  return out;
}

void AppendBase64(SecretString& out, ByteView data) {
  const size_t at = out.size();
  out.resize(at + 4 * ((data.size() + 2) / 3));
  // EVP_EncodeBlock writes a NUL after the text: the string's own terminator slot.
  if (!data.empty()) {
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + at), data.data(),
                    static_cast<int>(data.size()));
  }
}

size_t Base64DecodedSizeBound(std::string_view text) {
  return text.size() / 4 * 3;
}

Result<size_t> Base64DecodeInto(std::string_view text, uint8_t* out, size_t out_cap) {
  KEEP_ASSIGN_OR_RETURN(int pad, ValidateStd(text));
  const size_t full = Base64DecodedSizeBound(text);
  if (out_cap < full) return InvalidArgument("base64 output buffer too small");
  if (text.empty()) return size_t{0};
  const int n = EVP_DecodeBlock(out, reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0 || static_cast<size_t>(n) != full) {
    OPENSSL_cleanse(out, out_cap);
    return InvalidArgument("invalid base64");
  }
  return full - static_cast<size_t>(pad);
}

Result<Bytes> Base64Decode(std::string_view text) {
  Bytes out(Base64DecodedSizeBound(text));
  KEEP_ASSIGN_OR_RETURN(size_t n, Base64DecodeInto(text, out.data(), out.size()));
  out.resize(n);
  return out;
}

void AppendBase64Url(std::string& out, ByteView data) {
  static constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  size_t o = out.size();
  out.resize(o + (data.size() * 4 + 2) / 3);
  char* s = out.data();
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const uint32_t v = uint32_t{data[i]} << 16 | uint32_t{data[i + 1]} << 8 | data[i + 2];
    s[o++] = kUrl[v >> 18];
    s[o++] = kUrl[(v >> 12) & 63];
    s[o++] = kUrl[(v >> 6) & 63];
    s[o++] = kUrl[v & 63];
  }
  if (i < data.size()) {
    const uint32_t v =
        uint32_t{data[i]} << 16 | (i + 1 < data.size() ? uint32_t{data[i + 1]} << 8 : 0);
    s[o++] = kUrl[v >> 18];
    s[o++] = kUrl[(v >> 12) & 63];
    if (i + 1 < data.size()) s[o++] = kUrl[(v >> 6) & 63];
  }
}

std::string Base64UrlEncode(ByteView data) {
  std::string s;
  AppendBase64Url(s, data);
  return s;
}

Result<Bytes> Base64UrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) return InvalidArgument("invalid base64url length");
  std::string s(text);
  for (char& c : s) {
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
    else if (c == '+' || c == '/' || c == '=')
      return InvalidArgument("invalid base64url character");
  }
  while (s.size() % 4 != 0) s.push_back('=');
  return Base64Decode(s);
}

std::string HexEncode(ByteView data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(data.size() * 2, '\0');
  char* o = out.data();
  for (uint8_t b : data) {
    *o++ = kDigits[b >> 4];
    *o++ = kDigits[b & 0xf];
  }
  return out;
}

Result<Bytes> HexDecode(std::string_view text) {
  if (text.size() % 2 != 0) return InvalidArgument("hex length is odd");
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Bytes out(text.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return InvalidArgument("invalid hex character");
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string PercentEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace keep
