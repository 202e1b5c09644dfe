// Ed25519 signatures (RFC 8032) through OpenSSL, for the audit trail's checkpoints.
//
// A SigningKey is made from a 32-byte seed (kept in locked memory by the caller) and
// signs messages; verification needs only the 32-byte public key. Public keys travel as
// PEM (SubjectPublicKeyInfo). Errors: kInvalidArgument for malformed keys, kInternal for
// OpenSSL failures. SigningKey is immutable after creation and safe to share across
// threads for Sign (each call uses its own context).
#pragma once

#include <array>
#include <memory>
#include <string>

#include "common/bytes.h"

#include "crypto/ossl.h"
#include "keep/result.h"

namespace keep::crypto {

inline constexpr size_t kEd25519SeedSize = 32;
inline constexpr size_t kEd25519PublicSize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;

using Ed25519Signature = std::array<uint8_t, kEd25519SignatureSize>;
using Ed25519PublicKey = std::array<uint8_t, kEd25519PublicSize>;

class SigningKey {
 public:
  static Result<SigningKey> FromSeed(ByteView seed);
  Result<Ed25519Signature> Sign(ByteView message) const;
  const Ed25519PublicKey& public_key() const { return public_; }

 private:
  std::shared_ptr<EVP_PKEY> key_;
  Ed25519PublicKey public_{};
};

// Whether `signature` is a valid Ed25519 signature of `message` under `public_key`.
// Malformed inputs are simply not valid.
bool VerifyEd25519(ByteView public_key, ByteView message, ByteView signature);

// PEM (SubjectPublicKeyInfo) for a raw public key, and back. Errors: kInvalidArgument
// when the PEM is not an Ed25519 public key.
Result<std::string> Ed25519PublicKeyPem(const Ed25519PublicKey& key);
Result<Ed25519PublicKey> ParseEd25519PublicKeyPem(std::string_view pem);

}  // namespace keep::crypto
