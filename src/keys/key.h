// Named keys: metadata and the in-memory snapshot the hot path reads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/names.h"  // ValidateKeyName
#include "crypto/aead.h"
#include "crypto/secret_bytes.h"
#include "format/ciphertext.h"
#include "keep/result.h"

namespace keep::keys {

enum class KeyType { kAes256Gcm, kChaCha20Poly1305 };
enum class KeyState { kEnabled, kDisabled, kPendingDeletion };

std::string_view KeyTypeName(KeyType t);
Result<KeyType> ParseKeyType(std::string_view s);
std::string_view KeyStateName(KeyState s);
crypto::AeadAlgorithm AlgorithmOf(KeyType t);

struct KeyVersionInfo {
  uint32_t version = 0;
  int64_t created_at = 0;
  bool automatic = false;  // made by auto-rotation (not by creation or an on-demand rotate)
};

// Non-secret description of a key, as stored and as returned by the API.
struct KeyMeta {
  std::string name;
  format::KeyId id{};
  KeyType type = KeyType::kAes256Gcm;
  std::string description;
  int64_t created_at = 0;
  KeyState state = KeyState::kEnabled;
  uint32_t latest_version = 0;
  uint32_t min_decryption_version = 1;
  uint32_t min_encryption_version = 0;  // 0: any version >= min_decryption_version
  int64_t auto_rotate_period = 0;       // seconds; 0: never
  int64_t deletion_date = 0;            // unix seconds when pending deletion, else 0
  uint64_t revision = 0;                // bumped by every write (optimistic concurrency)
  std::vector<KeyVersionInfo> versions;
  std::map<std::string, std::string> tags;  // labels (the AWS door's TagResource)

  int64_t LatestVersionCreatedAt() const {
    return versions.empty() ? 0 : versions.back().created_at;
  }
};

std::string EncodeKeyMeta(const KeyMeta& meta);
Result<KeyMeta> DecodeKeyMeta(ByteView json);

// One version's key material and the per-version keys derived from it once.
struct VersionMaterial {
  crypto::SecretBytes raw;
  format::VersionKey derived;
  // Errors: kInvalidArgument when `raw` is not 32 bytes.
  static Result<std::shared_ptr<const VersionMaterial>> Make(crypto::SecretBytes raw);
};

// An immutable snapshot of a key: metadata plus every live version's material,
// shared by readers without copying. material[i] is version i + 1.
struct KeyEntry {
  KeyMeta meta;
  std::vector<std::shared_ptr<const VersionMaterial>> material;
};

// A key version ready to encrypt or decrypt with.
struct KeyHandle {
  std::shared_ptr<const KeyEntry> entry;
  uint32_t version = 0;
  const crypto::SecretBytes& material() const { return entry->material[version - 1]->raw; }
  const format::VersionKey& version_key() const { return entry->material[version - 1]->derived; }
  format::Header header() const { return {AlgorithmOf(entry->meta.type), entry->meta.id, version}; }
};

}  // namespace keep::keys
