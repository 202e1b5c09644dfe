// HKDF-SHA256 (RFC 5869) and HMAC-SHA256 (RFC 2104) through OpenSSL 3's EVP_KDF and
// EVP_MAC, fetched once per process. Thread-safe.
#pragma once

#include <cstdint>
#include <span>

#include "common/bytes.h"
#include "crypto/secret_bytes.h"
#include "keep/result.h"

namespace keep::crypto {

inline constexpr size_t kSha256Size = 32;

// Extract-and-expand HKDF into `out` (1..8160 bytes). An empty salt means HashLen zero
// bytes, as the RFC says. Errors: kInvalidArgument for an output size out of range.
Status HkdfSha256(ByteView ikm, ByteView salt, ByteView info, std::span<uint8_t> out);

// out must be exactly 32 bytes. The key may be any length (including empty).
Status HmacSha256(ByteView key, ByteView message, std::span<uint8_t> out);

// Recomputes the HMAC and compares its first tag.size() bytes (16..32) with `tag` in
// constant time. Tags shorter than 16 bytes are refused (returns false).
bool HmacSha256Verify(ByteView key, ByteView message, ByteView tag);

}  // namespace keep::crypto
