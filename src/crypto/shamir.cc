#include "crypto/shamir.h"

#include "crypto/random.h"

namespace keep::crypto {

uint8_t Gf256Mul(uint8_t a, uint8_t b) {
  // Russian-peasant multiplication with masks instead of branches.
  uint8_t p = 0;
  for (int i = 0; i < 8; ++i) {
    p ^= static_cast<uint8_t>(-(b & 1) & a);
    const uint8_t carry = static_cast<uint8_t>(-(a >> 7));
    a = static_cast<uint8_t>((a << 1) ^ (carry & 0x1b));
    b >>= 1;
  }
  return p;
}

uint8_t Gf256Inv(uint8_t a) {
  // a^254 = a^-1 in GF(2^8), by a fixed square-and-multiply chain.
  uint8_t result = 1, base = a;
  for (int e = 254; e > 0; e >>= 1) {
    const uint8_t product = Gf256Mul(result, base);
    const uint8_t take = static_cast<uint8_t>(-(e & 1));
    result = static_cast<uint8_t>((product & take) | (result & ~take));
    base = Gf256Mul(base, base);
  }
  return result;
}

Result<std::vector<Share>> ShamirSplit(const SecretBytes& secret, int n, int threshold) {
  if (secret.empty()) return InvalidArgument("the secret is empty");
  if (threshold < 1 || n < threshold || n > 255) {
    return InvalidArgument("shares and threshold must satisfy 1 <= threshold <= shares <= 255");
  }
  std::vector<Share> shares(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    shares[i].x = static_cast<uint8_t>(i + 1);
    shares[i].y = SecretBytes(secret.size());
  }
  // coefficients[k] for k = 1..threshold-1, one random byte per secret byte each.
  KEEP_ASSIGN_OR_RETURN(SecretBytes coeffs,
                        RandomSecret(secret.size() * static_cast<size_t>(threshold - 1)));
  for (size_t b = 0; b < secret.size(); ++b) {
    for (int i = 0; i < n; ++i) {
      // Horner: p(x) = s + c1 x + ... + c_{t-1} x^{t-1}
      uint8_t acc = 0;
      for (int k = threshold - 1; k >= 1; --k) {
        acc = static_cast<uint8_t>(Gf256Mul(acc, shares[i].x) ^
                                   coeffs.data()[static_cast<size_t>(k - 1) * secret.size() + b]);
      }
      acc = static_cast<uint8_t>(Gf256Mul(acc, shares[i].x) ^ secret.data()[b]);
      shares[i].y.data()[b] = acc;
    }
  }
  return shares;
}

Result<SecretBytes> ShamirCombine(const std::vector<const Share*>& shares) {
  if (shares.empty()) return InvalidArgument("no shares");
  const size_t len = shares[0]->y.size();
  bool seen[256] = {};
  for (const Share* s : shares) {
    if (s->x == 0 || seen[s->x])
      return InvalidArgument("shares must have distinct, non-zero indexes");
    if (s->y.size() != len || len == 0) return InvalidArgument("shares have different lengths");
    seen[s->x] = true;
  }
  SecretBytes out(len);
  for (size_t i = 0; i < shares.size(); ++i) {
    // Lagrange basis at 0: prod_{j != i} x_j / (x_j - x_i); subtraction is XOR.
    uint8_t num = 1, den = 1;
    for (size_t j = 0; j < shares.size(); ++j) {
      if (j == i) continue;
      num = Gf256Mul(num, shares[j]->x);
      den = Gf256Mul(den, static_cast<uint8_t>(shares[j]->x ^ shares[i]->x));
    }
    const uint8_t basis = Gf256Mul(num, Gf256Inv(den));
    for (size_t b = 0; b < len; ++b) {
      out.data()[b] ^= Gf256Mul(shares[i]->y.data()[b], basis);
    }
  }
  return out;
}

}  // namespace keep::crypto
