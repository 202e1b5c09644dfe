// Shamir secret sharing over GF(2^8) (the AES field, polynomial x^8+x^4+x^3+x+1).
//
// Split: each secret byte is the constant term of a fresh random polynomial of degree
// threshold-1; share i (x = 1..n) holds the polynomial values at x. Any `threshold`
// shares determine the secret; fewer reveal nothing about it (information-theoretic).
// Combine: Lagrange interpolation at 0.
//
// The field arithmetic is constant-time (no secret-dependent branches or table
// look-ups). This is the raw scheme: share encoding, integrity checks and
// recipient encryption belong to the custody layer (src/seal), which must detect a
// wrong or foreign share before combining: Combine cannot tell a wrong result.
// Thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "crypto/secret_bytes.h"
#include "keep/result.h"

namespace keep::crypto {

struct Share {
  uint8_t x = 0;  // 1..255
  SecretBytes y;  // one byte per secret byte
};

// 1 <= threshold <= n <= 255, secret non-empty. Errors: kInvalidArgument.
Result<std::vector<Share>> ShamirSplit(const SecretBytes& secret, int n, int threshold);

// Interpolates the secret from `shares` (at least the threshold used to split; extra
// shares are fine). Errors: kInvalidArgument for no shares, a zero or repeated x, or
// shares of different lengths.
Result<SecretBytes> ShamirCombine(const std::vector<const Share*>& shares);

// Exposed for tests.
uint8_t Gf256Mul(uint8_t a, uint8_t b);
uint8_t Gf256Inv(uint8_t a);  // Gf256Inv(0) == 0

}  // namespace keep::crypto
