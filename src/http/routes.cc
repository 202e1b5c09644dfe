#include "http/routes.h"

namespace keep::http {
namespace {

using O = access::Operation;
using H = Handler;

constexpr Route kRoutes[] = {
    {"GET", "/metrics", O::kMetrics, KeyFrom::kNone, H::kMetrics},
    {"GET", "/ui", O::kConsole, KeyFrom::kNone, H::kConsole},
    {"GET", "/ui/{file}", O::kConsole, KeyFrom::kNone, H::kConsole},
    {"GET", "/v1/sys/health", O::kHealth, KeyFrom::kNone, H::kHealth},
    {"HEAD", "/v1/sys/health", O::kHealth, KeyFrom::kNone, H::kHealth},
    {"POST", "/v1/sys/init", O::kSysInit, KeyFrom::kNone, H::kInit},
    {"POST", "/v1/sys/unseal", O::kSysUnseal, KeyFrom::kNone, H::kUnseal},
    {"POST", "/v1/sys/seal", O::kSysSeal, KeyFrom::kNone, H::kSeal},
    {"POST", "/v1/sys/rotate", O::kSysRotate, KeyFrom::kNone, H::kRotateKeyring},
    {"POST", "/v1/sys/backup", O::kSysBackup, KeyFrom::kNone, H::kBackup},
    {"GET", "/v1/sys/rekey", O::kSysRead, KeyFrom::kNone, H::kRekeyStatus},
    {"GET", "/v1/sys/nodes", O::kSysRead, KeyFrom::kNone, H::kNodes},
    {"DELETE", "/v1/sys/rekey", O::kSysRekey, KeyFrom::kNone, H::kRekeyCancel},
    {"POST", "/v1/sys/rekey/init", O::kSysRekey, KeyFrom::kNone, H::kRekeyInit},
    {"POST", "/v1/sys/rekey/update", O::kSysRekeyUpdate, KeyFrom::kNone, H::kRekeyUpdate},
    {"GET", "/v1/sys/lockdown", O::kSysLockdown, KeyFrom::kNone, H::kLockdownList},
    {"POST", "/v1/sys/lockdown/reinstate", O::kSysLockdown, KeyFrom::kNone, H::kLockdownReinstate},
    {"GET", "/v1/sys/policies", O::kPolicyRead, KeyFrom::kNone, H::kPolicyList},
    {"GET", "/v1/sys/policies/{name}", O::kPolicyRead, KeyFrom::kNone, H::kPolicyRead},
    {"PUT", "/v1/sys/policies/{name}", O::kPolicyWrite, KeyFrom::kNone, H::kPolicyWrite},
    {"DELETE", "/v1/sys/policies/{name}", O::kPolicyDelete, KeyFrom::kNone, H::kPolicyDelete},
    {"POST", "/v1/sys/audit/hash", O::kAuditHash, KeyFrom::kNone, H::kAuditHash},
    {"GET", "/v1/sys/audit/public-key", O::kAuditHash, KeyFrom::kNone, H::kAuditPublicKey},
    {"GET", "/v1/sys/audit/records", O::kAuditRead, KeyFrom::kNone, H::kAuditRecords},
    {"GET", "/v1/auth/tokens", O::kTokenManage, KeyFrom::kNone, H::kTokenList},
    {"POST", "/v1/auth/tokens", O::kTokenCreate, KeyFrom::kNone, H::kTokenCreate},
    {"GET", "/v1/auth/tokens/self", O::kTokenSelf, KeyFrom::kNone, H::kTokenLookup},
    {"DELETE", "/v1/auth/tokens/self", O::kTokenSelf, KeyFrom::kNone, H::kTokenRevoke},
    {"GET", "/v1/auth/tokens/{accessor}", O::kTokenManage, KeyFrom::kNone, H::kTokenLookup},
    {"DELETE", "/v1/auth/tokens/{accessor}", O::kTokenManage, KeyFrom::kNone, H::kTokenRevoke},
    {"GET", "/v1/auth/aws-keys", O::kAwsKeyManage, KeyFrom::kNone, H::kAwsKeyList},
    {"POST", "/v1/auth/aws-keys", O::kAwsKeyCreate, KeyFrom::kNone, H::kAwsKeyCreate},
    {"DELETE", "/v1/auth/aws-keys/{access_key_id}", O::kAwsKeyManage, KeyFrom::kNone,
     H::kAwsKeyRevoke},
    {"POST", "/v1/keas/import", O::kKeasImport, KeyFrom::kNone, H::kKeasImport},
    {"GET", "/v1/keys", O::kKeyList, KeyFrom::kNone, H::kKeyList},
    {"GET", "/v1/kmip/objects", O::kKeyList, KeyFrom::kNone, H::kKmipList},
    {"GET", "/v1/kmip/objects/{uid}", O::kKeyRead, KeyFrom::kHandler, H::kKmipRead},
    {"POST", "/v1/keys", O::kKeyCreate, KeyFrom::kHandler, H::kKeyCreate},
    {"GET", "/v1/keys/{key}", O::kKeyRead, KeyFrom::kPath, H::kKeyRead},
    {"PATCH", "/v1/keys/{key}", O::kKeyUpdate, KeyFrom::kPath, H::kKeyUpdate},
    {"DELETE", "/v1/keys/{key}", O::kKeyDelete, KeyFrom::kPath, H::kKeyDelete},
    {"POST", "/v1/keys/{key}/rotate", O::kKeyRotate, KeyFrom::kPath, H::kKeyRotate},
    {"POST", "/v1/keys/{key}/cancel-deletion", O::kKeyDelete, KeyFrom::kPath,
     H::kKeyCancelDeletion},
    {"POST", "/v1/keys/{key}/encrypt", O::kEncrypt, KeyFrom::kPath, H::kEncrypt},
    {"POST", "/v1/keys/{key}/decrypt", O::kDecrypt, KeyFrom::kPath, H::kDecrypt},
    {"POST", "/v1/keys/{key}/rewrap", O::kRewrap, KeyFrom::kPath, H::kRewrap},
    {"POST", "/v1/keys/{key}/datakey", O::kDataKey, KeyFrom::kPath, H::kDataKey},
    {"GET", "/v1/keys/{key}/public-key", O::kPublicKey, KeyFrom::kPath, H::kPublicKey},
    {"POST", "/v1/keys/{key}/sign", O::kSign, KeyFrom::kPath, H::kSign},
    {"POST", "/v1/keys/{key}/verify", O::kVerify, KeyFrom::kPath, H::kVerify},
    {"POST", "/v1/keys/{key}/hmac", O::kHmac, KeyFrom::kPath, H::kHmac},
    {"POST", "/v1/keys/{key}/hmac/verify", O::kHmacVerify, KeyFrom::kPath, H::kHmacVerify},
    {"GET", "/v1/keys/{key}/import-params", O::kKeyImportParams, KeyFrom::kPath, H::kImportParams},
    {"POST", "/v1/keys/{key}/import", O::kKeyImport, KeyFrom::kPath, H::kImport},
    {"POST", "/v1/decrypt", O::kDecrypt, KeyFrom::kHandler, H::kDecryptAny},
    {"POST", "/v1/peer/keys/{key}/keygen/commit", O::kSplitKeygen, KeyFrom::kPath,
     H::kPeerKeygenCommit},
    {"POST", "/v1/peer/keys/{key}/keygen/finish", O::kSplitKeygen, KeyFrom::kPath,
     H::kPeerKeygenFinish},
    {"POST", "/v1/peer/keys/{key}/partial", O::kSplitPartial, KeyFrom::kPath, H::kPeerPartial},
    {"POST", "/v1/random", O::kRandom, KeyFrom::kNone, H::kRandom},
};

// Whether `path` fits `pattern`; the {param} segment's value goes to `param`.
bool Matches(std::string_view pattern, std::string_view path, std::string_view* param) {
  // Most routes differ from the path in their literal start: compare that at once.
  const std::string_view literal = pattern.substr(0, pattern.find('{'));
  if (path.substr(0, literal.size()) != literal) return false;
  while (!pattern.empty() && !path.empty()) {
    if (pattern.front() != '/' || path.front() != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const size_t pe = pattern.find('/'), se = path.find('/');
    const std::string_view want = pattern.substr(0, pe), got = path.substr(0, se);
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      if (got.empty()) return false;
      *param = got;
    } else if (want != got) {
      return false;
    }
    pattern = pe == std::string_view::npos ? std::string_view() : pattern.substr(pe);
    path = se == std::string_view::npos ? std::string_view() : path.substr(se);
  }
  return pattern.empty() && path.empty();
}

}  // namespace

std::span<const Route> Routes() {
  return kRoutes;
}

std::string_view ParamName(const Route& route) {
  const size_t open = route.pattern.find('{');
  if (open == std::string_view::npos) return {};
  const size_t close = route.pattern.find('}', open);
  return route.pattern.substr(open + 1, close - open - 1);
}

RouteMatch FindRoute(std::string_view method, std::string_view path) {
  RouteMatch m;
  std::string_view param;
  for (const Route& r : kRoutes) {  // the first route of this method whose pattern fits
    if (r.method == method && Matches(r.pattern, path, &param)) {
      m.route = &r;
      m.param = param;
      return m;
    }
  }
  for (const Route& r : kRoutes) {  // none: the methods this path takes (for 405)
    if (!Matches(r.pattern, path, &param)) continue;
    if (m.allow.find(r.method) == std::string::npos) {
      if (!m.allow.empty()) m.allow += ", ";
      m.allow += r.method;
    }
  }
  return m;
}

}  // namespace keep::http
