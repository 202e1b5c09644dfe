#include "access/guard.h"

namespace keep::access {

using service::KeyCap;
using service::SysCap;

Result<service::Identity> Guard::Authenticate(const Credentials& c) const {
  if (c.bearer) {
    if (c.bearer->empty()) return Unauthenticated("the bearer token is empty");
    return service_.tokens().Lookup(*c.bearer);
  }
  if (!c.cert_subject.empty() || !c.cert_spki_sha256.empty()) {
    for (const auto& m : options_.certificates) {
      if ((!m.subject.empty() && m.subject == c.cert_subject) ||
          (!m.spki_sha256.empty() && m.spki_sha256 == c.cert_spki_sha256)) {
        return service::Identity{"cert:" + m.name, m.name, m.policies, "", 0};
      }
    }
    // A credential that fails is never downgraded to anonymous (issue 12.6).
    return Unauthenticated(
        "the client certificate is not mapped to an identity ([[auth.certificate]])");
  }
  if (options_.anonymous) {
    return service::Identity{"anonymous", "anonymous", options_.anonymous_policies, "", 0};
  }
  return Unauthenticated("a bearer token is required");
}

bool Guard::Allows(const service::Identity& who, Requirement req, std::string_view key) const {
  if (req.cap == 0) return true;
  for (const auto& name : who.policies) {
    auto p = service_.policies().Get(name);
    if (!p) continue;  // deleted since the token was made: grants nothing
    if (req.key_cap ? (key.empty() ? p->AllowsAnyKey(req.cap) : p->AllowsKey(req.cap, key))
                    : (p->system & req.cap) == req.cap) {
      return true;
    }
  }
  return false;
}

Status Guard::Authorize(const service::Identity& who, Operation op, std::string_view key) const {
  if (service_.locks().IsLocked(who.id)) {
    return Unavailable("locked_down",
                       "this identity is locked down for exceeding its decrypt "
                       "budget; an administrator must reinstate it");
  }
  const Requirement req = OperationCapability(op);
  if (Allows(who, req, key)) return Status::Ok();
  std::string what =
      "permission denied: " + std::string(OperationName(op)) + " needs the '" +
      std::string(req.key_cap ? service::KeyCapName(req.cap) : service::SysCapName(req.cap)) +
      "' capability";
  if (req.key_cap && !key.empty()) what += " on key '" + std::string(key) + "'";
  return PermissionDenied(std::move(what));
}

bool Guard::CanReadKey(const service::Identity& who, std::string_view key) const {
  return Allows(who, {true, service::kCapRead}, key);
}

}  // namespace keep::access
