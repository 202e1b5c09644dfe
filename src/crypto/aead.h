// Authenticated encryption with associated data: AES-GCM and ChaCha20-Poly1305
// (RFC 8439), through OpenSSL 3 EVP with ciphers fetched once per process.
//
// This is the raw primitive. The nonce is an input because the layers above
// construct it (random, or derived from a per-message key); application code never
// supplies one: the ciphertext format (format/ciphertext.h) and the barrier
// (keys/barrier.h) generate nonces themselves. Nothing outside src/ may call these.
//
// Contract:
// - AES-GCM accepts 16-, 24- or 32-byte keys (keep itself only ever uses 32) and any
//   nonce of 1..128 bytes (OpenSSL's limit; keep uses 12); ChaCha20-Poly1305 needs a 32-byte key
//   and a 12-byte nonce. Other sizes are kInvalidArgument.
// - Tags are 16 bytes, appended to the ciphertext: |out| = |plaintext| + 16.
// - Open verifies the tag before releasing plaintext: on any failure the output is
//   wiped and the error is kInvalidArgument with reason "invalid_ciphertext" and the
//   message "authentication failed", whatever the cause.
// Thread-safe (no shared mutable state beyond OpenSSL's own).
#pragma once

#include <cstdint>
#include <span>

#include "common/bytes.h"
#include "keep/result.h"

namespace keep::crypto {

enum class AeadAlgorithm : uint8_t { kAesGcm = 1, kChaCha20Poly1305 = 2 };

inline constexpr size_t kAeadTagSize = 16;
inline constexpr size_t kAeadNonceSize = 12;
inline constexpr size_t kAeadKeySize = 32;

// Encrypts `plaintext` into `out` (exactly plaintext.size() + 16 bytes).
Status AeadSeal(AeadAlgorithm alg, ByteView key, ByteView nonce, ByteView aad, ByteView plaintext,
                std::span<uint8_t> out);

// Decrypts `ciphertext_and_tag` into `out` (exactly ciphertext_and_tag.size() - 16 bytes).
Status AeadOpen(AeadAlgorithm alg, ByteView key, ByteView nonce, ByteView aad,
                ByteView ciphertext_and_tag, std::span<uint8_t> out);

// AES-256 (the block cipher alone, ECB) of `in` (a multiple of 16 bytes) into `out` (same
// size): for key derivations such as RFC 8452 §4's, never to encrypt data.
Status Aes256EncryptBlocks(ByteView key, ByteView in, std::span<uint8_t> out);

}  // namespace keep::crypto
