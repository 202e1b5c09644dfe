#include "service/service.h"

#include <algorithm>
#include <iterator>

#include "common/encoding.h"
#include "common/log.h"
#include "crypto/random.h"

namespace keep::service {

Service::Service(std::unique_ptr<store::Store> store, std::unique_ptr<seal::SealProvider> seal,
                 keys::KeyManager::Clock clock)
    : store_(std::move(store)),
      barrier_(*store_),
      keys_(barrier_, clock),
      custody_(*store_, std::move(seal), barrier_, *this, reenc_),
      directory_(barrier_, custody_, clock),
      reenc_(barrier_),
      repl_(
          *store_, [this](const std::vector<std::string>& paths) { ApplyChanges(paths); },
          [this] { ReloadAll(); }),
      maint_([this] { RunMaintenancePass(); }) {
  uint8_t id[6];
  if (!crypto::RandomFill(id).ok()) std::fill(std::begin(id), std::end(id), 0);
  node_id_ = HexEncode(id);
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
  return custody_.Guarded([&] { return keys_.Rotate(name); });
}

Result<keys::KeyMeta> Service::DeleteKey(const RequestContext&, std::string_view name, int days) {
  return custody_.Guarded([&] { return keys_.ScheduleDeletion(name, days); });
}

Result<keys::KeyMeta> Service::CancelKeyDeletion(const RequestContext&, std::string_view name) {
  return custody_.Guarded([&] { return keys_.CancelDeletion(name); });
}

}  // namespace keep::service
