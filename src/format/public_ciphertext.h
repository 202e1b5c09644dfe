// keep public-key ciphertext format v2 (docs/formats.md §11): what a sender holding only
// a key version's public half makes — offline, with libkeep or the CLI, or by hand with
// OpenSSL — and what keepd's ordinary decrypt opens with the private half.
//
//   off len field
//   0   1   format version (0x02)
//   1   1   algorithm: 0x10 HPKE base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
//           AES-256-GCM (RFC 9180); 0x11 RSA-OAEP, SHA-256, MGF1-SHA-256
//   2   16  key id
//   18  4   key version, big-endian, >= 1
//   22  …   0x10: enc (32, the ephemeral public key) || AES-256-GCM ciphertext || tag (16)
//           0x11: the RSA-OAEP ciphertext (as many bytes as the modulus)
//
//   0x10: info = "keep public-key ciphertext v2" || bytes 0..21, aad = canonical context
//   0x11: OAEP label = "keep public-key ciphertext v2" || bytes 0..21 || canonical context
//
// The header is bound (HPKE info / OAEP label), so changing any byte, the context or the
// key makes decryption fail as "invalid_ciphertext" (a wrong context cannot be told apart
// from corruption: there is no keyed fingerprint without a shared key). As text: "keep:"
// and base64url, as v1. RSA-OAEP carries at most modulus bytes − 66 of plaintext (190
// for 2048 bits): use x25519 keys for anything longer.
//
// Public key files (`keep key public`): a PEM SubjectPublicKeyInfo preceded by
// explanatory lines (RFC 7468 §5.2; openssl and python3-cryptography skip them) that say
// which key version it is:
//   keep-key: NAME
//   keep-key-id: 32 hex digits
//   keep-key-version: N
//   keep-key-type: x25519 | rsa-2048 | …
//   keep-key-purpose: encrypt | sign
// Pure functions; thread-safe. Callers never supply nonces or ephemeral keys.
#pragma once

#include <string>
#include <string_view>

#include "crypto/asymmetric.h"
#include "format/ciphertext.h"

namespace keep::format {

inline constexpr uint8_t kFormatV2 = 0x02;
inline constexpr size_t kPublicHeaderSize = 22;

// 0x12: HPKE base mode, DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-256-GCM, to a split
// key's joint public key (issue 21); enc is the 65-byte uncompressed ephemeral point.
enum class PublicAlgorithm : uint8_t {
  kHpkeX25519 = 0x10,
  kRsaOaepSha256 = 0x11,
  kHpkeP256 = 0x12,
};

struct PublicHeader {
  PublicAlgorithm algorithm;
  KeyId key_id;
  uint32_t key_version;
};

// Whether a binary ciphertext is v2 (by its first byte; ParsePublicHeader checks the rest).
inline bool IsPublicCiphertext(ByteView blob) {
  return !blob.empty() && blob[0] == kFormatV2;
}

// The key id and version of a v1 or v2 ciphertext (for authorization before decryption).
// Errors: "invalid_ciphertext".
Result<std::pair<KeyId, uint32_t>> CiphertextKey(ByteView blob);

// Errors: "invalid_ciphertext" (length, version, algorithm, key version 0).
Result<PublicHeader> ParsePublicHeader(ByteView blob);

// Seals to a key version's public key: an X25519 key (algorithm 0x10) or an RSA key
// (0x11), as `header.algorithm` says. Errors: kInvalidArgument when the key does not fit
// the algorithm or the plaintext is too long for RSA-OAEP.
Result<Bytes> SealPublic(const PublicHeader& header, const crypto::asym::PublicKeyRef& key,
                         ByteView canonical_context, ByteView plaintext);
// Opens with the private half. Errors: "invalid_ciphertext".
Result<crypto::SecretBytes> OpenPublic(ByteView blob, const crypto::asym::KeyPair& key,
                                       ByteView canonical_context);

// Split keys (algorithm 0x12): the encapsulated key (65 bytes) a ciphertext carries — what
// each peer multiplies by its share —, and the opening with the sum of both partials.
// Errors: "invalid_ciphertext" (not a 0x12 ciphertext; the AEAD refused).
Result<Bytes> SplitEnc(ByteView blob);
Result<crypto::SecretBytes> OpenSplit(ByteView blob, ByteView dh_point, ByteView joint_public,
                                      ByteView canonical_context);
// The uncompressed point (65 bytes) of a P-256 public key, and the public key of a point.
Result<Bytes> P256Point(const crypto::asym::PublicKeyRef& key);
Result<crypto::asym::PublicKeyRef> P256PublicKey(ByteView point);

struct PublicKeyFile {
  std::string key;
  KeyId key_id{};
  uint32_t version = 0;
  std::string type;     // the key type's name
  std::string purpose;  // "encrypt" or "sign"
  crypto::asym::PublicKeyRef public_key;
};

std::string WritePublicKeyFile(const PublicKeyFile& f);
// Reads the explanatory lines and the PEM block. Errors: kInvalidArgument naming the
// missing or malformed line, or the key.
Result<PublicKeyFile> ReadPublicKeyFile(std::string_view text);

// The header a public key file's key version seals under. Errors: kInvalidArgument when
// the key's purpose is not encrypt.
Result<PublicHeader> HeaderFor(const PublicKeyFile& f);

namespace detail {
// SealPublic for algorithm 0x10 with a caller-chosen ephemeral private key: only for the
// published test vector (docs/formats.md §11). Reusing an ephemeral key is never safe.
Result<Bytes> SealHpkeWith(const PublicHeader& header, ByteView recipient_public,
                           ByteView ephemeral_private, ByteView canonical_context,
                           ByteView plaintext);
}  // namespace detail

}  // namespace keep::format
