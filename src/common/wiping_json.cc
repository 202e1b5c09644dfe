#include "common/wiping_json.h"

#include <openssl/crypto.h>

#include <boost/json/storage_ptr.hpp>
#include <new>

namespace keep {
namespace {
// The real size is kept in a header in front of each block: Boost.JSON 1.81's
// monotonic_resource passes a different size to deallocate than it asked for, so the
// size argument cannot be trusted.
constexpr std::size_t kHeader = alignof(std::max_align_t);
}  // namespace

void* WipingMemoryResource::do_allocate(std::size_t n, std::size_t align) {
  if (align > kHeader) throw std::bad_alloc();
  auto* base = static_cast<unsigned char*>(::operator new(n + kHeader));
  *reinterpret_cast<std::size_t*>(base) = n;
  return base + kHeader;
}

void WipingMemoryResource::do_deallocate(void* p, std::size_t, std::size_t) {
  auto* base = static_cast<unsigned char*>(p) - kHeader;
  const std::size_t n = *reinterpret_cast<std::size_t*>(base);
  OPENSSL_cleanse(base, n + kHeader);
  ::operator delete(base);
}

boost::json::storage_ptr WipingJsonStorage() {
  return boost::json::make_shared_resource<WipingMemoryResource>();
}

}  // namespace keep
