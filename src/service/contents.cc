// Service: what the barrier holds, as custody sees it (Custody::Contents: loaded at
// unseal, wiped at seal) — the keys, the access Directory and the audit secret.
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

Status Service::Load() {
  KmipForget("");
  KEEP_RETURN_IF_ERROR(keys_.Load());
  KEEP_RETURN_IF_ERROR(aliases_.Load());
  return LoadAccess();
}

void Service::Clear() {
  KmipForget("");
  keys_.Clear();
  aliases_.Clear();
  directory_.Clear();
  {
    std::lock_guard lock(split_mu_);  // half-made split key versions: their shares go too
    pending_.clear();
  }
  std::lock_guard lock(audit_mu_);
  audit_secret_.reset();
}

Result<crypto::SecretBytes> Service::CreateRootToken() {
  return directory_.CreateRoot();
}

std::string Service::Summary() const {
  return std::to_string(keys_.size()) + " keys";
}

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

std::shared_ptr<const crypto::SecretBytes> Service::AuditSecret() const {
  std::lock_guard lock(audit_mu_);
  return audit_secret_;
}

}  // namespace keep::service
