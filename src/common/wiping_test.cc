// Wiping memory, checked at the moment it is freed: this test binary replaces the global
// operator new/delete (malloc/free underneath) so that operator delete can look at a
// watched region just before the memory goes back to the allocator. A region that still
// holds its secret then is a failure. std::string is the control: its freed buffers keep
// the secret, which shows the check can fail.
#include <malloc.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "common/wiping_json.h"
#include "keep/secret_string.h"

namespace {

struct Watch {
  const unsigned char* ptr = nullptr;
  size_t size = 0;
  bool armed = false;
  bool seen = false;      // a delete covering the region happened
  bool was_zero = false;  // and the region was all zero then
};
Watch g_watch;

void Check(void* p) noexcept {
  if (!g_watch.armed || p == nullptr) return;
  auto* b = static_cast<const unsigned char*>(p);
  const size_t usable = malloc_usable_size(p);
  if (g_watch.ptr < b || g_watch.ptr + g_watch.size > b + usable) return;
  g_watch.seen = true;
  g_watch.was_zero =
      std::all_of(g_watch.ptr, g_watch.ptr + g_watch.size, [](unsigned char c) { return c == 0; });
  g_watch.armed = false;
}

}  // namespace

void* operator new(size_t n) {
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  Check(p);
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  Check(p);
  std::free(p);
}

namespace keep {
namespace {

const std::string kSecret(200, 'S');  // longer than any inline buffer

void Arm(const void* p, size_t n) {
  g_watch = Watch{static_cast<const unsigned char*>(p), n, true, false, false};
}

TEST(Wiping, ControlStdStringKeepsTheSecretWhenFreed) {
  auto* s = new std::string(kSecret);
  Arm(s->data(), s->size());
  delete s;
  ASSERT_TRUE(g_watch.seen);
  EXPECT_FALSE(g_watch.was_zero) << "the check cannot tell wiped from not wiped";
}

TEST(Wiping, SecretStringWipesOnDestruction) {
  auto* s = new SecretString(kSecret);
  Arm(s->data(), s->size());
  delete s;
  ASSERT_TRUE(g_watch.seen);
  EXPECT_TRUE(g_watch.was_zero);
}

TEST(Wiping, SecretStringWipesTheBufferItOutgrows) {
  SecretString s(kSecret);
  s.shrink_to_fit();
  Arm(s.data(), s.size());
  s.append(4 * kSecret.size(), 'T');  // reallocates: the old buffer is freed
  ASSERT_TRUE(g_watch.seen);
  EXPECT_TRUE(g_watch.was_zero);
}

TEST(Wiping, MemoryResourceWipesEveryBlock) {
  WipingMemoryResource r;
  void* p = r.allocate(64, alignof(std::max_align_t));
  std::memset(p, 0xAA, 64);
  Arm(p, 64);
  r.deallocate(p, 64, alignof(std::max_align_t));
  ASSERT_TRUE(g_watch.seen);
  EXPECT_TRUE(g_watch.was_zero);
}

TEST(Wiping, JsonOnWipingStorageWipesErasedAndCopiedSecrets) {
  const std::string text = "{\"plaintext\":\"" + kSecret + "\",\"key\":\"k\"}";
  boost::json::value v = boost::json::parse(text, WipingJsonStorage());
  {
    const auto& s = v.as_object().at("plaintext").as_string();
    Arm(s.data(), s.size());
  }
  v.as_object().erase("plaintext");
  ASSERT_TRUE(g_watch.seen);
  EXPECT_TRUE(g_watch.was_zero) << "an erased member is wiped";

  boost::json::value v2 = boost::json::parse(text, WipingJsonStorage());
  auto* copy = new boost::json::value(v2);  // copy construction keeps the storage
  EXPECT_EQ(copy->storage(), v2.storage());
  const auto& s = copy->as_object().at("plaintext").as_string();
  Arm(s.data(), s.size());
  delete copy;
  ASSERT_TRUE(g_watch.seen);
  EXPECT_TRUE(g_watch.was_zero) << "a copy is wiped too";
}

TEST(Wiping, JsonOnDefaultStorageIsTheControl) {
  boost::json::value v = boost::json::parse("{\"plaintext\":\"" + kSecret + "\"}");
  const auto& s = v.as_object().at("plaintext").as_string();
  Arm(s.data(), s.size());
  v.as_object().erase("plaintext");
  ASSERT_TRUE(g_watch.seen);
  EXPECT_FALSE(g_watch.was_zero);
}

}  // namespace
}  // namespace keep
