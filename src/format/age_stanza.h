// age recipient stanzas (internal to format/age*.cc and their tests): wrapping a file key
// for a recipient and unwrapping it with an identity, for X25519, ssh-ed25519 and ssh-rsa
// as the age specification and age's SSH recipients define them. Thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "crypto/secret_bytes.h"
#include "format/age.h"
#include "keep/result.h"

namespace keep::format::age::internal {

struct Stanza {
  std::vector<std::string> args;  // args[0] is the type
  Bytes body;
};

// HKDF-SHA256 → 32 bytes.
Result<crypto::SecretBytes> Hkdf(ByteView ikm, ByteView salt, std::string_view info);

// A stanza that wraps `file_key` (16 bytes) for `r` with fresh randomness.
Result<Stanza> Wrap(const Recipient& r, ByteView file_key);
// The file key when `s` is for `id` and opens with it; nullopt when the stanza is of
// another type, tagged for another key, or does not open (another recipient's).
// Errors: invalid_file when the stanza is malformed for its type.
Result<std::optional<crypto::SecretBytes>> Unwrap(const Stanza& s, const Identity& id);

}  // namespace keep::format::age::internal
