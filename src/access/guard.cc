#include "access/guard.h"

namespace keep::access {

Result<Identity> Guard::Authenticate(const Credentials& c) const {
  if (c.sigv4 != nullptr) return aws_keys_.Verify(*c.sigv4);
  if (c.bearer) {
    if (c.bearer->empty()) return Unauthenticated("the bearer token is empty");
    return tokens_.Lookup(*c.bearer);
  }
  const std::shared_ptr<const GuardOptions> o = options_.load();
  if (!c.cert_subject.empty() || !c.cert_spki_sha256.empty()) {
    for (const auto& m : o->certificates) {
      if ((!m.subject.empty() && m.subject == c.cert_subject) ||
          (!m.spki_sha256.empty() && m.spki_sha256 == c.cert_spki_sha256)) {
        return Identity{"cert:" + m.name, m.name, m.policies, "", 0};
      }
    }
    // A credential that fails is never downgraded to anonymous (issue 12.6).
    return Unauthenticated(
        "the client certificate is not mapped to an identity ([[auth.certificate]])");
  }
  if (c.door == "keas") {
    if (o->keas_policies.empty()) {
      return Unauthenticated("the keas.kmi door has no policies for its callers ([keas] policies)");
    }
    return Identity{"keas:anonymous", "keas:anonymous", o->keas_policies, "", 0};
  }
  if (o->anonymous) {
    return Identity{"anonymous", "anonymous", o->anonymous_policies, "", 0};
  }
  return Unauthenticated("a bearer token is required");
}

bool Guard::Allows(const Identity& who, Requirement req, std::string_view key) const {
  if (req.cap == 0) return true;
  for (const auto& name : who.policies) {
    auto p = policies_.Get(name);
    if (!p) continue;  // deleted since the token was made: grants nothing
    if (req.key_cap ? (key.empty() ? p->AllowsAnyKey(req.cap) : p->AllowsKey(req.cap, key))
                    : (p->system & req.cap) == req.cap) {
      return true;
    }
  }
  return false;
}

Status Guard::Authorize(const Identity& who, Operation op, std::string_view key) const {
  if (locks_.IsLocked(who.id)) {
    return Unavailable("locked_down",
                       "this identity is locked down for exceeding its decrypt "
                       "budget; an administrator must reinstate it");
  }
  const Requirement req = OperationCapability(op);
  if (Allows(who, req, key)) return Status::Ok();
  std::string what = "permission denied: " + std::string(OperationName(op)) + " needs the '" +
                     std::string(req.key_cap ? KeyCapName(req.cap) : SysCapName(req.cap)) +
                     "' capability";
  if (req.key_cap && !key.empty()) what += " on key '" + std::string(key) + "'";
  return PermissionDenied(std::move(what));
}

bool Guard::CanReadKey(const Identity& who, std::string_view key) const {
  return Allows(who, {true, kCapRead}, key);
}

}  // namespace keep::access
