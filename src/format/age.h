// The age v1 file format (age-encryption.org/v1), written from its specification so that
// `keep file` can read and write files age users exchange: X25519 recipients ("age1…")
// and identities ("AGE-SECRET-KEY-1…"), the header with its HMAC, and the STREAM payload
// (ChaCha20-Poly1305 over 64 KiB chunks). Binary files only in this version (no ASCII
// armor yet) and X25519 stanzas only (ssh-ed25519 and ssh-rsa stanzas are refused with a
// message saying so).
//
//   header:  "age-encryption.org/v1\n"
//            per recipient "-> X25519 " base64(ephemeral share) "\n" base64(wrapped key) "\n"
//            "---" " " base64(HMAC-SHA256(HKDF(file key, "", "header"), header up to "---")) "\n"
//   payload: nonce (16) || STREAM chunks under HKDF(file key, nonce, "payload")
//
// base64 is the standard alphabet without padding, canonical; stanza bodies wrap at 64
// columns. Parsing is strict: anything the specification does not allow is refused with
// reason "invalid_file" and what is wrong; a file no identity opens is "wrong_key".
// Streams: memory stays at one chunk whatever the file size. Thread-compatible.
#pragma once

#include <array>
#include <istream>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "crypto/secret_bytes.h"
#include "keep/result.h"

namespace keep::format::age {

using X25519Public = std::array<uint8_t, 32>;

// "age1…" (Bech32, HRP "age") ⇄ a 32-byte X25519 public key. Errors: kInvalidArgument
// "usage" naming what is wrong (checksum, length, case, HRP).
Result<X25519Public> ParseRecipient(std::string_view text);
std::string RecipientString(const X25519Public& key);

struct Identity {
  crypto::SecretBytes scalar;  // 32 bytes
  X25519Public public_key;
};
// "AGE-SECRET-KEY-1…" (Bech32, upper case, HRP "age-secret-key-"). Errors as above.
Result<Identity> ParseIdentity(std::string_view text);
// Every identity in an identity file as age-keygen writes it ("#" comments, blank lines).
Result<std::vector<Identity>> ParseIdentityFile(std::string_view text);
// Every recipient in a recipients file as age -R reads it (age1… lines, "#" comments,
// blank lines). Errors: usage naming the line.
Result<std::vector<X25519Public>> ParseRecipientsFile(std::string_view text);
// A new identity, and its text form (secret: wiped when it goes).
Result<Identity> GenerateIdentity();
SecretString IdentityString(const Identity& id);

// True when `prefix` (the first bytes of a file) starts an age v1 file.
bool LooksLikeAge(std::string_view prefix);

// Encrypts `in` to every recipient into `out` with a fresh file key.
Status Encrypt(const std::vector<X25519Public>& recipients, std::istream& in, std::ostream& out);
// Decrypts `in` into `out` with the first identity that opens a stanza; plaintext is
// written only chunk by chunk after each chunk authenticates (a failure later means `out`
// holds a prefix: callers write to a temporary and discard it on error).
// Errors: invalid_file (malformed, truncated, tampered, a wrong header MAC), wrong_key.
Status Decrypt(const std::vector<Identity>& identities, std::istream& in, std::ostream& out);

}  // namespace keep::format::age
