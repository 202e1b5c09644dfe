// Public-key encryption to a person: X25519 and RSA-OAEP key pairs in PEM.
//
// Used to encrypt unseal shares to custodians (and, later, file keys to recipients).
// SealTo/OpenWith produce and read a self-describing blob:
//
//   X25519:  0x01 || ephemeral public (32) || nonce (12) || AES-256-GCM(ct || tag)
//            key = HKDF-SHA256(ikm = X25519(eph, recipient), salt = eph_pub || recipient_pub,
//                              info = "keep x25519 seal v1" || 0x00 || label)
//            AAD = label. An all-zero shared secret (low-order point) is refused.
//   RSA:     0x02 || RSA-OAEP(SHA-256, MGF1-SHA-256, OAEP label = label)
//
// `label` binds the blob to its purpose ("keep share v1"), so a blob made for one
// purpose never opens as another. RSA keys must have at least 2048 bits; other key
// types (EC, Ed25519, DSA) are refused with a message naming the type.
// Errors are kInvalidArgument with a specific message (unparseable PEM, wrong type,
// too small, blob for the other key type, failed decryption).
// Thread-safe: keys are immutable after parsing.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "crypto/ossl.h"
#include "crypto/secret_bytes.h"
#include "keep/result.h"

namespace keep::crypto {

enum class KeyType { kX25519, kRsa };

class PublicKey {
 public:
  KeyType type() const { return type_; }
  int bits() const { return bits_; }
  // "x25519" or "rsa-3072".
  std::string Describe() const;
  // Hex SHA-256 of the DER SubjectPublicKeyInfo: identifies the recipient.
  const std::string& fingerprint() const { return fingerprint_; }
  EVP_PKEY* get() const { return key_.get(); }

 private:
  friend Result<PublicKey> PublicFromKey(std::shared_ptr<EVP_PKEY> key);
  KeyType type_ = KeyType::kX25519;
  int bits_ = 0;
  std::string fingerprint_;
  std::shared_ptr<EVP_PKEY> key_;
};

class PrivateKey {
 public:
  KeyType type() const { return type_; }
  const PublicKey& public_key() const { return public_; }
  EVP_PKEY* get() const { return key_.get(); }

 private:
  friend Result<PrivateKey> PrivateFromKey(std::shared_ptr<EVP_PKEY> key);
  KeyType type_ = KeyType::kX25519;
  PublicKey public_;
  std::shared_ptr<EVP_PKEY> key_;
};

// Parses a PEM "PUBLIC KEY" (SubjectPublicKeyInfo). A private key or certificate is
// refused with a message saying so.
Result<PublicKey> ParsePublicKeyPem(std::string_view pem);
// Parses a PEM PKCS#8 private key, encrypted ("ENCRYPTED PRIVATE KEY") when `passphrase`
// is non-empty. Errors: kInvalidArgument "wrong passphrase or corrupt key", ...
Result<PrivateKey> ParsePrivateKeyPem(std::string_view pem, ByteView passphrase = {});

// A fresh key pair: X25519, or RSA with `rsa_bits` (3072 or 4096).
Result<PrivateKey> GeneratePrivateKey(KeyType type, int rsa_bits = 3072);
// PEM encodings: PKCS#8 private key (when `passphrase` is non-empty, encrypted with PBES2:
// scrypt N=2^14 r=8 p=8 + AES-256-CBC, which `openssl pkcs8` and python3-cryptography read)
// and SubjectPublicKeyInfo public key.
// `kdf` kPbkdf2 (OpenSSL's default PBES2: PBKDF2-HMAC-SHA256, 2,048 iterations) only where
// the passphrase is not a secret and the encryption is a format requirement (the keas.kmi
// door's PEMs, whose passphrase is keas.kmi's published one): scrypt's cost buys nothing
// there.
enum class PemKdf { kScrypt, kPbkdf2 };
Result<SecretBytes> PrivateKeyPem(const PrivateKey& key, ByteView passphrase = {},
                                  PemKdf kdf = PemKdf::kScrypt);
std::string PublicKeyPem(const PublicKey& key);

// Encrypts `plaintext` to `recipient` (format above).
Result<Bytes> SealTo(const PublicKey& recipient, ByteView plaintext, std::string_view label);
// Decrypts a SealTo blob. Errors: kInvalidArgument when the blob is malformed, made for
// the other key type, for another key, or another label.
Result<SecretBytes> OpenWith(const PrivateKey& key, ByteView sealed, std::string_view label);

// Wrap an OpenSSL key (internal; checks type and size).
Result<PublicKey> PublicFromKey(std::shared_ptr<EVP_PKEY> key);
Result<PrivateKey> PrivateFromKey(std::shared_ptr<EVP_PKEY> key);

// The primitives, exposed for known-answer tests.
Result<SecretBytes> X25519(ByteView private_key, ByteView peer_public);
Result<Bytes> RsaOaepSha256Encrypt(const PublicKey& key, ByteView plaintext, ByteView label);
Result<SecretBytes> RsaOaepSha256Decrypt(const PrivateKey& key, ByteView ciphertext,
                                         ByteView label);

}  // namespace keep::crypto
