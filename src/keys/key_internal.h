// Private to src/keys: store paths and shared checks for the KeyManager files.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "keys/key.h"

namespace keep::keys::internal {

inline constexpr std::string_view kMetaPrefix = "keymeta/";
inline constexpr std::string_view kMaterialPrefix = "keymat/";
inline constexpr std::string_view kRevisionPrefix = "keyrev/";

inline std::string MetaPath(std::string_view name) {
  return std::string(kMetaPrefix) + std::string(name);
}
inline std::string Numbered(std::string_view prefix, std::string_view name, uint64_t n) {
  char v[24];
  std::snprintf(v, sizeof v, "/%010llu", static_cast<unsigned long long>(n));
  return std::string(prefix) + std::string(name) + v;
}
inline std::string MaterialPath(std::string_view name, uint32_t version) {
  return Numbered(kMaterialPrefix, name, version);
}
// Created (never overwritten) by every metadata write: two nodes writing the same
// revision conflict in the store, and the loser reloads and retries.
inline std::string RevisionPath(std::string_view name, uint64_t revision) {
  return Numbered(kRevisionPrefix, name, revision);
}

inline Status NoSuchKey(std::string_view name) {
  return NotFound("no key named '" + std::string(name) + "'");
}

inline Status CheckUsable(const KeyMeta& m) {
  if (m.state == KeyState::kDisabled) {
    return FailedPrecondition("key_disabled", "key '" + m.name + "' is disabled");
  }
  if (m.state == KeyState::kPendingDeletion) {
    return FailedPrecondition("key_pending_deletion",
                              "key '" + m.name + "' is scheduled for deletion");
  }
  return Status::Ok();
}

inline Status WrongUsage(const KeyMeta& m, std::string_view what) {
  return InvalidArgument("key '" + m.name + "' (" + std::string(KeyTypeName(m.type)) + ", " +
                             std::string(KeyPurposeName(m.purpose)) + ") cannot " +
                             std::string(what),
                         "invalid_key_usage");
}

}  // namespace keep::keys::internal
