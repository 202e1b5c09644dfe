// Encryption context: non-secret string → string pairs bound to a ciphertext.
//
// The canonical encoding is length-prefixed and sorted, so that no two different
// contexts encode alike ({"ab":"c"} and {"a":"bc"} differ):
//   u32be count, then for each pair in ascending bytewise key order:
//   u32be len(key) || key || u32be len(value) || value
// The empty context encodes as 00 00 00 00. Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>

#include "common/bytes.h"
#include "keep/status.h"

namespace keep::format {

// std::less<std::string> orders bytewise (char_traits<char> compares as unsigned char).
using EncryptionContext = std::map<std::string, std::string>;

inline constexpr size_t kMaxContextPairs = 64;
inline constexpr size_t kMaxContextBytes = 8192;

// Rejects contexts with more than 64 pairs, empty keys, or over 8 KiB in total
// (kInvalidArgument, "bad_request").
Status ValidateContext(const EncryptionContext& context);

Bytes CanonicalContext(const EncryptionContext& context);

}  // namespace keep::format
