#include "access/operation.h"

#include "access/policy.h"

namespace keep::access {
namespace {

using O = Operation;
constexpr OpClass kE = OpClass::kEncrypt, kD = OpClass::kDecrypt, kX = OpClass::kOther;

// op, name, {key_cap, cap}, credentials, batch, audited, rate class
constexpr OperationSpec kSpecs[] = {
    {O::kHealth, "sys.health", {false, 0}, false, false, false, kX},
    {O::kMetrics, "metrics", {false, 0}, false, false, false, kX},
    {O::kConsole, "console", {false, 0}, false, false, false, kX},
    {O::kSysInit, "sys.init", {false, 0}, false, false, true, kX},
    {O::kSysUnseal, "sys.unseal", {false, 0}, false, false, true, kX},
    {O::kSysSeal, "sys.seal", {false, kSysCapSys}, true, false, true, kX},
    {O::kSysRotate, "sys.rotate", {false, kSysCapSys}, true, false, true, kX},
    {O::kSysRekey, "sys.rekey", {false, kSysCapSys}, true, false, true, kX},
    {O::kSysRekeyUpdate, "sys.rekey.update", {false, 0}, false, false, true, kX},
    {O::kSysRead, "sys.read", {false, kSysCapSys}, true, false, true, kX},
    {O::kSysLockdown, "sys.lockdown", {false, kSysCapSys}, true, false, true, kX},
    {O::kSysBackup, "sys.backup", {false, kSysCapSys}, true, false, true, kX},
    {O::kKeyCreate, "key.create", {true, kCapCreate}, true, false, true, kX},
    {O::kKeyRead, "key.read", {true, kCapRead}, true, false, true, kX},
    {O::kKeyList, "key.list", {true, kCapRead}, true, false, true, kX},
    {O::kKeyUpdate, "key.update", {true, kCapManage}, true, false, true, kX},
    {O::kKeyRotate, "key.rotate", {true, kCapRotate}, true, false, true, kX},
    {O::kKeyDelete, "key.delete", {true, kCapManage}, true, false, true, kX},
    {O::kEncrypt, "encrypt", {true, kCapEncrypt}, true, true, true, kE},
    {O::kDecrypt, "decrypt", {true, kCapDecrypt}, true, true, true, kD},
    {O::kRewrap, "rewrap", {true, kCapRewrap}, true, true, true, kD},
    {O::kDataKey, "datakey", {true, kCapDataKey}, true, true, true, kE},
    {O::kDataKeyPlaintext, "datakey.plaintext", {true, kCapDataKeyPlaintext}, true, true, true, kE},
    {O::kRandom, "random", {false, kSysCapRandom}, true, false, true, kX},
    {O::kTokenCreate, "token.create", {false, kSysCapTokens}, true, false, true, kX},
    {O::kTokenManage, "token.manage", {false, kSysCapTokens}, true, false, true, kX},
    {O::kTokenSelf, "token.self", {false, 0}, true, false, true, kX},
    {O::kPolicyWrite, "policy.write", {false, kSysCapPolicies}, true, false, true, kX},
    {O::kPolicyRead, "policy.read", {false, kSysCapPolicies}, true, false, true, kX},
    {O::kPolicyDelete, "policy.delete", {false, kSysCapPolicies}, true, false, true, kX},
    {O::kAuditHash, "audit.hash", {false, kSysCapAudit}, true, false, true, kX},
    {O::kAuditRead, "audit.read", {false, kSysCapAudit}, true, false, true, kX},
    {O::kAwsKeyCreate, "aws_key.create", {false, kSysCapTokens}, true, false, true, kX},
    {O::kAwsKeyManage, "aws_key.manage", {false, kSysCapTokens}, true, false, true, kX},
    {O::kKeasImport, "keas.import", {false, kSysCapSys}, true, false, true, kX},
    // Signing and MACs use the private half: the decrypt rate class (the decrypt budget
    // counts decryptions only).
    {O::kSign, "sign", {true, kCapSign}, true, false, true, kD},
    {O::kVerify, "verify", {true, kCapVerify}, true, false, true, kX},
    {O::kHmac, "hmac", {true, kCapHmac}, true, false, true, kD},
    {O::kHmacVerify, "hmac.verify", {true, kCapVerify}, true, false, true, kX},
    {O::kPublicKey, "key.public", {true, kCapPublicKey}, true, false, true, kX},
    {O::kKeyImportParams, "key.import_params", {true, kCapImport}, true, false, true, kX},
    {O::kKeyImport, "key.import", {true, kCapImport}, true, false, true, kX},
    // Key material leaving keep: the decrypt rate class.
    {O::kExport, "export", {true, kCapExport}, true, false, true, kD},
    {O::kKmipQuery, "kmip.query", {false, 0}, true, false, true, kX},
    {O::kSplitKeygen, "split.keygen", {true, kCapPeer}, true, false, true, kX},
    // Half a decryption: the decrypt rate class, budget and lockdown, as a decrypt.
    {O::kSplitPartial, "split.partial", {true, kCapPeer}, true, false, true, kD},
};

constexpr bool InEnumOrder() {
  for (size_t i = 0; i < std::size(kSpecs); ++i) {
    if (static_cast<size_t>(kSpecs[i].op) != i) return false;
  }
  return true;
}
static_assert(InEnumOrder(), "kSpecs must list every Operation in enum order");
static_assert(std::size(kSpecs) == kOperationCount, "kSpecs must list every Operation");

}  // namespace

std::span<const OperationSpec> Operations() {
  return kSpecs;
}

const OperationSpec& Spec(Operation op) {
  return kSpecs[static_cast<size_t>(op)];
}

std::string_view OperationName(Operation op) {
  return Spec(op).name;
}

OpClass ClassOf(Operation op) {
  return Spec(op).rate_class;
}

Requirement OperationCapability(Operation op) {
  return Spec(op).need;
}

}  // namespace keep::access
