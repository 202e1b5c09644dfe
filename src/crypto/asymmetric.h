// Asymmetric keys for keep's key types beyond AES (issue 16): RSA (2048–4096 bits), ECDSA
// on P-256 and P-384, Ed25519 and X25519, plus keyed HMAC-SHA-256/384/512.
//
// A KeyPair is a private key with its public half, generated here or read from PKCS#8
// DER (how keep stores a version's private half under the barrier). Public keys travel as
// DER SubjectPublicKeyInfo (and PEM). Signatures: RSA-PSS (salt length = digest length,
// MGF1 with the same hash) and RSA PKCS#1 v1.5 with SHA-256/384/512; ECDSA as DER
// (SEQUENCE {r, s}) with SHA-256 on P-256 and SHA-384 on P-384 (either hash on either
// curve, as OpenSSL and AWS allow); Ed25519 pure (RFC 8032, messages only). Sign takes the
// message, or its digest when `prehashed` (not for Ed25519); the digest must have the
// hash's length. RSA encryption is RSA-OAEP with SHA-256 and MGF1-SHA-256 and a label.
//
// Errors: kInvalidArgument with a specific message for malformed keys, wrong key kinds,
// digests of the wrong length and messages too long for OAEP; "invalid_ciphertext" when
// OAEP decryption fails (without saying why); kInternal for OpenSSL failures. Verify
// answers false for any signature that does not verify, malformed or not.
// Thread-safe: KeyPair and PublicKeyRef are immutable after creation; every call uses
// its own OpenSSL context.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "crypto/secret_bytes.h"
#include "keep/result.h"

namespace keep::crypto::asym {

enum class Kind { kRsa, kEcP256, kEcP384, kEd25519, kX25519 };
enum class Hash { kSha256, kSha384, kSha512 };
enum class Scheme { kRsaPss, kRsaPkcs1, kEcdsa, kEd25519 };

std::string_view HashName(Hash h);  // "sha256", "sha384", "sha512"
Result<Hash> ParseHash(std::string_view s);
size_t HashSize(Hash h);

// An OpenSSL public key with its DER SubjectPublicKeyInfo.
class PublicKeyRef {
 public:
  // Parses DER or PEM SubjectPublicKeyInfo (text before "-----BEGIN" is ignored) and
  // checks the kind is one of Kind. Errors: kInvalidArgument.
  static Result<PublicKeyRef> Parse(ByteView der_or_pem);
  Kind kind() const { return kind_; }
  int bits() const { return bits_; }
  const Bytes& der() const { return der_; }
  std::string Pem() const;
  EVP_PKEY* get() const { return key_.get(); }
  // The public half of an OpenSSL key (a public-only copy). Errors: kInvalidArgument.
  static Result<PublicKeyRef> Of(EVP_PKEY* key);

 private:
  friend class KeyPair;
  Kind kind_ = Kind::kRsa;
  int bits_ = 0;
  Bytes der_;
  std::shared_ptr<EVP_PKEY> key_;
};

class KeyPair {
 public:
  // `rsa_bits` for kRsa only: 2048, 3072 or 4096.
  static Result<KeyPair> Generate(Kind kind, int rsa_bits = 0);
  // Reads PKCS#8 DER (PrivateKeyInfo, unencrypted). Errors: kInvalidArgument when it is
  // not a private key of a supported kind (RSA under 2048 bits or over 4096 is refused).
  static Result<KeyPair> FromPkcs8(ByteView der);
  // PEM (PKCS#8 "PRIVATE KEY" or traditional "RSA/EC PRIVATE KEY", unencrypted) or DER
  // PKCS#8: what `keep key import --material` reads.
  static Result<KeyPair> FromPemOrDer(ByteView data);
  Result<SecretBytes> Pkcs8() const;
  const PublicKeyRef& public_key() const { return public_; }
  Kind kind() const { return public_.kind_; }
  int bits() const { return public_.bits_; }
  EVP_PKEY* get() const { return key_.get(); }
  // X25519 only: the raw 32-byte private key (for HPKE).
  Result<SecretBytes> RawPrivate() const;

 private:
  std::shared_ptr<EVP_PKEY> key_;
  PublicKeyRef public_;
};

// Whether `scheme` with `hash` suits a key of `kind` (RSA: PSS, PKCS#1; EC: ECDSA;
// Ed25519: Ed25519, where the hash is ignored).
bool SchemeFits(Kind kind, Scheme scheme);

Result<Bytes> Sign(const KeyPair& key, Scheme scheme, Hash hash, ByteView input, bool prehashed);
bool Verify(const PublicKeyRef& key, Scheme scheme, Hash hash, ByteView input, bool prehashed,
            ByteView signature);

// RSA-OAEP-SHA256 (MGF1-SHA256). Errors: kInvalidArgument when the plaintext is longer
// than the key allows (modulus bytes − 66).
Result<Bytes> OaepEncrypt(const PublicKeyRef& key, ByteView label, ByteView plaintext);
Result<SecretBytes> OaepDecrypt(const KeyPair& key, ByteView label, ByteView ciphertext);
size_t OaepMaxPlaintext(const PublicKeyRef& key);
// Sets RSA-OAEP with SHA-256, MGF1-SHA-256 and `label` on an encrypt or decrypt context
// (also pubkey.cc's). False when OpenSSL refuses.
bool SetOaepSha256(EVP_PKEY_CTX* ctx, ByteView label);

// AES key wrap with padding (RFC 5649) under a 16-, 24- or 32-byte key encryption key.
// Unwrap errors: "invalid_ciphertext" (integrity check failed, bad length).
Result<Bytes> KeyWrapPad(ByteView kek, ByteView plaintext);
Result<SecretBytes> KeyUnwrapPad(ByteView kek, ByteView wrapped);

// HMAC with `hash`; out has HashSize(hash) bytes.
Result<Bytes> Hmac(Hash hash, ByteView key, ByteView message);
// Recomputes and compares in constant time; false for a tag of another length.
bool HmacVerify(Hash hash, ByteView key, ByteView message, ByteView tag);

}  // namespace keep::crypto::asym
