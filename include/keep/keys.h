// keep — what libkeep's calls for keys beyond AES answer (keep::Client::GetPublicKey,
// Sign, Verify, Hmac, VerifyHmac; docs/api.md "Signing, MACs and public keys"), and
// encryption to a public key file with no server. Included by keep/client.h.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "keep/result.h"

namespace keep {

// Encryption context: string pairs bound to a ciphertext (docs/api.md: at most 64 pairs,
// 8 KiB); the same pairs must be given to decrypt.
using EncryptionContext = std::map<std::string, std::string>;

// An asymmetric key version's public half (GET /v1/keys/{k}/public-key).
struct PublicKeyInfo {
  std::string key, key_id, type, purpose;
  uint32_t version = 0;
  std::string pem;   // SubjectPublicKeyInfo
  std::string der;   // the same, DER bytes
  std::string file;  // the PEM with keep's lines: what SealToPublicKey and the CLI read
};

// A signature or MAC as keep gives it: "keep:v<N>:<base64>" (`text`), which names the
// version; `bytes` is the raw signature (DER for ECDSA) or MAC, what other tools verify.
struct Signature {
  std::string text;
  std::string bytes;
  std::string key;
  uint32_t version = 0;
  std::string algorithm;  // signatures only: "ecdsa-sha256", "rsa-pss-sha256", "ed25519", …
};

struct Verification {
  bool valid = false;
  std::string key;
  uint32_t version = 0;
};

// Client::ImportKeyMaterial's `material`: 32 bytes for AES and ChaCha20 keys, the hash's
// size for HMAC keys, PKCS#8 DER for asymmetric keys; wrapped with RSA-OAEP-SHA256, plus
// AES key wrap with padding (RFC 5649) when longer than OAEP takes.

// Encrypts to a keep key version's public half with no server: `public_key_file` is what
// `keep key public` writes (PublicKeyInfo::file). The result is a v2 ciphertext
// ("keep:…") that keepd's decrypt opens with the same `context` (docs/formats.md §11).
// Errors: kInvalidArgument for a file that is not a keep public key file, a key that
// cannot encrypt, a plaintext too long for RSA-OAEP, or an invalid context. Thread-safe.
Result<std::string> SealToPublicKey(std::string_view public_key_file, std::string_view plaintext,
                                    const EncryptionContext& context = {});

}  // namespace keep
