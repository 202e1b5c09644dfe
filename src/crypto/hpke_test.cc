// HPKE base mode against RFC 9180's test vector A.1.1 (DHKEM(X25519, HKDF-SHA256),
// HKDF-SHA256, AES-128-GCM: the encapsulation, the first ciphertext and an export), then
// round trips with the suite keep uses (AES-256-GCM) and ChaCha20-Poly1305, and every
// changed input refused.
#include "crypto/hpke.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace keep::crypto::hpke {
namespace {

Bytes Hex(std::string_view s) {
  return *HexDecode(s);
}
Bytes B(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

// RFC 9180, Appendix A.1.1 (mode_base).
constexpr std::string_view kInfo = "4f6465206f6e2061204772656369616e2055726e";
constexpr std::string_view kSkEm =
    "52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736";
constexpr std::string_view kPkEm =
    "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431";
constexpr std::string_view kSkRm =
    "4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8";
constexpr std::string_view kPkRm =
    "3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d";
constexpr std::string_view kPt = "4265617574792069732074727574682c20747275746820626561757479";
constexpr std::string_view kAad0 = "436f756e742d30";
constexpr std::string_view kCt0 =
    "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a";
constexpr std::string_view kExport0 =
    "3853fe2b4035195a573ffc53856e77058e15d9ea064de3e59f4961d0095250ee";

TEST(Hpke, Rfc9180VectorA11) {
  EXPECT_EQ(HexEncode(*PublicKeyOf(Hex(kSkRm))), kPkRm);
  auto sealed =
      SealWithEphemeral(Aead::kAes128Gcm, Hex(kSkEm), Hex(kPkRm), Hex(kInfo), Hex(kAad0), Hex(kPt));
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_EQ(HexEncode(sealed->enc), kPkEm);
  EXPECT_EQ(HexEncode(sealed->ciphertext), kCt0);
  auto opened = Open(Aead::kAes128Gcm, Hex(kSkRm), Hex(kPkEm), Hex(kInfo), Hex(kAad0), Hex(kCt0));
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(HexEncode(opened->view()), kPt);
  auto exported = Export(Aead::kAes128Gcm, Hex(kSkRm), Hex(kPkEm), Hex(kInfo), {}, 32);
  ASSERT_TRUE(exported.ok());
  EXPECT_EQ(HexEncode(exported->view()), kExport0);
}

TEST(Hpke, RoundTripsAndRefusesEveryChange) {
  for (Aead aead : {Aead::kAes256Gcm, Aead::kChaCha20Poly1305}) {
    auto kp = GenerateKeyPair();
    ASSERT_TRUE(kp.ok());
    const Bytes info = B("keep x25519 v1");
    const Bytes aad = B("context");
    const Bytes pt = B("card 4111 1111 1111 1111");
    auto s = Seal(aead, kp->public_key, info, aad, pt);
    ASSERT_TRUE(s.ok());
    auto o = Open(aead, kp->private_key.view(), s->enc, info, aad, s->ciphertext);
    ASSERT_TRUE(o.ok()) << o.status();
    EXPECT_EQ(Bytes(o->view().begin(), o->view().end()), pt);
    auto again = Seal(aead, kp->public_key, info, aad, pt);
    EXPECT_NE(again->enc, s->enc) << "a fresh ephemeral key every time";
    auto refused = [&](ByteView enc, ByteView i, ByteView a, ByteView ct) {
      auto r = Open(aead, kp->private_key.view(), enc, i, a, ct);
      return !r.ok() && r.status().reason() == "invalid_ciphertext";
    };
    Bytes enc = s->enc, ct = s->ciphertext;
    enc[5] ^= 1;
    EXPECT_TRUE(refused(enc, info, aad, s->ciphertext)) << "encapsulation";
    ct[0] ^= 1;
    EXPECT_TRUE(refused(s->enc, info, aad, ct)) << "ciphertext";
    EXPECT_TRUE(refused(s->enc, AsBytes(std::string_view("other")), aad, s->ciphertext)) << "info";
    EXPECT_TRUE(refused(s->enc, info, AsBytes(std::string_view("other")), s->ciphertext)) << "aad";
    EXPECT_TRUE(refused(s->enc, info, aad, ByteView(s->ciphertext).first(10))) << "truncated";
    auto other = GenerateKeyPair();
    EXPECT_FALSE(Open(aead, other->private_key.view(), s->enc, info, aad, s->ciphertext).ok());
  }
  // A low-order public key (all zeros) makes an all-zero DH output: refused (RFC 9180 §7.1.4).
  const Bytes zero(32, 0);
  EXPECT_FALSE(Seal(Aead::kAes256Gcm, zero, {}, {}, AsBytes(std::string_view("x"))).ok());
}

}  // namespace
}  // namespace keep::crypto::hpke
