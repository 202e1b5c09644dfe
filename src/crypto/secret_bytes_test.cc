#include "crypto/secret_bytes.h"

#include <vector>

#include <gtest/gtest.h>
#include <openssl/crypto.h>

#include <set>
#include <sstream>

#include "common/bytes.h"
#include "crypto/random.h"

namespace keep::crypto {
namespace {

TEST(SecretBytes, PrintsRedacted) {
  SecretBytes s = SecretBytes::CopyOf(AsBytes("hunter2"));
  std::ostringstream os;
  os << s;
  EXPECT_EQ(os.str(), "<redacted:7>");
}

TEST(SecretBytes, EqualityAndMove) {
  SecretBytes a = SecretBytes::CopyOf(AsBytes("abc"));
  SecretBytes b = a.Clone();
  EXPECT_TRUE(a == b);
  SecretBytes c = SecretBytes::CopyOf(AsBytes("abd"));
  EXPECT_FALSE(a == c);
  EXPECT_FALSE(a == SecretBytes::CopyOf(AsBytes("ab")));
  SecretBytes moved = std::move(a);
  EXPECT_EQ(moved.size(), 3u);
  EXPECT_EQ(a.size(), 0u);  // NOLINT: moved-from is defined as empty
  moved.Truncate(1);
  EXPECT_TRUE(moved.Equals(AsBytes("a")));
}

// ctest runs each test in its own process, so the secure heap state is per test.
TEST(SecretBytes, LockedFallsBackAndCountsWithoutASecureHeap) {
  const uint64_t before = LockedFallbacks();
  SecretBytes s = SecretBytes::Locked(32);
  EXPECT_FALSE(s.is_locked());
  EXPECT_EQ(s.size(), 32u);
  EXPECT_EQ(LockedFallbacks(), before + 1);
  SecretBytes plain(16);
  EXPECT_FALSE(plain.is_locked());
  EXPECT_EQ(LockedFallbacks(), before + 1) << "ordinary buffers never count";
}

TEST(SecretBytes, LockedBuffersLiveInTheSecureHeapUntilItIsFull) {
  const SecureHeapState st = InitSecureHeap(4096);
  ASSERT_NE(st, SecureHeapState::kNone);
  {
    EXPECT_EQ(GetSecureHeapState(), st);
    const size_t used0 = SecureHeapUsed();
    SecretBytes a = SecretBytes::LockedCopyOf(std::vector<uint8_t>(32, 7));
    EXPECT_TRUE(a.is_locked());
    EXPECT_GT(SecureHeapUsed(), used0);
    SecretBytes b = a.Clone();
    EXPECT_TRUE(b.is_locked()) << "a clone of a locked buffer stays locked";
    EXPECT_TRUE(a == b);
    SecretBytes moved = std::move(b);
    EXPECT_TRUE(moved.is_locked());
    SecretBytes ordinary(64);
    EXPECT_FALSE(ordinary.is_locked()) << "per-request buffers must not exhaust the secure heap";
    // Fill the heap: further locked buffers fall back to the normal heap, counted.
    std::vector<SecretBytes> fill;
    const uint64_t fb = LockedFallbacks();
    for (int i = 0; i < 200; ++i) fill.push_back(SecretBytes::Locked(64));
    EXPECT_GT(LockedFallbacks(), fb);
    EXPECT_FALSE(fill.back().is_locked());
    EXPECT_TRUE(fill.front().is_locked());
    const size_t used_full = SecureHeapUsed();
    fill.clear();
    EXPECT_LT(SecureHeapUsed(), used_full) << "freed locked buffers return to the heap";
  }
  // Everything is freed: tear the tiny heap down so later tests in this process (when run
  // without ctest) are not squeezed by it.
  EXPECT_EQ(SecureHeapUsed(), 0u);
  EXPECT_EQ(CRYPTO_secure_malloc_done(), 1);
}

TEST(Random, EmptyRequestsAreFine) {
  EXPECT_TRUE(RandomFill({}).ok());
  auto r = RandomSecret(0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 0u);
}

TEST(Random, DistinctAndRightSize) {
  std::set<Bytes> seen;
  for (int i = 0; i < 100; ++i) {
    auto r = RandomSecret(32);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->size(), 32u);
    seen.insert(Bytes(r->view().begin(), r->view().end()));
  }
  EXPECT_EQ(seen.size(), 100u);
}

// RFC 4648 §10 test vectors, both ways, through the secret forms.
TEST(SecretBase64, Rfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> vectors[] = {{"", ""},
                                                                   {"f", "Zg=="},
                                                                   {"fo", "Zm8="},
                                                                   {"foo", "Zm9v"},
                                                                   {"foob", "Zm9vYg=="},
                                                                   {"fooba", "Zm9vYmE="},
                                                                   {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, text] : vectors) {
    const auto bytes =
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(plain.data()), plain.size());
    EXPECT_EQ(EncodeBase64Secret(bytes).view(), text) << plain;
    for (bool locked : {false, true}) {
      auto d = DecodeBase64Secret(text, locked);
      ASSERT_TRUE(d.ok()) << text;
      EXPECT_TRUE(d->Equals(bytes)) << text;
      if (!plain.empty()) {
        // Locked as SecretBytes::Locked is here (no secure heap: a counted fallback).
        EXPECT_EQ(d->is_locked(), locked && SecretBytes::Locked(1).is_locked()) << text;
      }
    }
  }
}

TEST(SecretBase64, RejectsWhatIsNotBase64) {
  for (std::string_view bad : {"Zg=", "Z", "Zm9v!", "Zm 9v", "====", "Zg==Zg=="}) {
    auto d = DecodeBase64Secret(bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.status().code(), Code::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace keep::crypto
