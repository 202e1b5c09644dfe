// KeyManager: named keys, their versions and lifecycle, held in memory after unseal.
//
// Reads (ForEncrypt/ForDecrypt/Get/List) take a short shared lock and return
// immutable snapshots, so the hot path never touches the store. Mutations are
// serialised by a writer mutex, written through the Barrier first, and only then
// published to memory: a failed write leaves memory and store unchanged. Several nodes
// may share one store: writes are checked against a per-key revision created in the
// store (key_mutations.cc), and Reload() applies changes made elsewhere.
//
// Errors (reasons as in the API): not_found, already_exists, key_disabled,
// key_pending_deletion, version_retired, bad_request, invalid_ciphertext, sealed.
// Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>

#include "format/public_ciphertext.h"
#include "keys/barrier.h"
#include "keys/key.h"

namespace keep::keys {

struct CreateKeyOptions {
  std::string name;
  KeyType type = KeyType::kAes256Gcm;
  std::string description;
  int64_t auto_rotate_period = 0;
  // Required for RSA types (encrypt or sign); others have one purpose (PurposeFor).
  std::optional<KeyPurpose> purpose;
  // split-p256 only, all three required: the key id both peers give the key (a ciphertext
  // names it), the peer's name, and version 1's material (VersionMaterial::SplitRaw).
  std::optional<format::KeyId> id;
  std::string peer;
  const crypto::SecretBytes* material = nullptr;
};

struct KeyPatch {
  std::optional<std::string> description;
  std::optional<bool> enabled;
  std::optional<uint32_t> min_decryption_version;
  std::optional<uint32_t> min_encryption_version;
  std::optional<int64_t> auto_rotate_period;
  // Tags: set (added or replaced) and removed. Keys 1–128 bytes, values up to 256, at most
  // 50 per key; keys starting "aws:" are reserved (as in AWS).
  std::map<std::string, std::string> set_tags;
  std::vector<std::string> remove_tags;
};

struct KeyListPage {
  std::vector<std::string> names;
  std::optional<std::string> next;
};

inline constexpr int64_t kMinAutoRotatePeriod = 3600;
inline constexpr int kMinPendingDays = 7, kMaxPendingDays = 365, kDefaultPendingDays = 30;

class KeyManager {
 public:
  using Clock = std::function<int64_t()>;
  explicit KeyManager(Barrier& barrier, Clock clock = nullptr);

  // Loads every key from the barrier (after unseal). Replaces what is in memory.
  Status Load();
  // Drops every key from memory (on seal); snapshots held by in-flight requests are
  // released when they finish.
  void Clear();

  Result<KeyMeta> Create(const CreateKeyOptions& options);
  Result<KeyMeta> Get(std::string_view name) const;
  Result<KeyListPage> List(std::string_view prefix, std::string_view after, size_t limit) const;
  Result<KeyMeta> Update(std::string_view name, const KeyPatch& patch);
  Result<KeyMeta> Rotate(std::string_view name);
  // Adds a version holding `material` (imported, origin external) and makes it the latest.
  // The material must fit the key's type (VersionMaterial::Make). Errors: bad_request,
  // not_found, key_pending_deletion.
  Result<KeyMeta> ImportVersion(std::string_view name, const crypto::SecretBytes& material);
  // split-p256: adds version `version` (which must be latest + 1, else kFailedPrecondition
  // "conflict": the peers disagree) holding a jointly generated share. Errors as Rotate.
  Result<KeyMeta> AddJointVersion(std::string_view name, uint32_t version,
                                  const crypto::SecretBytes& material);
  Result<KeyMeta> ScheduleDeletion(std::string_view name, int pending_days);
  Result<KeyMeta> CancelDeletion(std::string_view name);

  // The version to encrypt with: `version` if given (must be allowed for encryption),
  // else the latest. Fails if the key is not enabled, and with invalid_key_usage when its
  // purpose is not encrypt.
  Result<KeyHandle> ForEncrypt(std::string_view name, std::optional<uint32_t> version = {}) const;
  // The version to sign or MAC with (`purpose` kSign or kMac), chosen as ForEncrypt does.
  Result<KeyHandle> ForUse(std::string_view name, KeyPurpose purpose,
                           std::optional<uint32_t> version = {}) const;
  // The version a signature or MAC names, for verifying: at least min_decryption_version.
  Result<KeyHandle> ForVerify(std::string_view name, KeyPurpose purpose, uint32_t version) const;
  // Any version of an asymmetric key, for its public half (invalid_key_usage for other
  // types); the latest when `version` is empty.
  Result<KeyHandle> ForPublicKey(std::string_view name, std::optional<uint32_t> version) const;
  // The version a ciphertext header names (v1: symmetric keys; v2: x25519 keys and RSA
  // encryption keys). `expected_name`, when set, must be the key the ciphertext belongs to
  // (else key_mismatch).
  Result<KeyHandle> ForDecrypt(const format::Header& header,
                               std::optional<std::string_view> expected_name) const;
  Result<KeyHandle> ForDecrypt(const format::PublicHeader& header,
                               std::optional<std::string_view> expected_name) const;

  // The name of the key with this id, whatever its state (for authorization before the
  // operation). Errors: invalid_ciphertext when no key has this id.
  Result<std::string> NameOf(const format::KeyId& id) const;
  // The id of the key named `name` (no copy of its metadata). Errors: not_found.
  Result<format::KeyId> IdOf(std::string_view name) const;

  // Re-reads one key from the store (after another node changed it); removes it from
  // memory when it no longer exists.
  Status Reload(std::string_view name);

  // Rotates keys whose auto-rotate period has elapsed and purges keys whose deletion
  // date has passed. Returns how many keys it changed.
  Result<int> RunMaintenance();

  size_t size() const;
  // The manager's clock (unix seconds): the tests' clock when one was given.
  int64_t Now() const { return clock_(); }

 private:
  using EntryPtr = std::shared_ptr<const KeyEntry>;
  // Applies a change to a copy of the metadata; returns whether to write it, and sets
  // the flag to add a new version.
  // Whether a mutation adds a version, and how it was asked for (ListKeyRotations tells
  // automatic rotations from on-demand ones).
  enum class NewVersion { kNo, kOnDemand, kAutomatic, kImported, kJoint };
  using Change = std::function<Result<bool>(KeyMeta&, NewVersion& new_version)>;
  // `imported`: the material of a kImported version.
  Result<KeyMeta> Mutate(std::string_view name, const Change& change,
                         const crypto::SecretBytes* imported = nullptr);
  Result<EntryPtr> Find(std::string_view name) const;
  Result<KeyHandle> ForVersion(const format::KeyId& id, uint32_t version,
                               std::optional<std::string_view> expected_name) const;
  Status Publish(EntryPtr entry);
  Result<EntryPtr> ReadEntry(KeyMeta meta, const EntryPtr& known);
  Result<EntryPtr> ReloadLocked(std::string_view name);
  Status Purge(const EntryPtr& current);

  Barrier& barrier_;
  Clock clock_;
  std::mutex write_mu_;  // serialises mutations
  mutable std::shared_mutex mu_;
  std::map<std::string, EntryPtr, std::less<>> by_name_;
  std::map<format::KeyId, EntryPtr> by_id_;
};

}  // namespace keep::keys
