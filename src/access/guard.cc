#include "access/guard.h"

namespace keep::access {

using service::KeyCap;
using service::SysCap;

std::string_view OperationName(Operation op) {
  switch (op) {
    case Operation::kSysSeal:
      return "sys.seal";
    case Operation::kSysRotate:
      return "sys.rotate";
    case Operation::kSysRekey:
      return "sys.rekey";
    case Operation::kSysRead:
      return "sys.read";
    case Operation::kSysLockdown:
      return "sys.lockdown";
    case Operation::kKeyCreate:
      return "key.create";
    case Operation::kKeyRead:
      return "key.read";
    case Operation::kKeyList:
      return "key.list";
    case Operation::kKeyUpdate:
      return "key.update";
    case Operation::kKeyRotate:
      return "key.rotate";
    case Operation::kKeyDelete:
      return "key.delete";
    case Operation::kEncrypt:
      return "encrypt";
    case Operation::kDecrypt:
      return "decrypt";
    case Operation::kRewrap:
      return "rewrap";
    case Operation::kDataKey:
      return "datakey";
    case Operation::kDataKeyPlaintext:
      return "datakey.plaintext";
    case Operation::kRandom:
      return "random";
    case Operation::kTokenCreate:
      return "token.create";
    case Operation::kTokenManage:
      return "token.manage";
    case Operation::kTokenSelf:
      return "token.self";
    case Operation::kPolicyWrite:
      return "policy.write";
    case Operation::kPolicyRead:
      return "policy.read";
    case Operation::kPolicyDelete:
      return "policy.delete";
    case Operation::kAuditHash:
      return "audit.hash";
  }
  return "unknown";
}

OpClass ClassOf(Operation op) {
  switch (op) {
    case Operation::kEncrypt:
    case Operation::kDataKey:
    case Operation::kDataKeyPlaintext:
      return OpClass::kEncrypt;
    case Operation::kDecrypt:
    case Operation::kRewrap:
      return OpClass::kDecrypt;
    default:
      return OpClass::kOther;
  }
}

Requirement OperationCapability(Operation op) {
  switch (op) {
    case Operation::kSysSeal:
    case Operation::kSysRotate:
    case Operation::kSysRekey:
    case Operation::kSysRead:
    case Operation::kSysLockdown:
      return {false, service::kSysCapSys};
    case Operation::kKeyCreate:
      return {true, service::kCapCreate};
    case Operation::kKeyRead:
    case Operation::kKeyList:
      return {true, service::kCapRead};
    case Operation::kKeyUpdate:
    case Operation::kKeyDelete:
      return {true, service::kCapManage};
    case Operation::kKeyRotate:
      return {true, service::kCapRotate};
    case Operation::kEncrypt:
      return {true, service::kCapEncrypt};
    case Operation::kDecrypt:
      return {true, service::kCapDecrypt};
    case Operation::kRewrap:
      return {true, service::kCapRewrap};
    case Operation::kDataKey:
      return {true, service::kCapDataKey};
    case Operation::kDataKeyPlaintext:
      return {true, service::kCapDataKeyPlaintext};
    case Operation::kRandom:
      return {false, service::kSysCapRandom};
    case Operation::kTokenCreate:
    case Operation::kTokenManage:
      return {false, service::kSysCapTokens};
    case Operation::kTokenSelf:
      return {false, 0};
    case Operation::kPolicyWrite:
    case Operation::kPolicyRead:
    case Operation::kPolicyDelete:
      return {false, service::kSysCapPolicies};
    case Operation::kAuditHash:
      return {false, service::kSysCapAudit};
  }
  return {false, ~0u};
}

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
