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
      directory_(barrier_, *this, clock) {
  uint8_t id[6];
  if (!crypto::RandomFill(id).ok()) std::fill(std::begin(id), std::end(id), 0);
  node_id_ = HexEncode(id);
}

Service::~Service() {
  StopReplication();
  StopMaintenance();
  {
    std::lock_guard lock(reenc_mu_);
    reenc_stop_ = true;
  }
  reenc_cv_.notify_all();
  if (reenc_thread_.joinable()) reenc_thread_.join();
}

Status Service::RequireUnsealed() const {
  if (barrier_.IsSealed()) return Unavailable("sealed", "keep is sealed");
  return Status::Ok();
}

void Service::StartMaintenance(int interval_seconds) {
  StopMaintenance();
  maint_stop_ = false;
  maint_thread_ = std::thread([this, interval_seconds] {
    std::unique_lock lock(maint_mu_);
    for (;;) {
      // A pass every interval, or at once when asked for (RunMaintenanceNow).
      maint_cv_.wait_for(lock, std::chrono::seconds(interval_seconds),
                         [this] { return maint_stop_ || maint_now_; });
      if (maint_stop_) return;
      maint_now_ = false;
      RunMaintenancePass(lock);
    }
  });
}

void Service::RunMaintenanceNow() {
  {
    std::lock_guard lock(maint_mu_);
    maint_now_ = true;
  }
  maint_cv_.notify_all();
}

void Service::RunMaintenancePass(std::unique_lock<std::mutex>& lock) {
  lock.unlock();
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
  maint_passes_.fetch_add(1);
  lock.lock();
}

void Service::StopMaintenance() {
  {
    std::lock_guard lock(maint_mu_);
    maint_stop_ = true;
  }
  maint_cv_.notify_all();
  if (maint_thread_.joinable()) maint_thread_.join();
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
