// The P-256 group (NIST P-256 / secp256r1) for HPKE's P-256 KEM and split keys (issue 21):
// scalars are 32-byte big-endian integers in [1, n-1], points are 65-byte uncompressed
// encodings (0x04 ‖ x ‖ y) checked to be on the curve and never the point at infinity.
// Secret scalars go through secure, constant-time BIGNUMs and OpenSSL's constant-time
// scalar multiplication. Errors: kInvalidArgument saying what is wrong. Pure functions;
// thread-safe.
#pragma once

#include <initializer_list>

#include "common/bytes.h"
#include "crypto/secret_bytes.h"
#include "keep/result.h"

namespace keep::crypto::p256 {

inline constexpr size_t kPointSize = 65;
inline constexpr size_t kScalarSize = 32;

Status CheckScalar(ByteView scalar);
Status CheckPoint(ByteView point);
// scalar · G, scalar · point, a + b.
Result<Bytes> MulBase(ByteView scalar);
Result<Bytes> Mul(ByteView scalar, ByteView point);
Result<Bytes> Add(ByteView a, ByteView b);
// The point's x-coordinate (32 bytes): the DH output.
Result<SecretBytes> XOf(ByteView point);
// A uniformly random scalar.
Result<SecretBytes> RandomScalar();
// k + c·x mod n (a Schnorr response).
Result<SecretBytes> MulAdd(ByteView k, ByteView c, ByteView x);
// A challenge scalar: SHA-512 of the length-prefixed parts, reduced mod n (bias 2^-256).
Result<Bytes> HashToScalar(std::initializer_list<ByteView> parts);

}  // namespace keep::crypto::p256
