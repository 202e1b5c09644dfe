#include "service/service.h"

#include <algorithm>
#include <iterator>

#include "common/encoding.h"
#include "common/log.h"
#include "common/time.h"
#include "crypto/random.h"

namespace keep::service {

Service::Service(std::unique_ptr<store::Store> store, std::unique_ptr<seal::SealProvider> seal,
                 keys::KeyManager::Clock clock)
    : store_(std::move(store)),
      barrier_(*store_),
      keys_(barrier_, clock),
      aliases_(barrier_, clock),
      custody_(*store_, std::move(seal), barrier_, *this, reenc_),
      directory_(barrier_, custody_, clock),
      reenc_(barrier_),
      repl_(
          *store_, [this](const std::vector<std::string>& paths) { ApplyChanges(paths); },
          [this] { ReloadAll(); }, [this] { Heartbeat(); }),
      maint_([this] { RunMaintenancePass(); }) {
  uint8_t id[6];
  if (!crypto::RandomFill(id).ok()) std::fill(std::begin(id), std::end(id), 0);
  node_id_ = HexEncode(id);
  started_ms_ = NowUnixMs();
}

Service::~Service() {
  // The threads use everything else: they stop first.
  repl_.Stop();
  maint_.Stop();
  reenc_.Stop();
}

void Service::RunMaintenancePass() {
  if (barrier_.IsSealed()) {
    custody_.RetryAutoUnseal();
  } else if (auto r = keys_.RunMaintenance(); !r.ok()) {
    log::Warn("maintenance: {}", r.status().ToString());
  }
}

Result<keys::KeyMeta> Service::CreateKey(const RequestContext&, const keys::CreateKeyOptions& o) {
  if (keys::IsSplit(o.type) && o.material == nullptr) return CreateSplitKey(o);
  return custody_.Guarded([&] { return keys_.Create(o); });
}

Result<keys::KeyMeta> Service::GetKey(const RequestContext&, std::string_view name) {
  return custody_.Guarded([&] { return keys_.Get(name); });
}

Result<keys::KeyListPage> Service::ListKeys(const RequestContext&, std::string_view prefix,
                                            std::string_view after, size_t limit) {
  return custody_.Guarded([&] { return keys_.List(prefix, after, limit); });
}

Result<keys::KeyMeta> Service::UpdateKey(const RequestContext&, std::string_view name,
                                         const keys::KeyPatch& patch) {
  return custody_.Guarded([&] { return keys_.Update(name, patch); });
}

Result<keys::KeyMeta> Service::RotateKey(const RequestContext&, std::string_view name) {
  auto meta = custody_.Guarded([&] { return keys_.Get(name); });
  if (meta.ok() && keys::IsSplit(meta->type)) return RotateSplitKey(*meta);
  return custody_.Guarded([&] { return keys_.Rotate(name); });
}

Result<keys::KeyMeta> Service::DeleteKey(const RequestContext&, std::string_view name, int days) {
  return custody_.Guarded([&] { return keys_.ScheduleDeletion(name, days); });
}

Result<keys::KeyMeta> Service::CancelKeyDeletion(const RequestContext&, std::string_view name) {
  return custody_.Guarded([&] { return keys_.CancelDeletion(name); });
}

Result<keys::Alias> Service::CreateAlias(const RequestContext&, std::string_view alias,
                                         std::string_view key) {
  return custody_.Guarded([&]() -> Result<keys::Alias> {
    KEEP_RETURN_IF_ERROR(keys::AliasStore::ValidateName(alias));
    if (keys_.Get(alias).ok()) {
      return AlreadyExists("alias/" + std::string(alias) + " is a key's own name");
    }
    KEEP_RETURN_IF_ERROR(keys_.Get(key).status());
    return aliases_.Create(alias, key);
  });
}

Result<keys::Alias> Service::UpdateAlias(const RequestContext&, std::string_view alias,
                                         std::string_view key) {
  return custody_.Guarded([&]() -> Result<keys::Alias> {
    KEEP_RETURN_IF_ERROR(keys_.Get(key).status());
    return aliases_.Update(alias, key);
  });
}

Status Service::DeleteAlias(const RequestContext&, std::string_view alias) {
  return custody_.Guarded([&] { return aliases_.Delete(alias); });
}

Result<std::vector<keys::Alias>> Service::ListAliases(const RequestContext&) {
  return custody_.Guarded([&]() -> Result<std::vector<keys::Alias>> { return aliases_.List(); });
}

Result<std::string> Service::ResolveAlias(std::string_view alias) {
  return custody_.Guarded([&]() -> Result<std::string> {
    if (keys_.Get(alias).ok()) return std::string(alias);  // a key's own name wins
    if (auto a = aliases_.Get(alias)) return a->key;
    return NotFound("Alias alias/" + std::string(alias.substr(0, 250)) + " is not found.");
  });
}

}  // namespace keep::service
