// The P-256 group (crypto/p256.h) on OpenSSL's EC_GROUP/EC_POINT and BIGNUM.
#include "crypto/p256.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include <memory>

#include "crypto/ossl.h"
#include "crypto/random.h"

namespace keep::crypto::p256 {
namespace {

struct Free {
  void operator()(EC_POINT* p) const { EC_POINT_free(p); }
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
  void operator()(BN_CTX* c) const { BN_CTX_free(c); }
};
template <typename T>
using Ptr = std::unique_ptr<T, Free>;

const EC_GROUP* Group() {
  static const EC_GROUP* g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  return g;
}

const BIGNUM* Order() {
  return EC_GROUP_get0_order(Group());
}

Status Bad(std::string what) {
  return InvalidArgument("P-256: " + std::move(what));
}

Result<Ptr<BIGNUM>> ToScalar(ByteView s) {
  if (s.size() != kScalarSize) return Bad("a scalar is 32 bytes");
  Ptr<BIGNUM> b(BN_secure_new());
  if (!b || BN_bin2bn(s.data(), 32, b.get()) == nullptr) return Bad("bad scalar");
  BN_set_flags(b.get(), BN_FLG_CONSTTIME);
  if (BN_is_zero(b.get()) || BN_cmp(b.get(), Order()) >= 0)
    return Bad("the scalar is out of range");
  return b;
}

Result<Ptr<EC_POINT>> ToPoint(ByteView p) {
  if (p.size() != kPointSize || p[0] != 0x04) return Bad("a point is 65 bytes, 0x04 ‖ x ‖ y");
  Ptr<EC_POINT> pt(EC_POINT_new(Group()));
  if (!pt || EC_POINT_oct2point(Group(), pt.get(), p.data(), p.size(), nullptr) != 1 ||
      EC_POINT_is_at_infinity(Group(), pt.get())) {
    DrainOpenSslErrors("p256 point");
    return Bad("not a point on the curve");
  }
  return pt;
}

Result<Bytes> Encode(const EC_POINT* p) {
  if (EC_POINT_is_at_infinity(Group(), p)) return Bad("the point at infinity");
  Bytes out(kPointSize);
  if (EC_POINT_point2oct(Group(), p, POINT_CONVERSION_UNCOMPRESSED, out.data(), out.size(),
                         nullptr) != kPointSize) {
    DrainOpenSslErrors("p256 encode");
    return Bad("cannot encode a point");
  }
  return out;
}

Result<SecretBytes> FromBn(const BIGNUM* b) {
  SecretBytes out(kScalarSize);
  if (BN_bn2binpad(b, out.data(), kScalarSize) != kScalarSize) return Bad("bad scalar");
  return out;
}

Result<Bytes> MulImpl(ByteView scalar, const EC_POINT* point) {
  KEEP_ASSIGN_OR_RETURN(auto s, ToScalar(scalar));
  Ptr<EC_POINT> r(EC_POINT_new(Group()));
  Ptr<BN_CTX> ctx(BN_CTX_secure_new());
  const int ok = point == nullptr
                     ? EC_POINT_mul(Group(), r.get(), s.get(), nullptr, nullptr, ctx.get())
                     : EC_POINT_mul(Group(), r.get(), nullptr, point, s.get(), ctx.get());
  if (!r || !ctx || ok != 1) {
    DrainOpenSslErrors("p256 mul");
    return Bad("scalar multiplication failed");
  }
  return Encode(r.get());
}

}  // namespace

Status CheckScalar(ByteView scalar) {
  return ToScalar(scalar).status();
}

Status CheckPoint(ByteView point) {
  return ToPoint(point).status();
}

Result<Bytes> MulBase(ByteView scalar) {
  return MulImpl(scalar, nullptr);
}

Result<Bytes> Mul(ByteView scalar, ByteView point) {
  KEEP_ASSIGN_OR_RETURN(auto p, ToPoint(point));
  return MulImpl(scalar, p.get());
}

Result<Bytes> Add(ByteView a, ByteView b) {
  KEEP_ASSIGN_OR_RETURN(auto pa, ToPoint(a));
  KEEP_ASSIGN_OR_RETURN(auto pb, ToPoint(b));
  Ptr<EC_POINT> sum(EC_POINT_new(Group()));
  if (!sum || EC_POINT_add(Group(), sum.get(), pa.get(), pb.get(), nullptr) != 1) {
    DrainOpenSslErrors("p256 add");
    return Bad("point addition failed");
  }
  return Encode(sum.get());
}

Result<SecretBytes> XOf(ByteView point) {
  KEEP_ASSIGN_OR_RETURN(auto p, ToPoint(point));
  Ptr<BIGNUM> x(BN_secure_new());
  SecretBytes out(32);
  if (!x || EC_POINT_get_affine_coordinates(Group(), p.get(), x.get(), nullptr, nullptr) != 1 ||
      BN_bn2binpad(x.get(), out.data(), 32) != 32) {
    DrainOpenSslErrors("p256 x");
    return Bad("cannot read the point");
  }
  return out;
}

Result<SecretBytes> RandomScalar() {
  for (int i = 0; i < 64; ++i) {  // outside [1, n-1] with probability about 2^-32
    KEEP_ASSIGN_OR_RETURN(SecretBytes s, RandomSecret(kScalarSize));
    if (CheckScalar(s.view()).ok()) return s;
  }
  return Internal("cannot draw a P-256 scalar");
}

Result<SecretBytes> MulAdd(ByteView k, ByteView c, ByteView x) {
  KEEP_ASSIGN_OR_RETURN(auto bk, ToScalar(k));
  KEEP_ASSIGN_OR_RETURN(auto bc, ToScalar(c));
  KEEP_ASSIGN_OR_RETURN(auto bx, ToScalar(x));
  Ptr<BIGNUM> r(BN_secure_new());
  Ptr<BN_CTX> ctx(BN_CTX_secure_new());
  if (!r || !ctx || !BN_mod_mul(r.get(), bc.get(), bx.get(), Order(), ctx.get()) ||
      !BN_mod_add(r.get(), r.get(), bk.get(), Order(), ctx.get())) {
    DrainOpenSslErrors("p256 muladd");
    return Bad("scalar arithmetic failed");
  }
  return FromBn(r.get());
}

Result<Bytes> HashToScalar(std::initializer_list<ByteView> parts) {
  OsslPtr<EVP_MD_CTX> md(EVP_MD_CTX_new());
  if (!md || EVP_DigestInit_ex(md.get(), EVP_sha512(), nullptr) != 1) {
    return Internal("SHA-512 unavailable");
  }
  for (ByteView p : parts) {
    const uint8_t len[4] = {static_cast<uint8_t>(p.size() >> 24),
                            static_cast<uint8_t>(p.size() >> 16),
                            static_cast<uint8_t>(p.size() >> 8), static_cast<uint8_t>(p.size())};
    EVP_DigestUpdate(md.get(), len, 4);
    EVP_DigestUpdate(md.get(), p.data(), p.size());
  }
  uint8_t h[64];
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(md.get(), h, &n) != 1 || n != 64) return Internal("SHA-512 failed");
  Ptr<BIGNUM> b(BN_bin2bn(h, 64, nullptr));
  Ptr<BN_CTX> ctx(BN_CTX_new());
  if (!b || !ctx || !BN_nnmod(b.get(), b.get(), Order(), ctx.get())) {
    return Internal("scalar reduction failed");
  }
  if (BN_is_zero(b.get())) BN_one(b.get());  // probability 2^-256
  Bytes out(kScalarSize);
  BN_bn2binpad(b.get(), out.data(), kScalarSize);
  return out;
}

}  // namespace keep::crypto::p256
