#include "keys/key_manager.h"

#include <cstdio>

#include "common/log.h"
#include "common/time.h"
#include "crypto/random.h"

namespace keep::keys {
namespace {

constexpr std::string_view kMetaPrefix = "keymeta/";
constexpr std::string_view kMaterialPrefix = "keymat/";

std::string MetaPath(std::string_view name) {
  return std::string(kMetaPrefix) + std::string(name);
}
std::string MaterialPath(std::string_view name, uint32_t version) {
  char v[16];
  std::snprintf(v, sizeof v, "/%010u", version);
  return std::string(kMaterialPrefix) + std::string(name) + v;
}

Status NoSuchKey(std::string_view name) {
  return NotFound("no key named '" + std::string(name) + "'");
}

Status CheckUsable(const KeyMeta& m) {
  if (m.state == KeyState::kDisabled) {
    return FailedPrecondition("key_disabled", "key '" + m.name + "' is disabled");
  }
  if (m.state == KeyState::kPendingDeletion) {
    return FailedPrecondition("key_pending_deletion",
                              "key '" + m.name + "' is scheduled for deletion");
  }
  return Status::Ok();
}

}  // namespace

KeyManager::KeyManager(Barrier& barrier, Clock clock)
    : barrier_(barrier), clock_(std::move(clock)) {
  if (!clock_) clock_ = NowUnix;
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
      auto entry = std::make_shared<KeyEntry>();
      for (uint32_t v = 1; v <= meta.latest_version; ++v) {
        KEEP_ASSIGN_OR_RETURN(auto mat, barrier_.Get(MaterialPath(meta.name, v)));
        if (!mat || mat->size() != 32) {
          return DataLoss("key material for '" + meta.name + "' version " + std::to_string(v) +
                          " is missing");
        }
        KEEP_ASSIGN_OR_RETURN(auto vm, VersionMaterial::Make(std::move(*mat)));
        entry->material.push_back(std::move(vm));
      }
      entry->meta = std::move(meta);
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
  by_id_[entry->meta.id] = entry;
  by_name_[entry->meta.name] = std::move(entry);
  return Status::Ok();
}

Result<KeyMeta> KeyManager::Create(const CreateKeyOptions& o) {
  KEEP_RETURN_IF_ERROR(ValidateKeyName(o.name));
  if (o.description.size() > 1024) return InvalidArgument("description is longer than 1024 bytes");
  if (o.auto_rotate_period != 0 && o.auto_rotate_period < kMinAutoRotatePeriod) {
    return InvalidArgument("auto_rotate_period must be 0 or at least 1h");
  }
  std::lock_guard wlock(write_mu_);
  if (Find(o.name).ok()) return AlreadyExists("a key named '" + o.name + "' already exists");
  auto entry = std::make_shared<KeyEntry>();
  KeyMeta& m = entry->meta;
  m.name = o.name;
  KEEP_RETURN_IF_ERROR(crypto::RandomFill(m.id));
  m.type = o.type;
  m.description = o.description;
  m.created_at = clock_();
  m.latest_version = 1;
  m.auto_rotate_period = o.auto_rotate_period;
  m.versions.push_back({1, m.created_at});
  KEEP_ASSIGN_OR_RETURN(auto material, crypto::RandomSecret(32));
  const std::string meta_json = EncodeKeyMeta(m);
  const BarrierWrite writes[] = {
      {store::WriteOp::Kind::kCreate, MetaPath(m.name), AsBytes(meta_json)},
      {store::WriteOp::Kind::kCreate, MaterialPath(m.name, 1), material.view()}};
  KEEP_ASSIGN_OR_RETURN(auto vm, VersionMaterial::Make(material.Clone()));
  KEEP_RETURN_IF_ERROR(barrier_.Commit(writes));
  entry->material.push_back(std::move(vm));
  KeyMeta out = m;
  KEEP_RETURN_IF_ERROR(Publish(std::move(entry)));
  return out;
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

Result<KeyMeta> KeyManager::WriteMeta(const EntryPtr& current, KeyMeta meta) {
  const std::string meta_json = EncodeKeyMeta(meta);
  const BarrierWrite w{store::WriteOp::Kind::kPut, MetaPath(meta.name), AsBytes(meta_json)};
  KEEP_RETURN_IF_ERROR(barrier_.Commit({&w, 1}));
  auto next = std::make_shared<KeyEntry>();
  next->meta = meta;
  next->material = current->material;
  KEEP_RETURN_IF_ERROR(Publish(std::move(next)));
  return meta;
}

Result<KeyMeta> KeyManager::Update(std::string_view name, const KeyPatch& p) {
  std::lock_guard wlock(write_mu_);
  KEEP_ASSIGN_OR_RETURN(EntryPtr cur, Find(name));
  KeyMeta m = cur->meta;
  if (m.state == KeyState::kPendingDeletion && p.enabled.has_value()) {
    return FailedPrecondition("key_pending_deletion",
                              "key '" + m.name + "' is scheduled for deletion; cancel it first");
  }
  if (p.description) {
    if (p.description->size() > 1024)
      return InvalidArgument("description is longer than 1024 bytes");
    m.description = *p.description;
  }
  if (p.enabled) m.state = *p.enabled ? KeyState::kEnabled : KeyState::kDisabled;
  if (p.min_decryption_version) m.min_decryption_version = *p.min_decryption_version;
  if (p.min_encryption_version) m.min_encryption_version = *p.min_encryption_version;
  if (m.min_decryption_version < 1 || m.min_decryption_version > m.latest_version) {
    return InvalidArgument("min_decryption_version must be between 1 and the latest version (" +
                           std::to_string(m.latest_version) + ")");
  }
  if (m.min_encryption_version > m.latest_version) {
    return InvalidArgument("min_encryption_version must not exceed the latest version (" +
                           std::to_string(m.latest_version) + ")");
  }
  if (m.min_encryption_version != 0 && m.min_encryption_version < m.min_decryption_version) {
    return InvalidArgument("min_encryption_version must be 0 or at least min_decryption_version");
  }
  if (p.auto_rotate_period) {
    if (*p.auto_rotate_period != 0 && *p.auto_rotate_period < kMinAutoRotatePeriod) {
      return InvalidArgument("auto_rotate_period must be 0 or at least 1h");
    }
    m.auto_rotate_period = *p.auto_rotate_period;
  }
  return WriteMeta(cur, std::move(m));
}

Result<KeyMeta> KeyManager::RotateLocked(const EntryPtr& cur) {
  KeyMeta m = cur->meta;
  const uint32_t v = m.latest_version + 1;
  m.latest_version = v;
  m.versions.push_back({v, clock_()});
  KEEP_ASSIGN_OR_RETURN(auto material, crypto::RandomSecret(32));
  const std::string meta_json = EncodeKeyMeta(m);
  const BarrierWrite writes[] = {
      {store::WriteOp::Kind::kCreate, MaterialPath(m.name, v), material.view()},
      {store::WriteOp::Kind::kPut, MetaPath(m.name), AsBytes(meta_json)}};
  KEEP_ASSIGN_OR_RETURN(auto vm, VersionMaterial::Make(material.Clone()));
  KEEP_RETURN_IF_ERROR(barrier_.Commit(writes));
  auto next = std::make_shared<KeyEntry>();
  next->meta = m;
  next->material = cur->material;
  next->material.push_back(std::move(vm));
  KEEP_RETURN_IF_ERROR(Publish(std::move(next)));
  return m;
}

Result<KeyMeta> KeyManager::Rotate(std::string_view name) {
  std::lock_guard wlock(write_mu_);
  KEEP_ASSIGN_OR_RETURN(EntryPtr cur, Find(name));
  if (cur->meta.state == KeyState::kPendingDeletion) KEEP_RETURN_IF_ERROR(CheckUsable(cur->meta));
  return RotateLocked(cur);
}

Result<KeyMeta> KeyManager::ScheduleDeletion(std::string_view name, int days) {
  if (days < kMinPendingDays || days > kMaxPendingDays) {
    return InvalidArgument("pending_days must be between 7 and 365");
  }
  std::lock_guard wlock(write_mu_);
  KEEP_ASSIGN_OR_RETURN(EntryPtr cur, Find(name));
  KeyMeta m = cur->meta;
  if (m.state == KeyState::kPendingDeletion) KEEP_RETURN_IF_ERROR(CheckUsable(m));
  m.state = KeyState::kPendingDeletion;
  m.deletion_date = clock_() + int64_t{days} * 86400;
  return WriteMeta(cur, std::move(m));
}

Result<KeyMeta> KeyManager::CancelDeletion(std::string_view name) {
  std::lock_guard wlock(write_mu_);
  KEEP_ASSIGN_OR_RETURN(EntryPtr cur, Find(name));
  KeyMeta m = cur->meta;
  if (m.state != KeyState::kPendingDeletion) {
    return FailedPrecondition("failed_precondition",
                              "key '" + m.name + "' is not scheduled for deletion");
  }
  m.state = KeyState::kDisabled;
  m.deletion_date = 0;
  return WriteMeta(cur, std::move(m));
}

Result<KeyHandle> KeyManager::ForEncrypt(std::string_view name,
                                         std::optional<uint32_t> version) const {
  KEEP_ASSIGN_OR_RETURN(EntryPtr e, Find(name));
  KEEP_RETURN_IF_ERROR(CheckUsable(e->meta));
  const uint32_t v = version.value_or(e->meta.latest_version);
  const uint32_t floor = std::max(e->meta.min_encryption_version, e->meta.min_decryption_version);
  if (v < 1 || v > e->meta.latest_version) {
    return InvalidArgument("key '" + e->meta.name + "' has no version " + std::to_string(v));
  }
  if (v < floor) {
    return FailedPrecondition("version_retired", "version " + std::to_string(v) + " of key '" +
                                                     e->meta.name + "' may no longer encrypt");
  }
  return KeyHandle{std::move(e), v};
}

Result<KeyHandle> KeyManager::ForDecrypt(const format::Header& h,
                                         std::optional<std::string_view> expected_name) const {
  EntryPtr e;
  {
    std::shared_lock lock(mu_);
    auto it = by_id_.find(h.key_id);
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
  if (AlgorithmOf(e->meta.type) != h.algorithm || h.key_version > e->meta.latest_version) {
    return InvalidArgument("invalid ciphertext", "invalid_ciphertext");
  }
  if (h.key_version < e->meta.min_decryption_version) {
    return FailedPrecondition("version_retired", "version " + std::to_string(h.key_version) +
                                                     " of key '" + e->meta.name +
                                                     "' is below min_decryption_version");
  }
  return KeyHandle{std::move(e), h.key_version};
}

Result<std::string> KeyManager::NameOf(const format::KeyId& id) const {
  std::shared_lock lock(mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return InvalidArgument("invalid ciphertext", "invalid_ciphertext");
  return it->second->meta.name;
}

Status KeyManager::Purge(const EntryPtr& cur) {
  std::vector<std::string> paths = {MetaPath(cur->meta.name)};
  for (uint32_t v = 1; v <= cur->meta.latest_version; ++v)
    paths.push_back(MaterialPath(cur->meta.name, v));
  std::vector<BarrierWrite> writes;
  for (const auto& p : paths) writes.push_back({store::WriteOp::Kind::kDelete, p, {}});
  KEEP_RETURN_IF_ERROR(barrier_.Commit(writes));
  std::unique_lock lock(mu_);
  by_id_.erase(cur->meta.id);
  by_name_.erase(cur->meta.name);
  log::Info("keys: deleted key '{}' and its {} versions", cur->meta.name, cur->meta.latest_version);
  return Status::Ok();
}

Result<int> KeyManager::RunMaintenance() {
  std::lock_guard wlock(write_mu_);
  std::vector<EntryPtr> all;
  {
    std::shared_lock lock(mu_);
    for (const auto& [n, e] : by_name_) all.push_back(e);
  }
  const int64_t now = clock_();
  int changed = 0;
  for (const auto& e : all) {
    const KeyMeta& m = e->meta;
    if (m.state == KeyState::kPendingDeletion && m.deletion_date <= now) {
      KEEP_RETURN_IF_ERROR(Purge(e));
      ++changed;
    } else if (m.state == KeyState::kEnabled && m.auto_rotate_period > 0 &&
               m.LatestVersionCreatedAt() + m.auto_rotate_period <= now) {
      KEEP_ASSIGN_OR_RETURN(KeyMeta rotated, RotateLocked(e));
      log::Info("keys: auto-rotated '{}' to version {}", rotated.name, rotated.latest_version);
      ++changed;
    }
  }
  return changed;
}

}  // namespace keep::keys
