// The age v1 file format (age-encryption.org/v1), written from its specification so that
// `keep file` can read and write files age users exchange: X25519 recipients ("age1…")
// and identities ("AGE-SECRET-KEY-1…"), SSH public keys as recipients and SSH private keys
// as identities as age takes them (ssh-ed25519, ssh-rsa), the header with its HMAC, the
// STREAM payload (ChaCha20-Poly1305 over 64 KiB chunks) and the ASCII armor.
//
//   header:  "age-encryption.org/v1\n"
//            per recipient "-> TYPE ARGS…\n" base64(body) wrapped at 64 columns
//              X25519:      args: base64(ephemeral share); body: the wrapped file key
//              ssh-ed25519: args: tag (SHA-256(ssh key)[:4]), base64(ephemeral share)
//              ssh-rsa:     args: tag; body: RSA-OAEP-SHA-256 of the file key
//            "---" " " base64(HMAC-SHA256(HKDF(file key, "", "header"), header up to "---")) "\n"
//   payload: nonce (16) || STREAM chunks under HKDF(file key, nonce, "payload")
//   armor:   "-----BEGIN AGE ENCRYPTED FILE-----", padded base64 in 64-column lines,
//            "-----END AGE ENCRYPTED FILE-----" (format/age_armor.h)
//
// base64 is the standard alphabet without padding, canonical; stanza bodies wrap at 64
// columns. Parsing is strict: anything the specification does not allow is refused with
// reason "invalid_file" and what is wrong; a file no identity opens is "wrong_key".
// Passphrase (scrypt) files are refused with a message saying to use age.
// Streams: memory stays at one chunk whatever the file size. Thread-compatible.
#pragma once

#include <array>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "crypto/pubkey.h"
#include "crypto/secret_bytes.h"
#include "keep/result.h"

namespace keep::format::age {

using X25519Public = std::array<uint8_t, 32>;

enum class KeyKind { kX25519, kSshEd25519, kSshRsa };

// Whom a file is encrypted to.
struct Recipient {
  KeyKind kind = KeyKind::kX25519;
  X25519Public x25519{};                 // kX25519; kSshEd25519: the key's Montgomery form
  Bytes ssh_key;                         // ssh kinds: the SSH wire encoding (tag and tweak)
  std::optional<crypto::PublicKey> rsa;  // kSshRsa
  static Recipient X25519(const X25519Public& key) { return Recipient{.x25519 = key}; }
};

// What opens a file.
struct Identity {
  KeyKind kind = KeyKind::kX25519;
  crypto::SecretBytes scalar;             // X25519 scalar (kSshEd25519: from the ed25519 seed)
  X25519Public public_key{};              // its public key (kSshEd25519: Montgomery form)
  Bytes ssh_key;                          // ssh kinds
  std::optional<crypto::PrivateKey> rsa;  // kSshRsa
};
// The recipient an identity opens files for.
Recipient RecipientOf(const Identity& id);

// "age1…" (Bech32, HRP "age"), or an SSH public key line ("ssh-ed25519 AAAA… comment",
// "ssh-rsa AAAA…", RSA keys of 2048 bits or more). Errors: kInvalidArgument "usage"
// naming what is wrong (checksum, length, case, HRP, key type).
Result<Recipient> ParseRecipient(std::string_view text);
std::string RecipientString(const X25519Public& key);

// "AGE-SECRET-KEY-1…" (Bech32, upper case, HRP "age-secret-key-"). Errors as above.
Result<Identity> ParseIdentity(std::string_view text);
// Every identity in an identity file: as age-keygen writes it ("#" comments, blank lines),
// or one SSH private key (OpenSSH format, unencrypted; or RSA in PEM) as age -i takes it.
Result<std::vector<Identity>> ParseIdentityFile(std::string_view text);
// Every recipient in a recipients file as age -R reads it (age1… and ssh-… lines, "#"
// comments, blank lines). Errors: usage naming the line.
Result<std::vector<Recipient>> ParseRecipientsFile(std::string_view text);
// A new identity, and its text form (secret: wiped when it goes).
Result<Identity> GenerateIdentity();
SecretString IdentityString(const Identity& id);

// True when `prefix` (the first bytes of a file) starts an age v1 file, binary or armored
// (after at most kMaxArmorWhitespace bytes of blank space).
bool LooksLikeAge(std::string_view prefix);

// Encrypts `in` to every recipient into `out` with a fresh file key; ASCII-armored when
// `armor`. Errors: usage (no recipient), cannot_read, cannot_write.
Status Encrypt(const std::vector<Recipient>& recipients, std::istream& in, std::ostream& out,
               bool armor = false);
// Decrypts `in` (binary or armored: recognised by its first byte) into `out` with the first
// identity that opens a stanza; plaintext is written only chunk by chunk after each chunk
// authenticates (a failure later means `out` holds a prefix: callers write to a temporary
// and discard it on error).
// Errors: invalid_file (malformed, truncated, tampered, a wrong header MAC, bad armor),
// wrong_key.
Status Decrypt(const std::vector<Identity>& identities, std::istream& in, std::ostream& out);

}  // namespace keep::format::age
