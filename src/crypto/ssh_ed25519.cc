// Ed25519 keys seen as X25519 keys (crypto/ssh_keys.h), for age's ssh-ed25519 stanzas:
// RFC 7748 §4.1's birational map on the public key, SHA-512 of the seed for the scalar.
#include <openssl/bn.h>

#include <cstring>
#include <memory>

#include "crypto/ssh_keys.h"

namespace keep::crypto::ssh {
namespace {

Status Usage(std::string what) {
  return Status(Code::kInvalidArgument, "usage", std::move(what));
}

struct BnFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

}  // namespace

Result<std::array<uint8_t, 32>> Ed25519PublicToX25519(ByteView ed) {
  if (ed.size() != 32) return Usage("an Ed25519 public key is 32 bytes");
  uint8_t y_le[32];
  std::memcpy(y_le, ed.data(), 32);
  const bool x_odd = (y_le[31] & 0x80) != 0;
  y_le[31] &= 0x7f;
  std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> ctx(BN_CTX_new(), BN_CTX_free);
  Bn p(BN_new()), y(BN_lebin2bn(y_le, 32, nullptr)), one(BN_new()), num(BN_new()), den(BN_new()),
      u(BN_new()), d(BN_new()), y2(BN_new()), x2(BN_new()), t(BN_new());
  // p = 2^255 - 19; d = -121665 / 121666 mod p.
  bool ok = ctx && p && y && one && num && den && u && d && y2 && x2 && t &&
            BN_set_bit(p.get(), 255) && BN_sub_word(p.get(), 19) && BN_one(one.get());
  if (ok && BN_cmp(y.get(), p.get()) >= 0) return Usage("the Ed25519 key is not canonical");
  ok = ok && BN_set_word(t.get(), 121666) &&
       BN_mod_inverse(t.get(), t.get(), p.get(), ctx.get()) != nullptr &&
       BN_set_word(d.get(), 121665) && BN_mod_mul(d.get(), d.get(), t.get(), p.get(), ctx.get()) &&
       BN_mod_sub(d.get(), p.get(), d.get(), p.get(), ctx.get()) &&
       // x^2 = (y^2 - 1) / (d y^2 + 1) must be a square (the point is on the curve)
       BN_mod_sqr(y2.get(), y.get(), p.get(), ctx.get()) &&
       BN_mod_sub(num.get(), y2.get(), one.get(), p.get(), ctx.get()) &&
       BN_mod_mul(den.get(), d.get(), y2.get(), p.get(), ctx.get()) &&
       BN_mod_add(den.get(), den.get(), one.get(), p.get(), ctx.get()) &&
       BN_mod_inverse(den.get(), den.get(), p.get(), ctx.get()) != nullptr &&
       BN_mod_mul(x2.get(), num.get(), den.get(), p.get(), ctx.get());
  if (!ok) {
    DrainOpenSslErrors("ed25519 to x25519");
    return Internal("Ed25519 key conversion failed");
  }
  if (!BN_is_zero(x2.get()) && BN_mod_sqrt(t.get(), x2.get(), p.get(), ctx.get()) == nullptr) {
    DrainOpenSslErrors("ed25519 sqrt");
    return Usage("the Ed25519 key is not a point on the curve");
  }
  if (BN_is_zero(x2.get()) && x_odd) return Usage("the Ed25519 key is not canonical");
  // u = (1 + y) / (1 - y); y = 1 (the identity point) has none.
  if (!BN_mod_sub(den.get(), one.get(), y.get(), p.get(), ctx.get()) || BN_is_zero(den.get())) {
    return Usage("the Ed25519 key is the identity point");
  }
  if (BN_mod_inverse(den.get(), den.get(), p.get(), ctx.get()) == nullptr ||
      !BN_mod_add(num.get(), one.get(), y.get(), p.get(), ctx.get()) ||
      !BN_mod_mul(u.get(), num.get(), den.get(), p.get(), ctx.get())) {
    DrainOpenSslErrors("ed25519 to x25519");
    return Internal("Ed25519 key conversion failed");
  }
  std::array<uint8_t, 32> out{};
  if (BN_bn2lebinpad(u.get(), out.data(), 32) != 32)
    return Internal("Ed25519 key conversion failed");
  return out;
}

Result<SecretBytes> Ed25519SeedToX25519(ByteView seed) {
  if (seed.size() != 32) return Usage("an Ed25519 seed is 32 bytes");
  SecretBytes h(64);
  unsigned int n = 0;
  if (EVP_Digest(seed.data(), seed.size(), h.data(), &n, EVP_sha512(), nullptr) != 1 || n != 64) {
    DrainOpenSslErrors("sha512");
    return Internal("SHA-512 failed");
  }
  h.Truncate(32);
  return h;
}

}  // namespace keep::crypto::ssh
