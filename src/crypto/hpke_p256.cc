// HPKE with DHKEM(P-256, HKDF-SHA256) (crypto/hpke.h, namespace p256), RFC 9180 §7.1, on
// OpenSSL's EC_POINT arithmetic (constant-time scalar multiplication), sharing the key
// schedule with the X25519 KEM (hpke_internal.h).
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <memory>

#include "crypto/hpke.h"
#include "crypto/hpke_internal.h"
#include "crypto/ossl.h"
#include "crypto/random.h"

namespace keep::crypto::hpke::p256 {
namespace {

using namespace internal;

struct Free {
  void operator()(EC_GROUP* g) const { EC_GROUP_free(g); }
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

Status Bad(std::string what) {
  return InvalidArgument("P-256: " + std::move(what));
}

// A scalar in [1, n-1], held in secure memory and used in constant time.
Result<Ptr<BIGNUM>> Scalar(ByteView s) {
  if (s.size() != 32) return Bad("a private key is 32 bytes");
  Ptr<BIGNUM> b(BN_secure_new());
  if (!b || BN_bin2bn(s.data(), 32, b.get()) == nullptr) return Bad("bad scalar");
  BN_set_flags(b.get(), BN_FLG_CONSTTIME);
  if (BN_is_zero(b.get()) || BN_cmp(b.get(), EC_GROUP_get0_order(Group())) >= 0) {
    return Bad("the private key is out of range");
  }
  return b;
}

// An uncompressed point on the curve, not the point at infinity.
Result<Ptr<EC_POINT>> Point(ByteView p) {
  if (p.size() != kEncSize || p[0] != 0x04) return Bad("a point is 65 bytes, 0x04 ‖ x ‖ y");
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
  Bytes out(kEncSize);
  if (EC_POINT_point2oct(Group(), p, POINT_CONVERSION_UNCOMPRESSED, out.data(), out.size(),
                         nullptr) != kEncSize) {
    DrainOpenSslErrors("p256 encode");
    return Bad("cannot encode a point");
  }
  return out;
}

// scalar · point (point null: the generator).
Result<Ptr<EC_POINT>> Mul(const BIGNUM* scalar, const EC_POINT* point) {
  Ptr<EC_POINT> r(EC_POINT_new(Group()));
  Ptr<BN_CTX> ctx(BN_CTX_secure_new());
  const int ok = point == nullptr
                     ? EC_POINT_mul(Group(), r.get(), scalar, nullptr, nullptr, ctx.get())
                     : EC_POINT_mul(Group(), r.get(), nullptr, point, scalar, ctx.get());
  if (!r || !ctx || ok != 1) {
    DrainOpenSslErrors("p256 mul");
    return Bad("scalar multiplication failed");
  }
  return r;
}

// The DH output: the x-coordinate of a point (§7.1.1).
Result<SecretBytes> XOf(const EC_POINT* p) {
  Ptr<BIGNUM> x(BN_secure_new());
  SecretBytes out(32);
  if (EC_POINT_is_at_infinity(Group(), p)) return Bad("the shared point is the point at infinity");
  if (!x || EC_POINT_get_affine_coordinates(Group(), p, x.get(), nullptr, nullptr) != 1 ||
      BN_bn2binpad(x.get(), out.data(), 32) != 32) {
    DrainOpenSslErrors("p256 x");
    return Bad("cannot read the shared point");
  }
  return out;
}

Result<SecretBytes> Dh(ByteView private_key, ByteView public_key) {
  KEEP_ASSIGN_OR_RETURN(auto s, Scalar(private_key));
  KEEP_ASSIGN_OR_RETURN(auto p, Point(public_key));
  KEEP_ASSIGN_OR_RETURN(auto shared, Mul(s.get(), p.get()));
  return XOf(shared.get());
}

Result<Context> ReceiverContext(Aead aead, ByteView recipient_private, ByteView enc,
                                ByteView info) {
  KEEP_ASSIGN_OR_RETURN(const Bytes recipient_public, PublicKeyOf(recipient_private));
  KEEP_ASSIGN_OR_RETURN(SecretBytes dh, Dh(recipient_private, enc));
  KEEP_ASSIGN_OR_RETURN(SecretBytes shared, SharedSecret(kKem, dh.view(), enc, recipient_public));
  return KeySchedule(kKem, aead, shared.view(), info);
}

}  // namespace

Result<Bytes> PublicKeyOf(ByteView private_key) {
  KEEP_ASSIGN_OR_RETURN(auto s, Scalar(private_key));
  KEEP_ASSIGN_OR_RETURN(auto p, Mul(s.get(), nullptr));
  return Encode(p.get());
}

Result<KeyPair> GenerateKeyPair() {
  for (int i = 0; i < 64; ++i) {  // a draw outside [1, n-1] has probability about 2^-32
    KEEP_ASSIGN_OR_RETURN(SecretBytes sk, RandomSecret(32));
    auto pub = PublicKeyOf(sk.view());
    if (pub.ok()) return KeyPair{std::move(sk), std::move(*pub)};
  }
  return Internal("cannot draw a P-256 private key");
}

Result<Sealed> SealWithEphemeral(Aead aead, ByteView ephemeral_private, ByteView recipient_public,
                                 ByteView info, ByteView aad, ByteView plaintext) {
  KEEP_ASSIGN_OR_RETURN(Bytes enc, PublicKeyOf(ephemeral_private));
  KEEP_ASSIGN_OR_RETURN(SecretBytes dh, Dh(ephemeral_private, recipient_public));
  KEEP_ASSIGN_OR_RETURN(SecretBytes shared, SharedSecret(kKem, dh.view(), enc, recipient_public));
  KEEP_ASSIGN_OR_RETURN(Context c, KeySchedule(kKem, aead, shared.view(), info));
  return SealWithContext(aead, c, aad, plaintext, std::move(enc));
}

Result<Sealed> Seal(Aead aead, ByteView recipient_public, ByteView info, ByteView aad,
                    ByteView plaintext) {
  KEEP_ASSIGN_OR_RETURN(const KeyPair eph, GenerateKeyPair());
  return p256::SealWithEphemeral(aead, eph.private_key.view(), recipient_public, info, aad,
                                 plaintext);
}

Result<SecretBytes> Open(Aead aead, ByteView recipient_private, ByteView enc, ByteView info,
                         ByteView aad, ByteView ciphertext) {
  return OpenWithContext(aead, ReceiverContext(aead, recipient_private, enc, info), aad,
                         ciphertext);
}

Result<SecretBytes> Export(Aead aead, ByteView recipient_private, ByteView enc, ByteView info,
                           ByteView exporter_context, size_t length) {
  KEEP_ASSIGN_OR_RETURN(Context c, ReceiverContext(aead, recipient_private, enc, info));
  return ExportWithContext(kKem, aead, c, exporter_context, length);
}

Result<Bytes> PartialDh(ByteView share_private, ByteView enc) {
  KEEP_ASSIGN_OR_RETURN(auto s, Scalar(share_private));
  KEEP_ASSIGN_OR_RETURN(auto p, Point(enc));
  KEEP_ASSIGN_OR_RETURN(auto r, Mul(s.get(), p.get()));
  return Encode(r.get());
}

Result<Bytes> AddPoints(ByteView a, ByteView b) {
  KEEP_ASSIGN_OR_RETURN(auto pa, Point(a));
  KEEP_ASSIGN_OR_RETURN(auto pb, Point(b));
  Ptr<EC_POINT> sum(EC_POINT_new(Group()));
  if (!sum || EC_POINT_add(Group(), sum.get(), pa.get(), pb.get(), nullptr) != 1) {
    DrainOpenSslErrors("p256 add");
    return Bad("point addition failed");
  }
  return Encode(sum.get());
}

Result<SecretBytes> OpenWithDhPoint(Aead aead, ByteView dh_point, ByteView enc,
                                    ByteView recipient_public, ByteView info, ByteView aad,
                                    ByteView ciphertext) {
  const auto context = [&]() -> Result<Context> {
    KEEP_ASSIGN_OR_RETURN(auto p, Point(dh_point));
    KEEP_RETURN_IF_ERROR(Point(enc).status());
    KEEP_RETURN_IF_ERROR(Point(recipient_public).status());
    KEEP_ASSIGN_OR_RETURN(SecretBytes dh, XOf(p.get()));
    KEEP_ASSIGN_OR_RETURN(SecretBytes shared, SharedSecret(kKem, dh.view(), enc, recipient_public));
    return KeySchedule(kKem, aead, shared.view(), info);
  };
  return OpenWithContext(aead, context(), aad, ciphertext);
}

}  // namespace keep::crypto::hpke::p256
