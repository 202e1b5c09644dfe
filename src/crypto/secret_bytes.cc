#include "crypto/secret_bytes.h"

#include <openssl/crypto.h>

#include <cstring>
#include <new>

namespace keep::crypto {

SecretBytes::SecretBytes(size_t size) : size_(size), capacity_(size) {
  if (size == 0) return;
  data_ = static_cast<uint8_t*>(OPENSSL_secure_zalloc(size));
  if (data_ == nullptr) throw std::bad_alloc();
}

SecretBytes SecretBytes::CopyOf(std::span<const uint8_t> bytes) {
  SecretBytes s(bytes.size());
  if (!bytes.empty()) std::memcpy(s.data_, bytes.data(), bytes.size());
  return s;
}

SecretBytes::SecretBytes(SecretBytes&& o) noexcept
    : data_(o.data_), size_(o.size_), capacity_(o.capacity_) {
  o.data_ = nullptr;
  o.size_ = o.capacity_ = 0;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& o) noexcept {
  if (this != &o) {
    Free();
    data_ = o.data_;
    size_ = o.size_;
    capacity_ = o.capacity_;
    o.data_ = nullptr;
    o.size_ = o.capacity_ = 0;
  }
  return *this;
}

SecretBytes::~SecretBytes() {
  Free();
}

void SecretBytes::Free() {
  if (data_ != nullptr) OPENSSL_secure_clear_free(data_, capacity_);
  data_ = nullptr;
  size_ = capacity_ = 0;
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

bool InitSecureHeap(size_t bytes) {
  if (CRYPTO_secure_malloc_initialized()) return true;
  return CRYPTO_secure_malloc_init(bytes, 32) == 1;
}

}  // namespace keep::crypto
