// Guard: the authenticate and authorize stages of the request pipeline.
//
// Authenticate maps a bearer token to an Identity (kUnauthenticated when missing or
// unknown; kUnavailable "sealed" while sealed). Authorize decides whether an identity
// may perform an operation on a key: deny by default; the "root" policy allows all.
// Named policies and rate limits plug in here. Thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "service/identity.h"
#include "service/token_store.h"

namespace keep::access {

enum class Operation {
  kSysSeal,
  kSysRotate,
  kSysRekey,
  kSysRead,
  kKeyCreate,
  kKeyRead,
  kKeyList,
  kKeyUpdate,
  kKeyRotate,
  kKeyDelete,
  kEncrypt,
  kDecrypt,
  kRewrap,
  kDataKey,
  kDataKeyPlaintext,
  kRandom,
};

std::string_view OperationName(Operation op);

class Guard {
 public:
  explicit Guard(const service::TokenStore& tokens) : tokens_(tokens) {}
  Result<service::Identity> Authenticate(std::optional<std::string_view> bearer) const;
  Status Authorize(const service::Identity& who, Operation op, std::string_view key) const;

 private:
  const service::TokenStore& tokens_;
};

}  // namespace keep::access
