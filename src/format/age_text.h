// age's text encodings (internal to format/age.cc and its tests): Bech32 and unpadded
// canonical base64. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "keep/result.h"

namespace keep::format::age::internal {

// Bech32 of `data` with human-readable part `hrp` (lower case).
std::string Bech32Encode(std::string_view hrp, ByteView data);
// Decodes `text` whose HRP must be `want_hrp`; `what` names it in errors. Errors: usage
// (mixed case, a character outside Bech32, another HRP, a bad checksum or padding).
Result<Bytes> Bech32Decode(std::string_view text, std::string_view want_hrp, std::string_view what);
// Standard base64 without padding.
std::string B64(ByteView data);
// Appends the decoding of `text` to *out; false when it is not canonical unpadded base64.
bool UnB64(std::string_view text, Bytes* out);

}  // namespace keep::format::age::internal
