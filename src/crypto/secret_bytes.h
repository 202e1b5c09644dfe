// SecretBytes: an owned buffer of secret bytes (keys, plaintext data keys, tokens).
//
// - Move-only; the memory is wiped (OPENSSL_cleanse) when freed or overwritten.
// - Ordinary buffers (per-request plaintexts, data keys) use the normal heap, wiped on
//   free. Long-lived keys (root key, keyring, key versions, unseal shares) are made with
//   SecretBytes::Locked: once InitSecureHeap ran they live in OpenSSL's secure heap —
//   mlocked (never swapped), excluded from core dumps, guard pages around it. When that
//   heap is full they fall back to the normal heap and LockedFallbacks() counts it.
// - Bytes are reached only through the explicit data()/view() accessors.
// - Equality is constant-time in the contents (the length is not secret).
// - Streams as "<redacted:N>", so a stray log line shows no secret.
// Thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <span>
#include <string_view>

#include "keep/result.h"
#include "keep/secret_string.h"

namespace keep::crypto {

class SecretBytes {
 public:
  SecretBytes() = default;
  // Zero-filled buffer of `size` bytes.
  explicit SecretBytes(size_t size);
  // Copies `bytes` (the caller remains responsible for wiping its own copy).
  static SecretBytes CopyOf(std::span<const uint8_t> bytes);
  // Zero-filled buffer in locked memory (see above), and a locked copy.
  static SecretBytes Locked(size_t size);
  static SecretBytes LockedCopyOf(std::span<const uint8_t> bytes);

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes();

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  std::span<const uint8_t> view() const { return {data_, size_}; }
  std::span<uint8_t> mutable_view() { return {data_, size_}; }
  // Shrinks the logical size (the tail is wiped). `n` must be <= size().
  void Truncate(size_t n);
  // An explicit deep copy (locked when this buffer is).
  SecretBytes Clone() const { return locked_ ? LockedCopyOf(view()) : CopyOf(view()); }
  // True when the bytes live in the secure heap.
  bool is_locked() const { return locked_; }

  // Constant-time in the contents.
  bool Equals(std::span<const uint8_t> other) const;
  bool operator==(const SecretBytes& other) const { return Equals(other.view()); }

 private:
  SecretBytes(size_t size, bool locked);
  void Free();
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  bool locked_ = false;
};

std::ostream& operator<<(std::ostream& os, const SecretBytes& s);

// Base64 (RFC 4648, padded) of secret bytes, in wiping memory.
SecretString EncodeBase64Secret(std::span<const uint8_t> bytes);
// Decodes base64 text straight into a SecretBytes (locked when `locked`): no plain copy
// of the decoded bytes is ever made. Errors: kInvalidArgument for text that is not base64.
Result<SecretBytes> DecodeBase64Secret(std::string_view text, bool locked = false);

// Constant-time comparison of two byte ranges (false when lengths differ).
bool ConstantTimeEquals(std::span<const uint8_t> a, std::span<const uint8_t> b);

// Initialises OpenSSL's secure heap of `bytes` (a power of two) for SecretBytes::Locked.
// Call once at start-up. kLocked: the heap is mlocked; kUnlocked: created but mlock
// failed (RLIMIT_MEMLOCK), so it may be swapped; kNone: not created (Locked buffers use
// the normal heap). Later calls return the first call's result.
enum class SecureHeapState { kLocked, kUnlocked, kNone };
SecureHeapState InitSecureHeap(size_t bytes);
SecureHeapState GetSecureHeapState();
// How many Locked allocations fell back to the normal heap because the secure heap was
// full or not set up. Exposed in metrics.
uint64_t LockedFallbacks();
// Bytes of the secure heap in use.
size_t SecureHeapUsed();

}  // namespace keep::crypto
