#include "crypto/kdf.h"

#include <gtest/gtest.h>

#include <array>
#include <string_view>

#include "common/encoding.h"

namespace keep::crypto {
namespace {

ByteView B(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// RFC 4231 test case 6: a 131-byte key (longer than a block, hashed first).
TEST(HmacKey, LongKeyIsHashedFirst) {
  const Bytes key(131, 0xaa);
  auto hk = HmacKey::Create(key);
  ASSERT_TRUE(hk.ok());
  std::array<uint8_t, kSha256Size> mac{};
  ASSERT_TRUE(hk->Compute({B("Test Using Larger Than Block-Size Key - Hash Key First")}, mac).ok());
  EXPECT_EQ(HexEncode(mac), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  std::array<uint8_t, kSha256Size> once{};
  ASSERT_TRUE(
      HmacSha256(key, B("Test Using Larger Than Block-Size Key - Hash Key First"), once).ok());
  EXPECT_EQ(once, mac);
}

// An empty key and an empty message: HMAC(K = "", "") as computed by `openssl mac`.
TEST(HmacKey, EmptyKeyAndMessage) {
  auto hk = HmacKey::Create({});
  ASSERT_TRUE(hk.ok());
  std::array<uint8_t, kSha256Size> mac{};
  ASSERT_TRUE(hk->Compute({}, mac).ok());
  EXPECT_EQ(HexEncode(mac), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(HmacKey, MovedFromFailsClosed) {
  auto hk = HmacKey::Create(B("key"));
  ASSERT_TRUE(hk.ok());
  HmacKey moved = std::move(*hk);
  std::array<uint8_t, kSha256Size> mac{};
  EXPECT_TRUE(moved.Compute({B("m")}, mac).ok());
  EXPECT_EQ(hk->Compute({B("m")}, mac).code(), Code::kInternal);  // NOLINT(bugprone-use-after-move)
}

TEST(HmacSha256, RefusesAShortOutput) {
  std::array<uint8_t, 16> out{};
  EXPECT_EQ(HmacSha256(B("k"), B("m"), out).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace keep::crypto
