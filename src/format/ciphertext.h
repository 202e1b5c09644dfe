// keep ciphertext format v1 (docs/formats.md has the byte layout and test vectors).
//
//   off len field
//   0   1   format version (0x01)
//   1   1   algorithm (0x01 AES-256-GCM, 0x02 ChaCha20-Poly1305)
//   2   16  key id
//   18  4   key version, big-endian, >= 1
//   22  16  salt (random)
//   38  12  nonce (random)
//   50  16  context fingerprint
//   66  n   body
//   66+n 16 tag
//
// Per key version, once: (K_enc || K_fp) = HKDF-SHA256(IKM = version key, salt = empty,
//   info = "keep ciphertext v1 version keys", L = 64).
// Per message:
//   enc_key     = HKDF-Expand(PRK = K_enc, info = "keep ciphertext v1" || bytes 0..37, L = 32)
//   fingerprint = HMAC-SHA256(K_fp, bytes 0..49 || canonical context)[0:16]
//   body||tag   = AEAD(enc_key, nonce, aad = bytes 0..65, plaintext)
// The header (including the fingerprint) is authenticated, so corruption anywhere is
// "invalid_ciphertext"; a ciphertext that authenticates but whose fingerprint differs
// from the supplied context's is "context_mismatch".
//
// As text: "keep:" followed by base64url (no padding) of the bytes above.
// Pure functions; thread-safe. Callers never supply salt or nonce.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "crypto/aead.h"
#include "crypto/kdf.h"
#include "crypto/secret_bytes.h"
#include "keep/result.h"

namespace keep::format {

using KeyId = std::array<uint8_t, 16>;

inline constexpr uint8_t kFormatV1 = 0x01;
inline constexpr size_t kSaltSize = 16;
inline constexpr size_t kFingerprintSize = 16;
inline constexpr size_t kHeaderSize = 66;
inline constexpr size_t kOverhead = kHeaderSize + crypto::kAeadTagSize;
inline constexpr std::string_view kTextPrefix = "keep:";

// The per-version keys above, derived once from a version's key material and kept in
// memory beside it. Immutable; thread-safe. Move-only.
class VersionKey {
 public:
  // `material` must be 32 bytes. Errors: kInvalidArgument, kInternal.
  static Result<VersionKey> Derive(const crypto::SecretBytes& material);
  const crypto::HmacKey& enc() const { return enc_; }
  const crypto::HmacKey& fingerprint() const { return fp_; }

 private:
  VersionKey(crypto::HmacKey enc, crypto::HmacKey fp) : enc_(std::move(enc)), fp_(std::move(fp)) {}
  crypto::HmacKey enc_;
  crypto::HmacKey fp_;
};

struct Header {
  crypto::AeadAlgorithm algorithm;
  KeyId key_id;
  uint32_t key_version;
};

// Parses and checks the fixed fields of a binary ciphertext (length, format version,
// algorithm, version >= 1). Errors: kInvalidArgument, reason "invalid_ciphertext".
Result<Header> ParseHeader(ByteView blob);

// Encrypts under a fresh per-message key derived from `version_key`.
Result<Bytes> Encrypt(const Header& header, const VersionKey& version_key,
                      ByteView canonical_context, ByteView plaintext);

// Decrypts a ciphertext whose header was parsed by ParseHeader.
// Errors: "invalid_ciphertext" (any corruption), "context_mismatch".
Result<crypto::SecretBytes> Decrypt(ByteView blob, const VersionKey& version_key,
                                    ByteView canonical_context);

std::string ToText(ByteView blob);
// Errors: "invalid_ciphertext" when the prefix or base64url is wrong.
Result<Bytes> FromText(std::string_view text);

namespace detail {
// Encrypt with caller-chosen salt and nonce: only for Encrypt() and for reproducing the
// published test vectors. Reusing a (salt, nonce) pair is never safe.
Result<Bytes> EncryptWith(const Header& header, const VersionKey& version_key,
                          ByteView canonical_context, ByteView plaintext, ByteView salt,
                          ByteView nonce);
}  // namespace detail

}  // namespace keep::format
