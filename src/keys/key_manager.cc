#include "keys/key_manager.h"

#include "common/log.h"
#include "common/time.h"
#include "keys/key_internal.h"

namespace keep::keys {

using internal::CheckUsable;
using internal::kMetaPrefix;
using internal::MaterialPath;
using internal::MetaPath;
using internal::NoSuchKey;
using internal::WrongUsage;

KeyManager::KeyManager(Barrier& barrier, Clock clock)
    : barrier_(barrier), clock_(std::move(clock)) {
  if (!clock_) clock_ = NowUnix;
}

Result<KeyManager::EntryPtr> KeyManager::ReadEntry(KeyMeta meta, const EntryPtr& known) {
  auto entry = std::make_shared<KeyEntry>();
  for (uint32_t v = 1; v <= meta.latest_version; ++v) {
    // Versions never change once written: reuse what is already in memory.
    if (known && known->meta.id == meta.id && v <= known->material.size()) {
      entry->material.push_back(known->material[v - 1]);
      continue;
    }
    KEEP_ASSIGN_OR_RETURN(auto mat, barrier_.Get(MaterialPath(meta.name, v)));
    if (!mat) {
      return DataLoss("key material for '" + meta.name + "' version " + std::to_string(v) +
                      " is missing");
    }
    auto vm = VersionMaterial::Make(meta.type, std::move(*mat));
    if (!vm.ok()) {
      return DataLoss("key material for '" + meta.name + "' version " + std::to_string(v) +
                      " is damaged: " + vm.status().message());
    }
    entry->material.push_back(std::move(*vm));
  }
  entry->meta = std::move(meta);
  return EntryPtr(std::move(entry));
}

Status KeyManager::Load() {
  std::lock_guard wlock(write_mu_);
  std::map<std::string, EntryPtr, std::less<>> by_name;
  std::map<format::KeyId, EntryPtr> by_id;
  std::string after;
  for (;;) {
    KEEP_ASSIGN_OR_RETURN(auto page, barrier_.List(kMetaPrefix, after, 500));
    for (auto& rec : page) {
      KEEP_ASSIGN_OR_RETURN(KeyMeta meta, DecodeKeyMeta(rec.value.view()));
      EntryPtr known;
      if (auto f = Find(meta.name); f.ok()) known = *f;
      KEEP_ASSIGN_OR_RETURN(EntryPtr entry, ReadEntry(std::move(meta), known));
      by_id[entry->meta.id] = entry;
      by_name[entry->meta.name] = entry;
    }
    if (page.size() < 500) break;
    after = page.back().path;
  }
  std::unique_lock lock(mu_);
  by_name_ = std::move(by_name);
  by_id_ = std::move(by_id);
  log::Info("keys: loaded {} keys", by_name_.size());
  return Status::Ok();
}

Result<KeyManager::EntryPtr> KeyManager::ReloadLocked(std::string_view name) {
  KEEP_ASSIGN_OR_RETURN(auto rec, barrier_.Get(MetaPath(name)));
  EntryPtr known;
  if (auto f = Find(name); f.ok()) known = *f;
  if (!rec) {
    if (known) {
      std::unique_lock lock(mu_);
      by_id_.erase(known->meta.id);
      by_name_.erase(known->meta.name);
    }
    return NoSuchKey(name);
  }
  KEEP_ASSIGN_OR_RETURN(KeyMeta meta, DecodeKeyMeta(rec->view()));
  KEEP_ASSIGN_OR_RETURN(EntryPtr entry, ReadEntry(std::move(meta), known));
  KEEP_RETURN_IF_ERROR(Publish(entry));
  return entry;
}

Status KeyManager::Reload(std::string_view name) {
  std::lock_guard wlock(write_mu_);
  auto r = ReloadLocked(name);
  return r.ok() || r.status().code() == Code::kNotFound ? Status::Ok() : r.status();
}

void KeyManager::Clear() {
  std::lock_guard wlock(write_mu_);
  std::unique_lock lock(mu_);
  by_name_.clear();
  by_id_.clear();
}

size_t KeyManager::size() const {
  std::shared_lock lock(mu_);
  return by_name_.size();
}

Result<KeyManager::EntryPtr> KeyManager::Find(std::string_view name) const {
  std::shared_lock lock(mu_);
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return NoSuchKey(name);
  return it->second;
}

Status KeyManager::Publish(EntryPtr entry) {
  std::unique_lock lock(mu_);
  auto old = by_name_.find(entry->meta.name);
  if (old != by_name_.end() && old->second->meta.id != entry->meta.id) {
    by_id_.erase(old->second->meta.id);  // the name was deleted and re-created elsewhere
  }
  by_id_[entry->meta.id] = entry;
  by_name_[entry->meta.name] = std::move(entry);
  return Status::Ok();
}

Result<KeyMeta> KeyManager::Get(std::string_view name) const {
  KEEP_ASSIGN_OR_RETURN(EntryPtr e, Find(name));
  return e->meta;
}

Result<KeyListPage> KeyManager::List(std::string_view prefix, std::string_view after,
                                     size_t limit) const {
  KeyListPage page;
  std::shared_lock lock(mu_);
  auto it = after.empty() ? by_name_.lower_bound(prefix) : by_name_.upper_bound(after);
  for (; it != by_name_.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) {
      if (it->first > prefix) break;
      continue;
    }
    if (page.names.size() == limit) {
      page.next = page.names.back();
      break;
    }
    page.names.push_back(it->first);
  }
  return page;
}

