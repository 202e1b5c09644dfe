// Boost.JSON values that may hold secrets (request bodies with plaintexts, answers with
// data keys, shares, tokens) built on memory that is wiped when freed.
//
// WipingMemoryResource hands out heap blocks and overwrites each one before freeing it.
// WipingJsonStorage() is a reference-counted storage on it: a value parsed or built with
// it, and every copy made by copy construction (which keeps the source's storage), is
// wiped when destroyed or when a member is erased or replaced. A copy made into another
// storage (json::value v = object{...} with no storage given, json::serialize into a
// std::string) is not; build secret-bearing values with this storage from the start.
//
// Thread-safety: a storage may be shared between threads as Boost.JSON allows (the
// resource itself has no state).
#pragma once

#include <boost/container/pmr/memory_resource.hpp>
#include <boost/json/storage_ptr.hpp>
#include <cstddef>

namespace keep {

class WipingMemoryResource final : public boost::container::pmr::memory_resource {
 private:
  void* do_allocate(std::size_t n, std::size_t align) override;
  void do_deallocate(void* p, std::size_t n, std::size_t align) override;
  bool do_is_equal(const memory_resource& other) const noexcept override { return this == &other; }
};

// A new reference-counted storage on a WipingMemoryResource.
boost::json::storage_ptr WipingJsonStorage();

}  // namespace keep
