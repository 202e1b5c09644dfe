// KeyManager: every change to a key. Each one runs through Mutate(), which writes the
// metadata together with a new revision marker created in the store; when another node
// wrote the same revision first, the store refuses the whole batch, and Mutate reloads
// the key and applies the change again. Versions are created, never overwritten, so
// concurrent rotations on several nodes never lose or duplicate a version.
#include <algorithm>
#include <chrono>
#include <thread>

#include "common/log.h"
#include "crypto/random.h"
#include "keys/key_internal.h"
#include "keys/key_manager.h"

namespace keep::keys {

using internal::CheckUsable;
using internal::MaterialPath;
using internal::MetaPath;
using internal::RevisionPath;

namespace {

constexpr int kMaxAttempts = 16;

// Randomised, growing pause before retrying a lost race: the winner has fresh state in
// memory and would otherwise keep winning while the loser reloads.
void Backoff(int attempt) {
  uint8_t r = 0;
  (void)crypto::RandomFill(std::span<uint8_t>(&r, 1));
  const int cap_ms = 1 << std::min(attempt, 6);  // 2, 4, ... 64 ms
  std::this_thread::sleep_for(std::chrono::microseconds(r * cap_ms * 1000 / 256));
}

}  // namespace

Result<KeyMeta> KeyManager::Create(const CreateKeyOptions& o) {
  KEEP_RETURN_IF_ERROR(ValidateKeyName(o.name));
  if (o.description.size() > 1024) return InvalidArgument("description is longer than 1024 bytes");
  if (o.auto_rotate_period != 0 && o.auto_rotate_period < kMinAutoRotatePeriod) {
    return InvalidArgument("auto_rotate_period must be 0 or at least 1h");
  }
  KEEP_ASSIGN_OR_RETURN(KeyPurpose purpose, PurposeFor(o.type, o.purpose));
  if (IsSplit(o.type) != (o.material != nullptr) || IsSplit(o.type) != o.id.has_value() ||
      IsSplit(o.type) != !o.peer.empty()) {
    return InvalidArgument(IsSplit(o.type) ? "a split-p256 key is created with its peer"
                                           : "only split keys take an id, a peer and material");
  }
  if (IsSplit(o.type) && o.auto_rotate_period != 0) {
    return InvalidArgument(
        "split-p256 keys do not rotate automatically (a rotation needs the peer)");
  }
  std::lock_guard wlock(write_mu_);
  if (Find(o.name).ok()) return AlreadyExists("a key named '" + o.name + "' already exists");
  auto entry = std::make_shared<KeyEntry>();
  KeyMeta& m = entry->meta;
  m.name = o.name;
  if (o.id) {
    m.id = *o.id;
    if (std::shared_lock lock(mu_); by_id_.contains(m.id)) {
      return AlreadyExists("a key with this id already exists");
    }
  } else {
    KEEP_RETURN_IF_ERROR(crypto::RandomFill(m.id));
  }
  m.type = o.type;
  m.peer = o.peer;
  m.purpose = purpose;
  m.description = o.description;
  m.created_at = clock_();
  m.latest_version = 1;
  m.revision = 1;
  m.auto_rotate_period = o.auto_rotate_period;
  m.versions.push_back({1, m.created_at});
  crypto::SecretBytes material;
  if (o.material) {
    material = o.material->Clone();
  } else {
    KEEP_ASSIGN_OR_RETURN(material, VersionMaterial::Generate(m.type));
  }
  KEEP_ASSIGN_OR_RETURN(auto vm, VersionMaterial::Make(m.type, material.Clone()));
  const std::string meta_json = EncodeKeyMeta(m);
  const BarrierWrite writes[] = {
      {store::WriteOp::Kind::kCreate, MetaPath(m.name), AsBytes(meta_json)},
      {store::WriteOp::Kind::kCreate, MaterialPath(m.name, 1), material.view()},
      {store::WriteOp::Kind::kCreate, RevisionPath(m.name, 1), {}}};
  Status s = barrier_.Commit(writes);
  if (s.code() == Code::kAlreadyExists) {
    ReloadLocked(o.name).status().IgnoreError();  // another node created it
    return AlreadyExists("a key named '" + o.name + "' already exists");
  }
  KEEP_RETURN_IF_ERROR(s);
  entry->material.push_back(std::move(vm));
  KeyMeta out = m;
  KEEP_RETURN_IF_ERROR(Publish(std::move(entry)));
  return out;
}

Result<KeyMeta> KeyManager::Mutate(std::string_view name, const Change& change,
                                   const crypto::SecretBytes* imported) {
  std::lock_guard wlock(write_mu_);
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    if (attempt > 0) Backoff(attempt);
    KEEP_ASSIGN_OR_RETURN(EntryPtr cur, attempt == 0 ? Find(name) : ReloadLocked(name));
    KeyMeta m = cur->meta;
    NewVersion new_version = NewVersion::kNo;
    KEEP_ASSIGN_OR_RETURN(bool write, change(m, new_version));
    if (!write) return m;
    m.revision = cur->meta.revision + 1;
    std::optional<crypto::SecretBytes> material;
    std::shared_ptr<const VersionMaterial> vm;
    if (new_version != NewVersion::kNo) {
      m.latest_version = cur->meta.latest_version + 1;
      m.versions.push_back({m.latest_version, clock_(), new_version == NewVersion::kAutomatic,
                            new_version == NewVersion::kImported});
      if (new_version == NewVersion::kImported || new_version == NewVersion::kJoint) {
        material = imported->Clone();
      } else {
        KEEP_ASSIGN_OR_RETURN(material, VersionMaterial::Generate(m.type));
      }
      KEEP_ASSIGN_OR_RETURN(vm, VersionMaterial::Make(m.type, material->Clone()));
    }
    const std::string meta_json = EncodeKeyMeta(m);
    std::vector<BarrierWrite> writes = {
        {store::WriteOp::Kind::kCreate, RevisionPath(m.name, m.revision), {}},
        {store::WriteOp::Kind::kPut, MetaPath(m.name), AsBytes(meta_json)}};
    if (cur->meta.revision > 0) {
      writes.push_back(
          {store::WriteOp::Kind::kDelete, RevisionPath(m.name, cur->meta.revision), {}});
    }
    if (material) {
      writes.push_back({store::WriteOp::Kind::kCreate, MaterialPath(m.name, m.latest_version),
                        material->view()});
    }
    Status s = barrier_.Commit(writes);
    if (s.code() == Code::kAlreadyExists) {
      log::Debug("keys: '{}' changed on another node; retrying", m.name);
      continue;
    }
    KEEP_RETURN_IF_ERROR(s);
    auto next = std::make_shared<KeyEntry>();
    next->meta = m;
    next->material = cur->material;
    if (vm) next->material.push_back(std::move(vm));
    KEEP_RETURN_IF_ERROR(Publish(std::move(next)));
    return m;
  }
  return FailedPrecondition(
      "conflict", "key '" + std::string(name) + "' kept changing concurrently; try again");
}

