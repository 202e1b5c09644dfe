#include "access/guard.h"

namespace keep::access {

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
  }
  return "unknown";
}

Result<service::Identity> Guard::Authenticate(std::optional<std::string_view> bearer) const {
  if (!bearer || bearer->empty()) return Unauthenticated("a bearer token is required");
  return tokens_.Lookup(*bearer);
}

Status Guard::Authorize(const service::Identity& who, Operation op, std::string_view key) const {
  if (who.IsRoot()) return Status::Ok();
  std::string what(OperationName(op));
  if (!key.empty()) what += " on key '" + std::string(key) + "'";
  return PermissionDenied("permission denied: " + what);
}

}  // namespace keep::access
