// SHA-256 and HKDF-SHA256 (RFC 5869) through OpenSSL 3's EVP interfaces, fetched once per
// process; HMAC-SHA256 (RFC 2104) on OpenSSL's SHA-256 block function with the keyed
// states precomputed (hmac.cc). Thread-safe.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>

#include "common/bytes.h"
#include "crypto/secret_bytes.h"
#include "keep/result.h"

namespace keep::crypto {

inline constexpr size_t kSha256Size = 32;

// Extract-and-expand HKDF into `out` (1..8160 bytes). An empty salt means HashLen zero
// bytes, as the RFC says. Errors: kInvalidArgument for an output size out of range.
Status HkdfSha256(ByteView ikm, ByteView salt, ByteView info, std::span<uint8_t> out);

// SHA-256 of `data` into `out`.
Status Sha256(ByteView data, std::span<uint8_t, kSha256Size> out);

// out must be exactly 32 bytes. The key may be any length (including empty).
Status HmacSha256(ByteView key, ByteView message, std::span<uint8_t> out);

// A precomputed HMAC-SHA256 key: the two keyed SHA-256 states (key XOR ipad, key XOR
// opad) are computed once, kept in locked memory, and copied onto the stack per message
// (wiped after), so Compute allocates nothing and costs two SHA-256 finalisations plus
// the message's blocks. Immutable after Create; Compute is thread-safe. Move-only; a
// moved-from key fails Compute with kInternal.
class HmacKey {
 public:
  // Errors: kInternal when OpenSSL cannot set up HMAC.
  static Result<HmacKey> Create(ByteView key);
  HmacKey(HmacKey&&) noexcept = default;
  HmacKey& operator=(HmacKey&&) noexcept = default;
  ~HmacKey() = default;
  // HMAC over the concatenation of `parts` into `out` (32 bytes).
  Status Compute(std::initializer_list<ByteView> parts, std::span<uint8_t, kSha256Size> out) const;

 private:
  explicit HmacKey(SecretBytes state) : state_(std::move(state)) {}
  SecretBytes state_;  // two SHA256_CTX (inner, outer), kept out of this header
};

// HKDF-Expand (RFC 5869 §2.3) for one block (L = 32): T(1) = HMAC(PRK, info || 0x01),
// with the PRK precomputed as an HmacKey.
Status HkdfExpandSha256Block(const HmacKey& prk, ByteView info,
                             std::span<uint8_t, kSha256Size> out);

// Recomputes the HMAC and compares its first tag.size() bytes (16..32) with `tag` in
// constant time. Tags shorter than 16 bytes are refused (returns false).
bool HmacSha256Verify(ByteView key, ByteView message, ByteView tag);

}  // namespace keep::crypto
