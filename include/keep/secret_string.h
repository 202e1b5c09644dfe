// keep — SecretString: text that may hold secrets (request and response bodies with
// plaintexts, data keys, shares, tokens) and is wiped wherever it lives.
//
// A std::basic_string whose allocator overwrites every buffer before freeing it (so the
// old buffers a growing string leaves behind are wiped too), and whose destructor wipes
// the string's own inline buffer (the small-string optimisation keeps up to 15 bytes
// inside the object, where no allocator sees them). Boost.Beast's
// basic_string_body<char, std::char_traits<char>, WipingAllocator<char>> holds the same
// string type, so an HTTP body is wiping memory from the socket to the handler and back.
//
// What it does not cover: copies made from it into other types (a std::string, a parsed
// JSON value) are the copier's to wipe. Thread-compatible, like std::string.
#pragma once

#include <string.h>  // explicit_bzero

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace keep {

template <class T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() noexcept = default;
  template <class U>
  WipingAllocator(const WipingAllocator<U>&) noexcept {}  // NOLINT: rebinding
  T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    explicit_bzero(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }
  template <class U>
  bool operator==(const WipingAllocator<U>&) const noexcept {
    return true;
  }
};

using WipingBasicString = std::basic_string<char, std::char_traits<char>, WipingAllocator<char>>;

class SecretString : public WipingBasicString {
 public:
  using WipingBasicString::WipingBasicString;
  SecretString() = default;
  SecretString(const SecretString&) = default;
  SecretString(SecretString&&) noexcept = default;
  SecretString(WipingBasicString&& s) noexcept : WipingBasicString(std::move(s)) {}  // NOLINT
  explicit SecretString(std::string_view s) : WipingBasicString(s.data(), s.size()) {}
  // From ordinary text (the safe direction: the copy is wiped, the original is not ours).
  SecretString(const std::string& s) : WipingBasicString(s.data(), s.size()) {}  // NOLINT
  SecretString& operator=(const SecretString&) = default;
  SecretString& operator=(SecretString&& other) noexcept {
    Wipe();
    WipingBasicString::operator=(std::move(other));
    return *this;
  }
  ~SecretString() { Wipe(); }

  // Overwrites the whole buffer (inline or not) and empties the string.
  void Wipe() noexcept {
    explicit_bzero(data(), capacity());
    clear();
  }
  std::string_view view() const noexcept { return {data(), size()}; }
};

}  // namespace keep
