#include "crypto/secret_bytes.h"

#include <openssl/crypto.h>

#include <atomic>
#include <cstring>
#include <new>

#include "common/encoding.h"

namespace keep::crypto {
namespace {
std::atomic<uint64_t> g_fallbacks{0};
std::atomic<SecureHeapState> g_state{SecureHeapState::kNone};
}  // namespace

SecretBytes::SecretBytes(size_t size) : SecretBytes(size, false) {}

SecretBytes::SecretBytes(size_t size, bool locked) : size_(size), capacity_(size) {
  if (size == 0) return;
  if (locked) {
    if (CRYPTO_secure_malloc_initialized()) {
      data_ = static_cast<uint8_t*>(OPENSSL_secure_zalloc(size));
    }
    if (data_ != nullptr && CRYPTO_secure_allocated(data_)) {
      locked_ = true;
      return;
    }
    if (data_ != nullptr) OPENSSL_secure_clear_free(data_, size);
    data_ = nullptr;
    g_fallbacks.fetch_add(1, std::memory_order_relaxed);
  }
  data_ = static_cast<uint8_t*>(OPENSSL_zalloc(size));
  if (data_ == nullptr) throw std::bad_alloc();
}

SecretBytes SecretBytes::CopyOf(std::span<const uint8_t> bytes) {
  SecretBytes s(bytes.size());
  if (!bytes.empty()) std::memcpy(s.data_, bytes.data(), bytes.size());
  return s;
}

SecretBytes SecretBytes::Locked(size_t size) {
  return SecretBytes(size, true);
}

SecretBytes SecretBytes::LockedCopyOf(std::span<const uint8_t> bytes) {
  SecretBytes s(bytes.size(), true);
  if (!bytes.empty()) std::memcpy(s.data_, bytes.data(), bytes.size());
  return s;
}

SecretBytes::SecretBytes(SecretBytes&& o) noexcept
    : data_(o.data_), size_(o.size_), capacity_(o.capacity_), locked_(o.locked_) {
  o.data_ = nullptr;
  o.size_ = o.capacity_ = 0;
  o.locked_ = false;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& o) noexcept {
  if (this != &o) {
    Free();
    data_ = o.data_;
    size_ = o.size_;
    capacity_ = o.capacity_;
    locked_ = o.locked_;
    o.data_ = nullptr;
    o.size_ = o.capacity_ = 0;
    o.locked_ = false;
  }
  return *this;
}

SecretBytes::~SecretBytes() {
  Free();
}

void SecretBytes::Free() {
  if (data_ != nullptr) {
    if (locked_) {
      OPENSSL_secure_clear_free(data_, capacity_);
    } else {
      OPENSSL_clear_free(data_, capacity_);
    }
  }
  data_ = nullptr;
  size_ = capacity_ = 0;
  locked_ = false;
}

void SecretBytes::Truncate(size_t n) {
  if (n >= size_) return;
  OPENSSL_cleanse(data_ + n, size_ - n);
  size_ = n;
}

bool SecretBytes::Equals(std::span<const uint8_t> other) const {
  return ConstantTimeEquals(view(), other);
}

bool ConstantTimeEquals(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::ostream& operator<<(std::ostream& os, const SecretBytes& s) {
  return os << "<redacted:" << s.size() << ">";
}

SecureHeapState InitSecureHeap(size_t bytes) {
  if (CRYPTO_secure_malloc_initialized()) return g_state.load();
  // 1: heap created and mlocked; 2: created, but mlock failed; 0: not created.
  const int rc = CRYPTO_secure_malloc_init(bytes, 16);
  const SecureHeapState st = rc == 1   ? SecureHeapState::kLocked
                             : rc == 2 ? SecureHeapState::kUnlocked
                                       : SecureHeapState::kNone;
  g_state.store(st);
  return st;
}

SecureHeapState GetSecureHeapState() {
  return g_state.load();
}

uint64_t LockedFallbacks() {
  return g_fallbacks.load(std::memory_order_relaxed);
}

size_t SecureHeapUsed() {
  return CRYPTO_secure_malloc_initialized() ? CRYPTO_secure_used() : 0;
}

SecretString EncodeBase64Secret(std::span<const uint8_t> bytes) {
  SecretString out;
  AppendBase64(out, bytes);
  return out;
}

Result<SecretBytes> DecodeBase64Secret(std::string_view text, bool locked) {
  const size_t bound = Base64DecodedSizeBound(text);
  SecretBytes out = locked ? SecretBytes::Locked(bound) : SecretBytes(bound);
  KEEP_ASSIGN_OR_RETURN(size_t n, Base64DecodeInto(text, out.data(), out.size()));
  out.Truncate(n);
  return out;
}

}  // namespace keep::crypto
