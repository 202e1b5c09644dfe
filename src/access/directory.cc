// Directory: tokens, policies and locks, and the rules for changing them.
#include "access/directory.h"

#include <algorithm>
#include <optional>

#include "common/log.h"
#include "common/time.h"

namespace keep::access {
namespace {

bool Has(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

Directory::Directory(keys::Barrier& barrier, Custodian& custodian, TokenStore::Clock clock)
    : custodian_(custodian),
      tokens_(barrier, std::move(clock)),
      policies_(barrier),
      locks_(barrier),
      aws_keys_(barrier) {}

template <typename T, typename F>
Result<T> Directory::Unsealed(F&& f) {
  std::optional<Result<T>> out;
  Status s = custodian_.RunUnsealed([&]() -> Status {
    out.emplace(f());
    return out->ok() ? Status::Ok() : out->status();
  });
  if (!s.ok()) return s;
  return std::move(*out);
}

Status Directory::Load() {
  KEEP_RETURN_IF_ERROR(tokens_.Load());
  KEEP_RETURN_IF_ERROR(policies_.Load());
  KEEP_RETURN_IF_ERROR(aws_keys_.Load());
  return locks_.Load();
}

void Directory::Clear() {
  tokens_.Clear();
  policies_.Clear();
  locks_.Clear();
  aws_keys_.Clear();
}

bool Directory::MayAssign(const Identity& who, std::string_view policy) const {
  for (const auto& name : who.policies) {
    auto p = policies_.Get(name);
    if (p && p->CanAssign(policy)) return true;
  }
  return false;
}

Result<std::vector<std::string>> Directory::Grantable(const Identity& me,
                                                      std::vector<std::string> pols) const {
  if (pols.empty()) pols = me.policies;
  if (pols.empty()) return InvalidArgument("a credential needs at least one policy");
  for (size_t i = 0; i < pols.size(); ++i) {
    KEEP_RETURN_IF_ERROR(ValidatePolicyName(pols[i]));
    for (size_t j = 0; j < i; ++j) {
      if (pols[i] == pols[j]) return InvalidArgument("policy '" + pols[i] + "' appears twice");
    }
    if (!me.IsRoot() && !Has(me.policies, pols[i]) && !MayAssign(me, pols[i])) {
      return PermissionDenied(
          "a token or AWS access key can only grant policies its creator holds or may assign "
          "(assignable_policies); '" +
          pols[i] + "' is neither");
    }
    if (pols[i] != "root" && !policies_.Get(pols[i])) {
      return NotFound("no policy named '" + pols[i] + "'");
    }
  }
  return pols;
}

namespace {

// When a credential made by `me` with `ttl_seconds` (0: as long as allowed) expires: never
// after a non-orphan creator. Errors: bad_request for a ttl out of range.
Result<int64_t> ExpiryFor(const Identity& me, int64_t ttl_seconds, bool orphan) {
  if (ttl_seconds < 0 || ttl_seconds > 10LL * 365 * 86400) {
    return InvalidArgument("ttl must be between 1s and 10 years");
  }
  int64_t expires = ttl_seconds > 0 ? NowUnix() + ttl_seconds : 0;
  if (me.expires_at != 0 && !orphan && (expires == 0 || expires > me.expires_at)) {
    expires = me.expires_at;  // a child never outlives its parent
  }
  return expires;
}

Status ValidateDisplayName(std::string_view name) {
  if (name.size() > 128) return InvalidArgument("display_name is at most 128 characters");
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return InvalidArgument("display_name may not hold control characters");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<NewToken> Directory::CreateToken(const Identity& me, const TokenRequest& r) {
  return Unsealed<NewToken>([&]() -> Result<NewToken> {
    KEEP_ASSIGN_OR_RETURN(std::vector<std::string> pols, Grantable(me, r.policies));
    KEEP_ASSIGN_OR_RETURN(const int64_t expires, ExpiryFor(me, r.ttl_seconds, r.orphan));
    KEEP_RETURN_IF_ERROR(ValidateDisplayName(r.display_name));
    const std::string parent = r.orphan ? std::string() : me.accessor;
    KEEP_ASSIGN_OR_RETURN(NewToken t,
                          tokens_.Create(r.display_name.empty() ? "token" : r.display_name,
                                         std::move(pols), parent, expires));
    log::Info("tokens: {} created token {}", me.id, t.info.accessor);
    return t;
  });
}

Result<NewAwsKey> Directory::CreateAwsKey(const Identity& me, const TokenRequest& r) {
  return Unsealed<NewAwsKey>([&]() -> Result<NewAwsKey> {
    KEEP_ASSIGN_OR_RETURN(std::vector<std::string> pols, Grantable(me, r.policies));
    KEEP_ASSIGN_OR_RETURN(const int64_t expires, ExpiryFor(me, r.ttl_seconds, false));
    KEEP_RETURN_IF_ERROR(ValidateDisplayName(r.display_name));
    KEEP_ASSIGN_OR_RETURN(NewAwsKey k,
                          aws_keys_.Create(r.display_name.empty() ? "aws" : r.display_name,
                                           std::move(pols), me.id, expires));
    log::Info("aws keys: {} created access key {}", me.id, k.info.access_key_id);
    return k;
  });
}

Result<std::vector<AwsKeyInfo>> Directory::ListAwsKeys() {
  return Unsealed<std::vector<AwsKeyInfo>>(
      [&]() -> Result<std::vector<AwsKeyInfo>> { return aws_keys_.List(); });
}

Status Directory::RevokeAwsKey(const Identity& by, std::string_view access_key_id) {
  return custodian_.RunUnsealed([&]() -> Status {
    KEEP_RETURN_IF_ERROR(aws_keys_.Revoke(access_key_id));
    log::Info("aws keys: {} revoked access key {}", by.id, access_key_id);
    return Status::Ok();
  });
}

Result<std::vector<TokenInfo>> Directory::ListTokens() {
  return Unsealed<std::vector<TokenInfo>>(
      [&]() -> Result<std::vector<TokenInfo>> { return tokens_.List(); });
}

Result<TokenInfo> Directory::LookupToken(std::string_view accessor) {
  return Unsealed<TokenInfo>([&] { return tokens_.Info(accessor); });
}

Result<size_t> Directory::RevokeToken(const Identity& by, std::string_view accessor) {
  return Unsealed<size_t>([&]() -> Result<size_t> {
    KEEP_ASSIGN_OR_RETURN(size_t n, tokens_.Revoke(accessor));
    log::Info("tokens: {} revoked token {} ({} with descendants)", by.id, accessor, n);
    return n;
  });
}

Status Directory::PutPolicy(const Identity& by, const Policy& p) {
  return custodian_.RunUnsealed([&]() -> Status {
    KEEP_RETURN_IF_ERROR(policies_.Put(p));
    log::Info("policies: {} wrote policy '{}'", by.id, p.name);
    return Status::Ok();
  });
}

Result<std::shared_ptr<const Policy>> Directory::GetPolicy(std::string_view name) {
  return Unsealed<std::shared_ptr<const Policy>>([&]() -> Result<std::shared_ptr<const Policy>> {
    auto p = policies_.Get(name);
    if (!p) return NotFound("no policy named '" + std::string(name.substr(0, 64)) + "'");
    return p;
  });
}

Result<std::vector<std::string>> Directory::ListPolicies() {
  return Unsealed<std::vector<std::string>>(
      [&]() -> Result<std::vector<std::string>> { return policies_.List(); });
}

Status Directory::DeletePolicy(const Identity& by, std::string_view name) {
  return custodian_.RunUnsealed([&]() -> Status {
    KEEP_RETURN_IF_ERROR(policies_.Delete(name));
    log::Info("policies: {} deleted policy '{}'", by.id, name);
    return Status::Ok();
  });
}

Status Directory::LockIdentity(std::string_view identity, std::string reason) {
  return custodian_.RunUnsealed([&]() -> Status {
    KEEP_RETURN_IF_ERROR(locks_.Lock({std::string(identity), std::move(reason), NowUnix()}));
    log::Warn("lockdown: identity {} locked down", identity);
    return Status::Ok();
  });
}

Status Directory::Unlock(const Identity& by, std::string_view identity) {
  return custodian_.RunUnsealed([&]() -> Status {
    KEEP_RETURN_IF_ERROR(locks_.Unlock(identity));
    log::Info("lockdown: {} reinstated {}", by.id, identity);
    return Status::Ok();
  });
}

Result<std::vector<IdentityLock>> Directory::ListLocks() {
  return Unsealed<std::vector<IdentityLock>>(
      [&]() -> Result<std::vector<IdentityLock>> { return locks_.List(); });
}

}  // namespace keep::access
