// OpenSSH keys, for the age format's ssh-ed25519 and ssh-rsa recipients and identities
// (format/age.h): public keys as one authorized_keys-style line ("ssh-ed25519 AAAA…
// comment"), private keys as ssh-keygen writes them ("-----BEGIN OPENSSH PRIVATE KEY-----",
// the openssh-key-v1 container, unencrypted) or RSA keys in PEM (PKCS#1 or PKCS#8).
//
// Parsing is strict and bounded: the SSH wire encoding (RFC 4251 §5) must be exact, the
// inner and outer public keys agree, the check words match, the padding is 1, 2, 3, …; RSA
// keys have at least 2048 bits and pass OpenSSL's pairwise check; an Ed25519 key must be a
// point on the curve. Passphrase-protected keys are refused with a message saying so (no
// bcrypt-pbkdf here). Errors: kInvalidArgument "usage" saying what is wrong, never
// echoing key material. Private material lives in SecretBytes and OpenSSL keys only.
// Pure functions; thread-safe.
#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "common/bytes.h"
#include "crypto/pubkey.h"
#include "crypto/secret_bytes.h"
#include "keep/result.h"

namespace keep::crypto::ssh {

enum class SshKeyType { kEd25519, kRsa };

struct SshPublicKey {
  SshKeyType type = SshKeyType::kEd25519;
  Bytes wire;                         // the key's SSH wire encoding (what fingerprints hash)
  std::array<uint8_t, 32> ed25519{};  // kEd25519: the Edwards point
  std::optional<PublicKey> rsa;       // kRsa
};

struct SshPrivateKey {
  SshPublicKey public_key;
  SecretBytes ed25519_seed;       // kEd25519: the 32-byte seed
  std::optional<PrivateKey> rsa;  // kRsa
};

// "ssh-ed25519 AAAA… [comment]" or "ssh-rsa AAAA… [comment]". Other SSH key types
// (ecdsa, sk-…, certificates) are refused by name.
Result<SshPublicKey> ParseSshPublicKey(std::string_view line);
// True when `text` starts (after blank space) with a PEM line of a private key.
bool LooksLikePemPrivateKey(std::string_view text);
// An OpenSSH private key file, or an RSA private key in PEM.
Result<SshPrivateKey> ParseSshPrivateKey(std::string_view text);
// The ssh-rsa wire encoding of an RSA public key: string "ssh-rsa", mpint e, mpint n.
Result<Bytes> SshRsaWire(const PublicKey& key);

// RFC 7748 §4.1: the X25519 public key (Montgomery u) of an Ed25519 public key. Errors:
// usage when the bytes are not a canonical point on the curve or the point has no u.
Result<std::array<uint8_t, 32>> Ed25519PublicToX25519(ByteView ed25519);
// The X25519 scalar an Ed25519 seed stands for: the first half of SHA-512(seed) (X25519
// clamps it).
Result<SecretBytes> Ed25519SeedToX25519(ByteView seed);

}  // namespace keep::crypto::ssh
