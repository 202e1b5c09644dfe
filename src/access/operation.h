// The operations of keep: what every door (REST today; AWS KMS, keas.kmi, KMIP next)
// decodes a request into. One table says, for each, the name its audit records carry,
// the capability it needs, whether it takes credentials at all, whether it takes
// batches (the batch body limit, one rate-limit token per item), its rate-limit class
// and whether it is audited. Dispatch, authorization, limits, the audit record and the
// access-matrix test read this table; nothing else decides these things.
// Pure data; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace keep::access {

enum class Operation {
  kHealth,     // GET /v1/sys/health: no credentials, not audited
  kMetrics,    // GET /metrics: credentials only when configured, not audited
  kConsole,    // GET /ui/…: the web console's static files; no credentials, not audited
  kSysInit,    // no credentials: the first caller initializes
  kSysUnseal,  // no credentials: the shares are the authority
  kSysSeal,
  kSysRotate,
  kSysRekey,        // start or cancel a rekey
  kSysRekeyUpdate,  // no credentials: the shares are the authority
  kSysRead,         // rekey status, the cluster's nodes
  kSysLockdown,     // list locked identities, reinstate
  kSysBackup,       // a snapshot of the store (keep operator backup)
  kKeyCreate,
  kKeyRead,
  kKeyList,
  kKeyUpdate,
  kKeyRotate,
  kKeyDelete,  // schedule and cancel deletion
  kEncrypt,
  kDecrypt,
  kRewrap,
  kDataKey,
  kDataKeyPlaintext,  // not a request of its own: what a data key with its plaintext needs
  kRandom,
  kTokenCreate,
  kTokenManage,  // list, look up, revoke other tokens
  kTokenSelf,    // look up or revoke the presented token: any token
  kPolicyWrite,
  kPolicyRead,  // read and list
  kPolicyDelete,
  kAuditHash,        // HMAC of a value with the trail key, the checkpoint public key
  kAuditRead,        // GET /v1/sys/audit/records: the newest records, verification
  kAwsKeyCreate,     // an AWS access key (the AWS KMS door's credential)
  kAwsKeyManage,     // list and revoke AWS access keys
  kKeasImport,       // import a keas.kmi master's entries
  kSign,             // sign with an asymmetric key
  kVerify,           // verify a signature
  kHmac,             // make a MAC with an HMAC key
  kHmacVerify,       // verify a MAC (capability verify)
  kPublicKey,        // an asymmetric key version's public half
  kKeyImportParams,  // a wrapping key and import token (bring your own key)
  kKeyImport,        // import wrapped key material as a new version
  kExport,           // KMIP Get: a managed object's material (the KMIP door only)
  kKmipQuery,        // KMIP Query and DiscoverVersions: any identity (the KMIP door only)
  kSplitKeygen,      // a peer's joint generation of a split key version (capability peer)
  kSplitPartial,     // a peer's partial decryption with this side's share (capability peer)
};

// How many operations there are (arrays indexed by Operation are this long); operation.cc
// checks that its table has exactly this many rows, so a new operation cannot leave it
// stale.
inline constexpr size_t kOperationCount = static_cast<size_t>(Operation::kSplitPartial) + 1;

// Rate-limit classes.
enum class OpClass { kEncrypt, kDecrypt, kOther };

// The capability an operation needs: a key capability (KeyCap bits) when `key_cap`, else
// a system capability (SysCap bits); 0 for operations every identity may do.
struct Requirement {
  bool key_cap = false;
  uint32_t cap = 0;
};

struct OperationSpec {
  Operation op;
  std::string_view name;  // the audit record's "operation"
  Requirement need;
  bool credentials;  // false: no credentials are asked for (health, init, unseal, …)
  bool batch;        // takes {"batch":[…]}: the batch body limit; one token per item
  bool audited;      // false only for health checks and metrics scrapes
  OpClass rate_class;
};

// Every operation, in enum order.
std::span<const OperationSpec> Operations();
const OperationSpec& Spec(Operation op);

// Shorthands for Spec(op).name, .rate_class, .need.
std::string_view OperationName(Operation op);
OpClass ClassOf(Operation op);
Requirement OperationCapability(Operation op);

}  // namespace keep::access