Result<KeyHandle> KeyManager::ForEncrypt(std::string_view name,
                                         std::optional<uint32_t> version) const {
  return ForUse(name, KeyPurpose::kEncrypt, version);
}

Result<KeyHandle> KeyManager::ForUse(std::string_view name, KeyPurpose purpose,
                                     std::optional<uint32_t> version) const {
  KEEP_ASSIGN_OR_RETURN(EntryPtr e, Find(name));
  KEEP_RETURN_IF_ERROR(CheckUsable(e->meta));
  if (e->meta.purpose != purpose) {
    return WrongUsage(e->meta, purpose == KeyPurpose::kEncrypt ? "encrypt"
                               : purpose == KeyPurpose::kSign  ? "sign"
                                                               : "make MACs");
  }
  const uint32_t v = version.value_or(e->meta.latest_version);
  const uint32_t floor = std::max(e->meta.min_encryption_version, e->meta.min_decryption_version);
  if (v < 1 || v > e->meta.latest_version) {
    return InvalidArgument("key '" + e->meta.name + "' has no version " + std::to_string(v));
  }
  if (v < floor) {
    return FailedPrecondition("version_retired",
                              "version " + std::to_string(v) + " of key '" + e->meta.name +
                                  "' may no longer " +
                                  (purpose == KeyPurpose::kEncrypt ? "encrypt"
                                   : purpose == KeyPurpose::kSign  ? "sign"
                                                                   : "make MACs"));
  }
  return KeyHandle{std::move(e), v};
}

Result<KeyHandle> KeyManager::ForVerify(std::string_view name, KeyPurpose purpose,
                                        uint32_t version) const {
  KEEP_ASSIGN_OR_RETURN(EntryPtr e, Find(name));
  KEEP_RETURN_IF_ERROR(CheckUsable(e->meta));
  if (e->meta.purpose != purpose) {
    return WrongUsage(e->meta, purpose == KeyPurpose::kSign ? "verify signatures" : "verify MACs");
  }
  if (version < 1 || version > e->meta.latest_version) {
    return InvalidArgument("key '" + e->meta.name + "' has no version " + std::to_string(version));
  }
  if (version < e->meta.min_decryption_version) {
    return FailedPrecondition("version_retired", "version " + std::to_string(version) +
                                                     " of key '" + e->meta.name +
                                                     "' is below min_decryption_version");
  }
  return KeyHandle{std::move(e), version};
}

