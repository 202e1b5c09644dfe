// HPKE (RFC 9180), base mode, with DHKEM(X25519, HKDF-SHA256) and HKDF-SHA256: the
// public-key encryption of keep's `x25519` keys (issue 16) — a sender holding only the
// recipient's public key seals; only the private key opens. Single-shot: one message per
// encapsulation (sequence number 0), as the KMS uses it; `Export` gives the exporter
// secret's output (RFC 9180 §5.3) for tests and key derivation.
//
// The ephemeral key is fresh for every Seal (SealWithEphemeral exists for the RFC's test
// vectors only). Errors: kInvalidArgument for keys of the wrong size or a low-order public
// key (the DH output is all zero, RFC 9180 §7.1.4); Open answers "invalid_ciphertext" for
// anything that does not authenticate, without saying why. Pure functions; thread-safe.
#pragma once

#include <cstdint>

#include "common/bytes.h"
#include "crypto/secret_bytes.h"
#include "keep/result.h"

namespace keep::crypto::hpke {

// AEAD identifiers (RFC 9180 §7.3).
enum class Aead : uint16_t { kAes128Gcm = 0x0001, kAes256Gcm = 0x0002, kChaCha20Poly1305 = 0x0003 };

inline constexpr uint16_t kKemX25519HkdfSha256 = 0x0020;
inline constexpr uint16_t kKdfHkdfSha256 = 0x0001;
inline constexpr size_t kEncSize = 32;  // the encapsulated key: the ephemeral public key

struct Sealed {
  Bytes enc;         // 32 bytes
  Bytes ciphertext;  // plaintext size + 16 (the tag)
};

struct KeyPair {
  SecretBytes private_key;  // 32 bytes
  Bytes public_key;         // 32 bytes
};

// A fresh X25519 key pair (the recipient's, or an ephemeral one).
Result<KeyPair> GenerateKeyPair();
// The public key of an X25519 private key.
Result<Bytes> PublicKeyOf(ByteView private_key);

Result<Sealed> Seal(Aead aead, ByteView recipient_public, ByteView info, ByteView aad,
                    ByteView plaintext);
Result<SecretBytes> Open(Aead aead, ByteView recipient_private, ByteView enc, ByteView info,
                         ByteView aad, ByteView ciphertext);
// The exporter secret's output of length `length` for `exporter_context` (RFC 9180 §5.3),
// on the recipient's side.
Result<SecretBytes> Export(Aead aead, ByteView recipient_private, ByteView enc, ByteView info,
                           ByteView exporter_context, size_t length);

// Test vectors only: Seal with the given ephemeral private key.
Result<Sealed> SealWithEphemeral(Aead aead, ByteView ephemeral_private, ByteView recipient_public,
                                 ByteView info, ByteView aad, ByteView plaintext);

// DHKEM(P-256, HKDF-SHA256) (hpke_p256.cc): private keys are 32-byte big-endian scalars in
// [1, n-1]; public keys and encapsulations are uncompressed points (65 bytes, 0x04 ‖ x ‖ y),
// checked to be on the curve and not the point at infinity; the DH output is the shared
// point's x-coordinate (RFC 9180 §7.1.1). Same contract as above otherwise. The split
// functions serve keys whose scalar is the sum of two shares held apart (issue 21): each
// holder computes its share times the encapsulation, the two points add to the full DH.
// Call these qualified (hpke::p256::Seal): unqualified, argument-dependent lookup on Aead
// also finds the X25519 functions above, and the call is ambiguous.
namespace p256 {

inline constexpr uint16_t kKem = 0x0010;
inline constexpr size_t kEncSize = 65;

Result<KeyPair> GenerateKeyPair();
Result<Bytes> PublicKeyOf(ByteView private_key);
Result<Sealed> Seal(Aead aead, ByteView recipient_public, ByteView info, ByteView aad,
                    ByteView plaintext);
Result<Sealed> SealWithEphemeral(Aead aead, ByteView ephemeral_private, ByteView recipient_public,
                                 ByteView info, ByteView aad, ByteView plaintext);
Result<SecretBytes> Open(Aead aead, ByteView recipient_private, ByteView enc, ByteView info,
                         ByteView aad, ByteView ciphertext);
Result<SecretBytes> Export(Aead aead, ByteView recipient_private, ByteView enc, ByteView info,
                           ByteView exporter_context, size_t length);

// share · enc, as an uncompressed point. Errors: kInvalidArgument for a scalar or point
// that is not valid.
Result<Bytes> PartialDh(ByteView share_private, ByteView enc);
// a + b (uncompressed points; the sum must not be the point at infinity).
Result<Bytes> AddPoints(ByteView a, ByteView b);
// Open with the full DH point (the sum of the partials) instead of a private key.
Result<SecretBytes> OpenWithDhPoint(Aead aead, ByteView dh_point, ByteView enc,
                                    ByteView recipient_public, ByteView info, ByteView aad,
                                    ByteView ciphertext);

}  // namespace p256

}  // namespace keep::crypto::hpke
