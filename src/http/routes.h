// The REST door's routes: every endpoint of docs/api.md as one row — method, path
// pattern, the operation it performs (access/operation.h: capability, audit name,
// batches, credentials) and where the key it acts on comes from. Api dispatches through
// this table, takes body limits and the authorization check from it, and the
// access-matrix test and the docs check iterate it, so an endpoint cannot be added in
// one place and forgotten in another.
//
// Patterns are literal segments and `{param}` segments matching one non-empty segment;
// when two rows match, the one listed first wins (literals are listed before params).
// Pure data and functions; thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "access/operation.h"

namespace keep::http {

// Where the key an operation acts on is found, for the authorization check.
enum class KeyFrom {
  kNone,     // no key: a system capability, or any key (listing) — checked on dispatch
  kPath,     // the {key} segment — validated and checked on dispatch
  kHandler,  // the body or each batch item (create, /v1/decrypt) — the handler checks
};

enum class Handler {
  kHealth,
  kMetrics,
  kConsole,
  kInit,
  kUnseal,
  kSeal,
  kRotateKeyring,
  kBackup,
  kRekeyStatus,
  kPeerKeygenCommit,
  kPeerKeygenFinish,
  kPeerPartial,
  kNodes,
  kRekeyCancel,
  kRekeyInit,
  kRekeyUpdate,
  kLockdownList,
  kLockdownReinstate,
  kPolicyList,
  kPolicyRead,
  kPolicyWrite,
  kPolicyDelete,
  kAuditHash,
  kAuditPublicKey,
  kAuditRecords,
  kTokenList,
  kTokenCreate,
  kAwsKeyList,
  kAwsKeyCreate,
  kAwsKeyRevoke,
  kKeasImport,
  kTokenLookup,
  kTokenRevoke,
  kKeyList,
  kKeyCreate,
  kKeyRead,
  kKeyUpdate,
  kKeyDelete,
  kKeyRotate,
  kKeyCancelDeletion,
  kEncrypt,
  kDecrypt,
  kRewrap,
  kDataKey,
  kDecryptAny,
  kRandom,
  kPublicKey,
  kSign,
  kVerify,
  kHmac,
  kHmacVerify,
  kImportParams,
  kImport,
  kKmipList,
  kKmipRead,
};

struct Route {
  std::string_view method;
  std::string_view pattern;
  access::Operation op;
  KeyFrom key;
  Handler handler;
};

std::span<const Route> Routes();
// The name of the route's {param} segment ("key", "name", "accessor"), or "".
std::string_view ParamName(const Route& route);

struct RouteMatch {
  const Route* route = nullptr;  // null: no route for this method and path
  std::string_view param;        // the value of the pattern's {param} segment, if any
  std::string allow;             // with no route: the methods the path takes ("" → 404)
};

// The route for `method` and `path` (no query; "//" and a trailing "/" already folded).
RouteMatch FindRoute(std::string_view method, std::string_view path);

}  // namespace keep::http
