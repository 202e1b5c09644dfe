// Service: tokens, policies, decrypt lockdown and the audit secret.
#include <boost/json.hpp>

#include "common/log.h"
#include "common/time.h"
#include "crypto/random.h"
#include "service/service.h"

namespace keep::service {
namespace {

constexpr std::string_view kAuditSecretPath = "core/audit";
constexpr size_t kAuditSecretSize = 64;

bool Has(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

Status Service::LoadAccess() {
  KEEP_RETURN_IF_ERROR(tokens_.Load());
  KEEP_RETURN_IF_ERROR(policies_.Load());
  KEEP_RETURN_IF_ERROR(locks_.Load());
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
  tokens_.Clear();
  policies_.Clear();
  locks_.Clear();
  std::lock_guard lock(audit_mu_);
  audit_secret_.reset();
}

std::shared_ptr<const crypto::SecretBytes> Service::AuditSecret() const {
  std::lock_guard lock(audit_mu_);
  return audit_secret_;
}

bool Service::MayAssign(const Identity& who, std::string_view policy) const {
  for (const auto& name : who.policies) {
    auto p = policies_.Get(name);
    if (p && p->CanAssign(policy)) return true;
  }
  return false;
}

Result<NewToken> Service::CreateToken(const RequestContext& ctx, const TokenRequest& r) {
  return Guarded([&]() -> Result<NewToken> {
    const Identity& me = ctx.identity;
    std::vector<std::string> pols = r.policies.empty() ? me.policies : r.policies;
    if (pols.empty()) return InvalidArgument("a token needs at least one policy");
    for (size_t i = 0; i < pols.size(); ++i) {
      KEEP_RETURN_IF_ERROR(ValidatePolicyName(pols[i]));
      for (size_t j = 0; j < i; ++j) {
        if (pols[i] == pols[j]) return InvalidArgument("policy '" + pols[i] + "' appears twice");
      }
      if (!me.IsRoot() && !Has(me.policies, pols[i]) && !MayAssign(me, pols[i])) {
        return PermissionDenied(
            "a token can only grant policies its creator holds or may assign "
            "(assignable_policies); '" +
            pols[i] + "' is neither");
      }
      if (pols[i] != "root" && !policies_.Get(pols[i])) {
        return NotFound("no policy named '" + pols[i] + "'");
      }
    }
    if (r.ttl_seconds < 0 || r.ttl_seconds > 10LL * 365 * 86400) {
      return InvalidArgument("ttl must be between 1s and 10 years");
    }
    const int64_t now = NowUnix();
    int64_t expires = r.ttl_seconds > 0 ? now + r.ttl_seconds : 0;
    if (me.expires_at != 0 && !r.orphan && (expires == 0 || expires > me.expires_at)) {
      expires = me.expires_at;  // a child never outlives its parent
    }
    if (r.display_name.size() > 128)
      return InvalidArgument("display_name is at most 128 characters");
    for (char c : r.display_name) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return InvalidArgument("display_name may not hold control characters");
      }
    }
    const std::string parent = r.orphan ? std::string() : me.accessor;
    KEEP_ASSIGN_OR_RETURN(NewToken t,
                          tokens_.Create(r.display_name.empty() ? "token" : r.display_name,
                                         std::move(pols), parent, expires));
    log::Info("tokens: {} created token {}", me.id, t.info.accessor);
    return t;
  });
}

Result<std::vector<TokenInfo>> Service::ListTokens(const RequestContext&) {
  return Guarded([&]() -> Result<std::vector<TokenInfo>> { return tokens_.List(); });
}

Result<TokenInfo> Service::LookupToken(const RequestContext&, std::string_view accessor) {
  return Guarded([&] { return tokens_.Info(accessor); });
}

Result<size_t> Service::RevokeToken(const RequestContext& ctx, std::string_view accessor) {
  return Guarded([&]() -> Result<size_t> {
    KEEP_ASSIGN_OR_RETURN(size_t n, tokens_.Revoke(accessor));
    log::Info("tokens: {} revoked token {} ({} with descendants)", ctx.identity.id, accessor, n);
    return n;
  });
}

Status Service::PutPolicy(const RequestContext& ctx, const Policy& p) {
  return Guarded([&]() -> Status {
    KEEP_RETURN_IF_ERROR(policies_.Put(p));
    log::Info("policies: {} wrote policy '{}'", ctx.identity.id, p.name);
    return Status::Ok();
  });
}

Result<std::shared_ptr<const Policy>> Service::GetPolicy(const RequestContext&,
                                                         std::string_view name) {
  return Guarded([&]() -> Result<std::shared_ptr<const Policy>> {
    auto p = policies_.Get(name);
    if (!p) return NotFound("no policy named '" + std::string(name.substr(0, 64)) + "'");
    return p;
  });
}

Result<std::vector<std::string>> Service::ListPolicies(const RequestContext&) {
  return Guarded([&]() -> Result<std::vector<std::string>> { return policies_.List(); });
}

Status Service::DeletePolicy(const RequestContext& ctx, std::string_view name) {
  return Guarded([&]() -> Status {
    KEEP_RETURN_IF_ERROR(policies_.Delete(name));
    log::Info("policies: {} deleted policy '{}'", ctx.identity.id, name);
    return Status::Ok();
  });
}

Status Service::LockIdentity(std::string_view identity, std::string reason) {
  return Guarded([&]() -> Status {
    KEEP_RETURN_IF_ERROR(locks_.Lock({std::string(identity), std::move(reason), NowUnix()}));
    log::Warn("lockdown: identity {} locked down", identity);
    return Status::Ok();
  });
}

Status Service::ReinstateIdentity(const RequestContext& ctx, std::string_view identity) {
  return Guarded([&]() -> Status {
    KEEP_RETURN_IF_ERROR(locks_.Unlock(identity));
    log::Info("lockdown: {} reinstated {}", ctx.identity.id, identity);
    return Status::Ok();
  });
}

Result<std::vector<IdentityLock>> Service::ListLocks(const RequestContext&) {
  return Guarded([&]() -> Result<std::vector<IdentityLock>> { return locks_.List(); });
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
