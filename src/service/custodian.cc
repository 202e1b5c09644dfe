// Service: what the access layer asks of it (access::Custodian: the seal state, running
// under the seal guard, the global lockdown), and the records it keeps for it (the access
// Directory and the audit secret, loaded at unseal and wiped at seal).
#include <boost/json.hpp>

#include "common/log.h"
#include "common/time.h"
#include "crypto/random.h"
#include "service/service.h"

namespace keep::service {
namespace {

constexpr std::string_view kAuditSecretPath = "core/audit";
constexpr size_t kAuditSecretSize = 64;

}  // namespace

Status Service::LoadAccess() {
  KEEP_RETURN_IF_ERROR(directory_.Load());
  KEEP_ASSIGN_OR_RETURN(auto secret, barrier_.Get(kAuditSecretPath));
  if (!secret) {
    // First unseal of a store made before the audit trail: create it. Another node doing
    // the same at once makes the create fail; then read theirs.
    crypto::SecretBytes fresh = crypto::SecretBytes::Locked(kAuditSecretSize);
    KEEP_RETURN_IF_ERROR(crypto::RandomFill(fresh.mutable_view()));
    const keys::BarrierWrite w[] = {
        {store::WriteOp::Kind::kCreate, std::string(kAuditSecretPath), fresh.view()}};
    Status s = barrier_.Commit(w);
    if (s.ok()) {
      secret = std::move(fresh);
    } else if (s.code() == Code::kAlreadyExists) {
      KEEP_ASSIGN_OR_RETURN(secret, barrier_.Get(kAuditSecretPath));
    } else {
      return s;
    }
  }
  if (!secret || secret->size() != kAuditSecretSize)
    return DataLoss("the audit secret is malformed");
  auto locked =
      std::make_shared<crypto::SecretBytes>(crypto::SecretBytes::LockedCopyOf(secret->view()));
  std::lock_guard lock(audit_mu_);
  audit_secret_ = std::move(locked);
  return Status::Ok();
}

void Service::ClearAccess() {
  directory_.Clear();
  std::lock_guard lock(audit_mu_);
  audit_secret_.reset();
}

std::shared_ptr<const crypto::SecretBytes> Service::AuditSecret() const {
  std::lock_guard lock(audit_mu_);
  return audit_secret_;
}

Status Service::RunUnsealed(const std::function<Status()>& f) {
  return Guarded([&]() -> Status { return f(); });
}

Status Service::LockdownSeal(std::string reason) {
  const std::string text =
      boost::json::serialize(boost::json::object{{"reason", reason}, {"locked_at", NowUnix()}});
  const store::WriteOp w[] = {{store::WriteOp::Kind::kPut,
                               std::string(keys::Barrier::kLockdownPath),
                               Bytes(text.begin(), text.end()),
                               {}}};
  KEEP_RETURN_IF_ERROR(store_->Commit(w));
  log::Warn("lockdown: sealing: {}", reason);
  return Seal();
}

Result<std::string> Service::GlobalLockdown() {
  KEEP_ASSIGN_OR_RETURN(auto raw, store_->Get(keys::Barrier::kLockdownPath));
  if (!raw) return std::string();
  boost::system::error_code ec;
  auto v = boost::json::parse(AsChars(*raw), ec);
  if (!ec && v.is_object()) {
    if (auto* r = v.get_object().if_contains("reason"); r && r->is_string()) {
      return std::string(r->get_string());
    }
  }
  return std::string("decrypt lockdown");
}

Status Service::LiftLockdown() {
  const store::WriteOp w[] = {
      {store::WriteOp::Kind::kDelete, std::string(keys::Barrier::kLockdownPath), {}, {}}};
  KEEP_RETURN_IF_ERROR(store_->Commit(w));
  log::Info("lockdown: global lockdown lifted");
  return Status::Ok();
}

}  // namespace keep::service
