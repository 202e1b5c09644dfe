// SecretBytes: an owned buffer of secret bytes (keys, plaintext data keys, tokens).
//
// - Move-only; the memory is wiped (OPENSSL_cleanse) when freed or overwritten.
// - Allocated with OPENSSL_secure_zalloc: once the secure heap is initialised
//   (see InitSecureHeap) the bytes live in locked, non-dumpable memory.
// - Bytes are reached only through the explicit data()/view() accessors.
// - Equality is constant-time in the contents (the length is not secret).
// - Streams as "<redacted:N>", so a stray log line shows no secret.
// Thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <span>

namespace keep::crypto {

class SecretBytes {
 public:
  SecretBytes() = default;
  // Zero-filled buffer of `size` bytes.
  explicit SecretBytes(size_t size);
  // Copies `bytes` (the caller remains responsible for wiping its own copy).
  static SecretBytes CopyOf(std::span<const uint8_t> bytes);

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
  // An explicit deep copy.
  SecretBytes Clone() const { return CopyOf(view()); }

  // Constant-time in the contents.
  bool Equals(std::span<const uint8_t> other) const;
  bool operator==(const SecretBytes& other) const { return Equals(other.view()); }

 private:
  void Free();
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

std::ostream& operator<<(std::ostream& os, const SecretBytes& s);

// Constant-time comparison of two byte ranges (false when lengths differ).
bool ConstantTimeEquals(std::span<const uint8_t> a, std::span<const uint8_t> b);

// Initialises OpenSSL's secure heap (mlocked, excluded from core dumps) so SecretBytes
// allocations land there. Call once at start-up before any SecretBytes is made.
// Returns false when the heap could not be set up (then ordinary memory is used).
bool InitSecureHeap(size_t bytes);

}  // namespace keep::crypto