Result<KeyMeta> KeyManager::Update(std::string_view name, const KeyPatch& p) {
  return Mutate(name, [&p](KeyMeta& m, NewVersion&) -> Result<bool> {
    if (m.state == KeyState::kPendingDeletion && p.enabled.has_value()) {
      return FailedPrecondition("key_pending_deletion",
                                "key '" + m.name + "' is scheduled for deletion; cancel it first");
    }
    if (p.description) {
      if (p.description->size() > 1024) {
        return InvalidArgument("description is longer than 1024 bytes");
      }
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
    for (const auto& k : p.remove_tags) m.tags.erase(k);
    for (const auto& [k, v] : p.set_tags) {
      if (k.empty() || k.size() > 128 || v.size() > 256) {
        return InvalidArgument("a tag key is 1–128 bytes and its value at most 256");
      }
      if (k.substr(0, 4) == "aws:") return InvalidArgument("tag keys starting 'aws:' are reserved");
      m.tags[k] = v;
    }
    if (m.tags.size() > 50) return InvalidArgument("a key holds at most 50 tags");
    if (p.auto_rotate_period) {
      if (*p.auto_rotate_period != 0 && *p.auto_rotate_period < kMinAutoRotatePeriod) {
        return InvalidArgument("auto_rotate_period must be 0 or at least 1h");
      }
      if (*p.auto_rotate_period != 0 && IsSplit(m.type)) {
        return InvalidArgument(
            "split-p256 keys do not rotate automatically (a rotation needs the peer)");
      }
      m.auto_rotate_period = *p.auto_rotate_period;
    }
    return true;
  });
}

Result<KeyMeta> KeyManager::Rotate(std::string_view name) {
  return Mutate(name, [](KeyMeta& m, NewVersion& new_version) -> Result<bool> {
    if (m.state == KeyState::kPendingDeletion) KEEP_RETURN_IF_ERROR(CheckUsable(m));
    new_version = NewVersion::kOnDemand;
    return true;
  });
}

Result<KeyMeta> KeyManager::ImportVersion(std::string_view name,
                                          const crypto::SecretBytes& material) {
  KEEP_ASSIGN_OR_RETURN(EntryPtr cur, Find(name));
  auto fits = VersionMaterial::Make(cur->meta.type, material.Clone());
  if (!fits.ok()) {
    return InvalidArgument("the imported material is not a " +
                           std::string(KeyTypeName(cur->meta.type)) +
                           " key: " + fits.status().message());
  }
  return Mutate(
      name,
      [](KeyMeta& m, NewVersion& new_version) -> Result<bool> {
        if (m.state == KeyState::kPendingDeletion) KEEP_RETURN_IF_ERROR(CheckUsable(m));
        new_version = NewVersion::kImported;
        return true;
      },
      &material);
}

Result<KeyMeta> KeyManager::AddJointVersion(std::string_view name, uint32_t version,
                                            const crypto::SecretBytes& material) {
  KEEP_ASSIGN_OR_RETURN(EntryPtr cur, Find(name));
  if (!IsSplit(cur->meta.type))
    return InvalidArgument("'" + cur->meta.name + "' is not a split key");
  KEEP_RETURN_IF_ERROR(VersionMaterial::Make(cur->meta.type, material.Clone()).status());
  return Mutate(
      name,
      [version](KeyMeta& m, NewVersion& new_version) -> Result<bool> {
        KEEP_RETURN_IF_ERROR(CheckUsable(m));
        if (version != m.latest_version + 1) {
          return FailedPrecondition("conflict", "key '" + m.name + "' is at version " +
                                                    std::to_string(m.latest_version) +
                                                    ": the peers disagree on its versions");
        }
        new_version = NewVersion::kJoint;
        return true;
      },
      &material);
}

Result<KeyMeta> KeyManager::ScheduleDeletion(std::string_view name, int days) {
  if (days < kMinPendingDays || days > kMaxPendingDays) {
    return InvalidArgument("pending_days must be between 7 and 365");
  }
  const int64_t date = clock_() + int64_t{days} * 86400;
  return Mutate(name, [date](KeyMeta& m, NewVersion&) -> Result<bool> {
    if (m.state == KeyState::kPendingDeletion) KEEP_RETURN_IF_ERROR(CheckUsable(m));
    m.state = KeyState::kPendingDeletion;
    m.deletion_date = date;
    return true;
  });
}

Result<KeyMeta> KeyManager::CancelDeletion(std::string_view name) {
  return Mutate(name, [](KeyMeta& m, NewVersion&) -> Result<bool> {
    if (m.state != KeyState::kPendingDeletion) {
      return FailedPrecondition("failed_precondition",
                                "key '" + m.name + "' is not scheduled for deletion");
    }
    m.state = KeyState::kDisabled;
    m.deletion_date = 0;
    return true;
  });
}

Status KeyManager::Purge(const EntryPtr& cur) {
  std::vector<std::string> paths = {MetaPath(cur->meta.name),
                                    RevisionPath(cur->meta.name, cur->meta.revision)};
  for (uint32_t v = 1; v <= cur->meta.latest_version; ++v) {
    paths.push_back(MaterialPath(cur->meta.name, v));
  }
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
  std::vector<EntryPtr> all;
  {
    std::shared_lock lock(mu_);
    for (const auto& [n, e] : by_name_) all.push_back(e);
  }
  int changed = 0;
  for (const auto& e : all) {
    const int64_t now = clock_();
    const KeyMeta& m = e->meta;
    if (m.state == KeyState::kPendingDeletion && m.deletion_date <= now) {
      std::lock_guard wlock(write_mu_);
      KEEP_RETURN_IF_ERROR(Purge(e));
      ++changed;
    } else if (m.state == KeyState::kEnabled && m.auto_rotate_period > 0 &&
               m.LatestVersionCreatedAt() + m.auto_rotate_period <= now) {
      // Decided again on the freshest state: when several nodes race, one rotates and
      // the others find nothing left to do.
      bool rotated = false;
      auto r = Mutate(m.name, [&](KeyMeta& fresh, NewVersion& new_version) -> Result<bool> {
        rotated = fresh.state == KeyState::kEnabled && fresh.auto_rotate_period > 0 &&
                  fresh.LatestVersionCreatedAt() + fresh.auto_rotate_period <= clock_();
        new_version = rotated ? NewVersion::kAutomatic : NewVersion::kNo;
        return rotated;
      });
      if (!r.ok()) return r.status();
      if (rotated) {
        log::Info("keys: auto-rotated '{}' to version {}", r->name, r->latest_version);
        ++changed;
      }
    }
  }
  return changed;
}

}  // namespace keep::keys
