#include "service/service.h"

#include "service/custody_internal.h"  // complete types for the destructor

#include <algorithm>
#include <iterator>

#include "common/encoding.h"
#include "common/log.h"
#include "crypto/random.h"

namespace keep::service {

Service::Service(std::unique_ptr<store::Store> store, std::unique_ptr<seal::SealProvider> seal,
                 keys::KeyManager::Clock clock)
    : store_(std::move(store)),
      seal_(std::move(seal)),
      barrier_(*store_),
      keys_(barrier_, clock),
      directory_(barrier_, *this, clock),
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

Status Service::RequireUnsealed() const {
  if (barrier_.IsSealed()) return Unavailable("sealed", "keep is sealed");
  return Status::Ok();
}

void Service::RunMaintenancePass() {
  if (barrier_.IsSealed()) {
    // An HSM that was unreachable at start (or went away): try again, unless an operator
    // sealed on purpose — then only an operator opens it.
    if (seal_->AutoUnseal() && !operator_sealed_.load() && !auto_unseal_paused_.load()) {
      auto u = Unseal(UnsealTrigger::kAutomatic);
      if (u.ok() && !u->sealed) log::Info("sys: auto-unseal succeeded on retry");
    }
  } else if (auto r = keys_.RunMaintenance(); !r.ok()) {
    log::Warn("maintenance: {}", r.status().ToString());
  }
}

Result<keys::KeyMeta> Service::CreateKey(const RequestContext&, const keys::CreateKeyOptions& o) {
  return Guarded([&] { return keys_.Create(o); });
}

Result<keys::KeyMeta> Service::GetKey(const RequestContext&, std::string_view name) {
  return Guarded([&] { return keys_.Get(name); });
}

Result<keys::KeyListPage> Service::ListKeys(const RequestContext&, std::string_view prefix,
                                            std::string_view after, size_t limit) {
  return Guarded([&] { return keys_.List(prefix, after, limit); });
}

Result<keys::KeyMeta> Service::UpdateKey(const RequestContext&, std::string_view name,
                                         const keys::KeyPatch& patch) {
  return Guarded([&] { return keys_.Update(name, patch); });
}

Result<keys::KeyMeta> Service::RotateKey(const RequestContext&, std::string_view name) {
  return Guarded([&] { return keys_.Rotate(name); });
}

Result<keys::KeyMeta> Service::DeleteKey(const RequestContext&, std::string_view name, int days) {
  return Guarded([&] { return keys_.ScheduleDeletion(name, days); });
}

Result<keys::KeyMeta> Service::CancelKeyDeletion(const RequestContext&, std::string_view name) {
  return Guarded([&] { return keys_.CancelDeletion(name); });
}

}  // namespace keep::service
