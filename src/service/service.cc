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
      seal_(std::move(seal)),
      barrier_(*store_),
      keys_(barrier_, std::move(clock)),
      tokens_(barrier_) {
  uint8_t id[6];
  if (!crypto::RandomFill(id).ok()) std::fill(std::begin(id), std::end(id), 0);
  node_id_ = HexEncode(id);
}

Service::~Service() {
  StopReplication();
  StopMaintenance();
}

Status Service::RequireUnsealed() const {
  if (barrier_.IsSealed()) return Unavailable("sealed", "keep is sealed");
  return Status::Ok();
}

Result<Health> Service::GetHealth() {
  Health h;
  KEEP_ASSIGN_OR_RETURN(h.initialized, barrier_.IsInitialized());
  h.sealed = barrier_.IsSealed();
  return h;
}

Result<InitResult> Service::Init() {
  std::lock_guard lock(sys_mu_);
  KEEP_ASSIGN_OR_RETURN(bool initialized, barrier_.IsInitialized());
  if (initialized) return AlreadyExists("keep is already initialized", "already_initialized");
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes root, seal_->Create());
  KEEP_RETURN_IF_ERROR(barrier_.Initialize(root));
  InitResult out;
  KEEP_ASSIGN_OR_RETURN(out.root_token, tokens_.CreateRoot());
  KEEP_RETURN_IF_ERROR(keys_.Load());
  log::Info("sys: initialized with the {} seal", seal_->Kind());
  return out;
}

Status Service::LoadAll() {
  Status s = keys_.Load();
  if (s.ok()) s = tokens_.Load();
  if (!s.ok()) {
    keys_.Clear();
    tokens_.Clear();
    barrier_.Seal();
  }
  return s;
}

Result<SealStatus> Service::Unseal() {
  std::lock_guard lock(sys_mu_);
  if (!barrier_.IsSealed()) return SealStatus{false, 0, 1};
  KEEP_ASSIGN_OR_RETURN(bool initialized, barrier_.IsInitialized());
  if (!initialized) return FailedPrecondition("not_initialized", "keep is not initialized");
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes root, seal_->AutoUnseal());
  KEEP_RETURN_IF_ERROR(barrier_.Unseal(root));
  KEEP_RETURN_IF_ERROR(LoadAll());
  log::Info("sys: unsealed ({} keys)", keys_.size());
  return SealStatus{false, 0, 1};
}

Status Service::Seal() {
  std::lock_guard lock(sys_mu_);
  keys_.Clear();
  tokens_.Clear();
  barrier_.Seal();
  log::Info("sys: sealed");
  return Status::Ok();
}

Result<uint32_t> Service::RotateKeyring() {
  std::lock_guard lock(sys_mu_);
  KEEP_RETURN_IF_ERROR(RequireUnsealed());
  KEEP_ASSIGN_OR_RETURN(uint32_t term, barrier_.Rotate());
  log::Info("sys: keyring rotated to term {}", term);
  return term;
}

void Service::StartMaintenance(int interval_seconds) {
  StopMaintenance();
  maint_stop_ = false;
  maint_thread_ = std::thread([this, interval_seconds] {
    std::unique_lock lock(maint_mu_);
    while (!maint_cv_.wait_for(lock, std::chrono::seconds(interval_seconds),
                               [this] { return maint_stop_; })) {
      if (barrier_.IsSealed()) continue;
      auto r = keys_.RunMaintenance();
      if (!r.ok()) log::Warn("maintenance: {}", r.status().ToString());
    }
  });
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
  KEEP_RETURN_IF_ERROR(RequireUnsealed());
  return keys_.Create(o);
}

Result<keys::KeyMeta> Service::GetKey(const RequestContext&, std::string_view name) {
  KEEP_RETURN_IF_ERROR(RequireUnsealed());
  return keys_.Get(name);
}

Result<keys::KeyListPage> Service::ListKeys(const RequestContext&, std::string_view prefix,
                                            std::string_view after, size_t limit) {
  KEEP_RETURN_IF_ERROR(RequireUnsealed());
  return keys_.List(prefix, after, limit);
}

Result<keys::KeyMeta> Service::UpdateKey(const RequestContext&, std::string_view name,
                                         const keys::KeyPatch& patch) {
  KEEP_RETURN_IF_ERROR(RequireUnsealed());
  return keys_.Update(name, patch);
}

Result<keys::KeyMeta> Service::RotateKey(const RequestContext&, std::string_view name) {
  KEEP_RETURN_IF_ERROR(RequireUnsealed());
  return keys_.Rotate(name);
}

Result<keys::KeyMeta> Service::DeleteKey(const RequestContext&, std::string_view name, int days) {
  KEEP_RETURN_IF_ERROR(RequireUnsealed());
  return keys_.ScheduleDeletion(name, days);
}

Result<keys::KeyMeta> Service::CancelKeyDeletion(const RequestContext&, std::string_view name) {
  KEEP_RETURN_IF_ERROR(RequireUnsealed());
  return keys_.CancelDeletion(name);
}

}  // namespace keep::service