Result<KeyHandle> KeyManager::ForPublicKey(std::string_view name,
                                           std::optional<uint32_t> version) const {
  KEEP_ASSIGN_OR_RETURN(EntryPtr e, Find(name));
  KEEP_RETURN_IF_ERROR(CheckUsable(e->meta));
  if (!IsAsymmetric(e->meta.type)) return WrongUsage(e->meta, "give a public key");
  const uint32_t v = version.value_or(e->meta.latest_version);
  if (v < 1 || v > e->meta.latest_version) {
    return InvalidArgument("key '" + e->meta.name + "' has no version " + std::to_string(v));
  }
  return KeyHandle{std::move(e), v};
}

Result<KeyHandle> KeyManager::ForVersion(const format::KeyId& id, uint32_t version,
                                         std::optional<std::string_view> expected_name) const {
  EntryPtr e;
  {
    std::shared_lock lock(mu_);
    auto it = by_id_.find(id);
    if (it != by_id_.end()) e = it->second;
  }
  if (expected_name) {
    KEEP_ASSIGN_OR_RETURN(EntryPtr named, Find(*expected_name));
    if (e && e->meta.id != named->meta.id) {
      return InvalidArgument(
          "the ciphertext was not made with key '" + std::string(*expected_name) + "'",
          "key_mismatch");
    }
  }
  if (!e) return InvalidArgument("invalid ciphertext", "invalid_ciphertext");
  KEEP_RETURN_IF_ERROR(CheckUsable(e->meta));
  if (version > e->meta.latest_version || e->meta.purpose != KeyPurpose::kEncrypt) {
    return InvalidArgument("invalid ciphertext", "invalid_ciphertext");
  }
  if (version < e->meta.min_decryption_version) {
    return FailedPrecondition("version_retired", "version " + std::to_string(version) +
                                                     " of key '" + e->meta.name +
                                                     "' is below min_decryption_version");
  }
  return KeyHandle{std::move(e), version};
}

Result<KeyHandle> KeyManager::ForDecrypt(const format::Header& h,
                                         std::optional<std::string_view> expected_name) const {
  KEEP_ASSIGN_OR_RETURN(KeyHandle k, ForVersion(h.key_id, h.key_version, expected_name));
  if (!IsSymmetric(k.entry->meta.type) || AlgorithmOf(k.entry->meta.type) != h.algorithm) {
    return InvalidArgument("invalid ciphertext", "invalid_ciphertext");
  }
  return k;
}

Result<KeyHandle> KeyManager::ForDecrypt(const format::PublicHeader& h,
                                         std::optional<std::string_view> expected_name) const {
  KEEP_ASSIGN_OR_RETURN(KeyHandle k, ForVersion(h.key_id, h.key_version, expected_name));
  const KeyType t = k.entry->meta.type;
  const bool fits =
      h.algorithm == format::PublicAlgorithm::kHpkeX25519 ? t == KeyType::kX25519
      : h.algorithm == format::PublicAlgorithm::kHpkeP256
          ? IsSplit(t)
          : IsAsymmetric(t) && !IsSplit(t) && AsymKindOf(t) == crypto::asym::Kind::kRsa;
  if (!fits) return InvalidArgument("invalid ciphertext", "invalid_ciphertext");
  return k;
}

Result<format::KeyId> KeyManager::IdOf(std::string_view name) const {
  KEEP_ASSIGN_OR_RETURN(EntryPtr e, Find(name));
  return e->meta.id;
}

Result<std::string> KeyManager::NameOf(const format::KeyId& id) const {
  std::shared_lock lock(mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return InvalidArgument("invalid ciphertext", "invalid_ciphertext");
  return it->second->meta.name;
}

}  // namespace keep::keys
