// Text encodings of binary data: standard base64 (RFC 4648 §4, padded), URL-safe
// base64 without padding (§5) and lowercase hex.
//
// Decoders are strict: they reject any character outside the alphabet, whitespace,
// wrong length, misplaced or missing padding, and non-zero trailing bits, so every
// byte string has exactly one accepted encoding. Errors are kInvalidArgument with
// reason "bad_request" and say what was wrong, never echoing the input.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "keep/result.h"
#include "keep/secret_string.h"

namespace keep {

std::string Base64Encode(ByteView data);
// Appends the base64 of `data` to `out`: for secrets, straight into wiping memory.
void AppendBase64(SecretString& out, ByteView data);
Result<Bytes> Base64Decode(std::string_view text);
// Decodes into caller-owned memory of Base64DecodedSize(text) bytes; returns the length.
// On error the output is zeroed.
Result<size_t> Base64DecodeInto(std::string_view text, uint8_t* out, size_t out_cap);
size_t Base64DecodedSizeBound(std::string_view text);

std::string Base64UrlEncode(ByteView data);
// Appends the unpadded base64url of `data` to `out` (one allocation at most).
void AppendBase64Url(std::string& out, ByteView data);
Result<Bytes> Base64UrlDecode(std::string_view text);

std::string HexEncode(ByteView data);
// RFC 3986 percent-encoding: everything but the unreserved characters (A-Z a-z 0-9 - _ . ~),
// and '/' when `keep_slash`, as %XX with upper-case hex (what URLs and AWS SigV4 expect).
std::string PercentEncode(std::string_view s, bool keep_slash = false);
Result<Bytes> HexDecode(std::string_view text);

}  // namespace keep
