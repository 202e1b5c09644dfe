// keep::Client — libkeep's connection to keepd over HTTPS, with every native operation as
// a typed call (no JSON in the caller's code).
//
// Transport. Create() validates the options and loads the CA; connections are opened on
// demand and kept alive in a small pool (up to `max_connections` idle ones), so one Client
// is shared by all threads of a process. The server certificate must chain to
// `ca_cert_file` (or the system store when empty) and match the host name or IP address
// of the address used. With several `addresses` a call that cannot reach one server (or
// gets 503 from it: sealed, shutting down, overloaded) moves on to the next; the last
// server that answered is tried first next time.
//
// Retries. A call is attempted up to `max_attempts` times within its deadline
// (`CallOptions::timeout_ms`, default `ClientOptions::timeout_ms`, connect included),
// sleeping a jittered exponential backoff between attempts (full jitter from
// `backoff_initial_ms`, doubling up to `backoff_max_ms`) or the server's Retry-After when
// it gives one; a Retry-After beyond the deadline ends the call at once. Retried: a
// request that could not be sent or answered (connection refused, reset, TLS failure),
// 429, and a 503 that may pass (overloaded, unavailable, store_unavailable,
// audit_unavailable; sealed only with another server to try — never locked_down or
// hsm_pin_rejected, which are decisions) — for idempotent calls only. Calls that are not idempotent
// (key create, rotate, delete, undelete, raw Send by default) move to the next server only when the
// connection failed before the request was written. One exception for every call: a
// request on a kept-alive connection the server had already closed is sent once more, at
// once, on a fresh connection (the server closed it idle, so it never read the request).
//
// Errors. A Status whose reason is the server's error code (keep/reasons.h): `not_found`,
// `context_mismatch`, `invalid_ciphertext`, `key_disabled`, `sealed`, ... stay
// distinguishable; kUnavailable "unavailable" when no server could be reached within the
// deadline; kInvalidArgument for bad options or arguments caught before sending;
// "bad_answer" when a server's answer is not what the API documents.
//
// Secrets. Plaintexts and data keys come back as SecretString (bytes in a string whose
// allocator wipes every buffer it frees); requests carrying them are built and sent from
// wiping memory; the token is never logged.
//
// Thread-safety: every method is safe to call from many threads at once.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keep/keys.h"
#include "keep/result.h"
#include "keep/secret_string.h"

namespace keep {

struct ClientOptions {
  std::string address = "https://127.0.0.1:8443";  // https://HOST:PORT (IPv6 as [::1])
  // Several servers of one cluster, tried in order with failover; when empty, `address`.
  std::vector<std::string> addresses;
  std::string token;             // bearer token; never logged
  std::string ca_cert_file;      // PEM; empty: system trust store
  std::string client_cert_file;  // mutual TLS: client certificate chain (PEM); empty: none
  std::string client_key_file;   // its private key (PEM)
  int timeout_ms = 30000;        // default deadline of a call, all attempts included
  int max_attempts = 4;          // per call, across servers
  int backoff_initial_ms = 50;   // first backoff cap; doubles per attempt
  int backoff_max_ms = 2000;
  int max_connections = 8;  // idle connections kept per server
};

// Per call: a deadline other than ClientOptions::timeout_ms (0: that one).
struct CallOptions {
  int timeout_ms = 0;
};

struct HttpResult {
  int status = 0;
  SecretString body;  // may hold plaintexts and data keys: wiped when it goes
  std::string request_id;
  int retry_after_s = 0;  // Retry-After (429, 503 overloaded) in seconds; 0: none given
};

struct KeyVersionInfo {
  uint32_t version = 0;
  std::string created_at;  // RFC 3339
  std::string origin;      // "keep" (generated) or "external" (imported)
};

struct KeyInfo {
  std::string name, id, type, description, created_at;
  std::string purpose;  // "encrypt", "sign" or "mac" (docs/api.md "Key types")
  std::string state;    // "enabled", "disabled" or "pending_deletion"
  uint32_t latest_version = 0;
  uint32_t min_decryption_version = 0;
  uint32_t min_encryption_version = 0;  // 0: any version allowed to decrypt
  std::string auto_rotate_period;       // "90d", "0" for never
  std::optional<std::string> deletion_date;
  std::vector<KeyVersionInfo> versions;
  std::string peer;  // split-p256: the deployment holding the other share
};

struct KeyPage {
  std::vector<std::string> keys;  // names, in order
  std::string next;               // pass as `after` for the next page; empty: the last page
};

struct NewKey {
  std::string name;
  std::string type;  // empty: the server's default (aes256-gcm); docs/api.md "Key types"
  std::string description;
  std::string auto_rotate_period;  // empty: never
  std::string purpose;             // "encrypt" or "sign": required for RSA types, else may be empty
  std::string peer;  // split-p256 only (required there): the [[peers]] name of the other side
};

// Only the fields set are changed.
struct KeyChanges {
  std::optional<std::string> description;
  std::optional<bool> enabled;
  std::optional<uint32_t> min_decryption_version;
  std::optional<uint32_t> min_encryption_version;
  std::optional<std::string> auto_rotate_period;
};

struct Ciphertext {
  std::string ciphertext;  // "keep:…"
  std::string key;
  uint32_t version = 0;
};

struct Plaintext {
  SecretString plaintext;  // bytes
  std::string key;
  uint32_t version = 0;
};

struct DataKey {
  std::optional<SecretString> plaintext;  // the key's bytes; absent when not asked for
  std::string ciphertext;                 // the wrapped copy, a keep ciphertext
  std::string key;
  uint32_t version = 0;
};

struct EncryptItem {
  std::string_view plaintext;  // borrowed bytes, not copied into unwiped memory
  EncryptionContext context;
  std::optional<uint32_t> version;  // empty: the latest allowed
};

struct DecryptItem {
  std::string ciphertext;
  EncryptionContext context;
};

struct StoreStatus {
  bool reachable = true;
  std::string error;  // why not, when unreachable
};

struct KeyringStatus {
  int64_t active_term = 0;
  std::vector<int64_t> terms;
  bool reencrypting = false;
  int64_t old_records = 0, rewritten = 0;
  int64_t last_completed = 0;  // seconds since the epoch; 0: never
};

struct ReplicationStatus {
  bool connected = false;
  int64_t lag_ms = 0, changes_applied = 0, reconnects = 0;
};

struct ServerStatus {
  int http_status = 0;  // 200 active or degraded, 503 sealed, 501 not initialized
  bool initialized = false;
  bool sealed = true;
  bool degraded = false;
  std::string seal_type, version, node_id;
  std::optional<StoreStatus> store;
  // Once initialized: "unseal", "recovery" or "" (no shares: dev-file).
  std::string share_kind;
  int unseal_progress = 0, unseal_threshold = 0;
  std::string seal_error;           // why an automatic unseal failed
  bool auto_unseal_paused = false;  // the HSM refused the PIN
  bool operator_sealed = false;
  std::optional<KeyringStatus> keyring;          // when unsealed
  std::optional<ReplicationStatus> replication;  // on PostgreSQL
};

// Custody (docs/api.md, "System"). Shares and root tokens are secrets: wiping memory.
struct InitRequest {
  int shares = 0, threshold = 0;  // 0: not sent (dev-file refuses them, shamir needs them)
  std::vector<std::string> share_recipients;  // PEM public keys, one per share
};

struct InitResult {
  std::vector<SecretString> shares;  // "kshare1-…" ("kshare1e-…" when encrypted)
  SecretString root_token;
  std::string share_kind;  // "unseal", "recovery" or ""
  int threshold = 0;
  bool encrypted = false;
};

struct UnsealStatus {
  bool sealed = true;
  int progress = 0, threshold = 0, shares = 0;
  std::string share_kind, seal_type;
  bool duplicate = false;  // the share was already counted
  std::string seal_error;
};

struct RekeyStatus {
  bool started = false;
  std::string nonce, share_kind;
  int progress = 0, required = 0, new_shares = 0, new_threshold = 0;
  bool complete = false;             // after the last share: the new set is below
  std::vector<SecretString> shares;  // the new shares, once complete
  int threshold = 0;                 // the new threshold, once complete
};

// Access control (docs/api.md, "Access control").
struct PolicyRule {
  std::string keys;  // an exact name, a prefix ending in '*', or '*'
  std::vector<std::string> capabilities;
};

struct Policy {
  std::string name;  // filled by GetPolicy; PutPolicy takes the name apart
  std::vector<PolicyRule> rules;
  std::vector<std::string> system;               // system capabilities
  std::vector<std::string> assignable_policies;  // names or prefixes ending in '*'
};

struct NewToken {
  std::vector<std::string> policies;  // empty: the creator's
  std::string ttl;                    // e.g. "1h", "30d"; empty: the creator's remaining life
  std::string display_name;
  bool orphan = false;
};

struct TokenInfo {
  std::optional<SecretString> token;  // only in CreateToken's answer: shown once
  std::string accessor, display_name, parent, created_at;
  std::vector<std::string> policies;
  std::optional<std::string> expires_at;  // absent: never
};

// An AWS access key (docs/api.md, "AWS access keys"): what AWS SDKs sign with.
struct AwsKeyInfo {
  std::optional<SecretString> secret_access_key;  // only in CreateAwsKey's answer: shown once
  std::string access_key_id, display_name, creator, created_at;
  std::vector<std::string> policies;
  std::optional<std::string> expires_at;  // absent: never
};

// A KMIP managed object as operators see it (docs/api.md, "KMIP objects"): never its key
// material. `attributes` (name, rendered value) only from GetKmipObject.
struct KmipObjectInfo {
  std::string uid, type, group, owner, state;
  std::vector<std::string> names;
  std::vector<std::pair<std::string, std::string>> attributes;
};

// One entry of a keas.kmi master's storage: "<md5>.dek" and its bytes.
struct KeasEntry {
  std::string md5;  // 32 lowercase hex digits (the file name without ".dek")
  std::string dek;  // the file's bytes (the data key under RSA PKCS#1 v1.5)
};

struct LockedIdentity {
  std::string identity, reason, locked_at;
};

// Batch answers: one Result per item, in order (an item's error does not fail the rest).
template <typename T>
using BatchResult = std::vector<Result<T>>;

class Client {
 public:
  static Result<std::unique_ptr<Client>> Create(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Keys (docs/api.md, "Keys").
  Result<KeyInfo> CreateKey(const NewKey& key, CallOptions o = {});
  Result<KeyInfo> GetKey(std::string_view name, CallOptions o = {});
  // `limit` 1–1000 (0: the server's default, 100); keys whose name starts with `prefix`
  // and comes after `after`.
  Result<KeyPage> ListKeys(std::string_view prefix = {}, std::string_view after = {}, int limit = 0,
                           CallOptions o = {});
  Result<KeyInfo> RotateKey(std::string_view name, CallOptions o = {});
  Result<KeyInfo> UpdateKey(std::string_view name, const KeyChanges& changes, CallOptions o = {});
  // Schedules deletion in `pending_days` (7–365; 0: the server's default, 30).
  Result<KeyInfo> DeleteKey(std::string_view name, int pending_days = 0, CallOptions o = {});
  Result<KeyInfo> UndeleteKey(std::string_view name, CallOptions o = {});

  // Cryptographic operations (docs/api.md). `plaintext` is bytes.
  Result<Ciphertext> Encrypt(std::string_view key, std::string_view plaintext,
                             const EncryptionContext& context = {},
                             std::optional<uint32_t> version = {}, CallOptions o = {});
  // `key` empty: the key named in the ciphertext (POST /v1/decrypt).
  Result<Plaintext> Decrypt(std::string_view key, std::string_view ciphertext,
                            const EncryptionContext& context = {}, CallOptions o = {});
  Result<Ciphertext> Rewrap(std::string_view key, std::string_view ciphertext,
                            const EncryptionContext& context = {}, CallOptions o = {});
  // `bits` 128, 256 or 512; `with_plaintext` false needs only the `datakey` capability.
  Result<DataKey> GenerateDataKey(std::string_view key, int bits = 256, bool with_plaintext = true,
                                  const EncryptionContext& context = {}, CallOptions o = {});
  Result<SecretString> Random(int bytes, CallOptions o = {});

  // Keys beyond AES (docs/api.md): `data` is the message, or its digest when `prehashed`.
  Result<PublicKeyInfo> GetPublicKey(std::string_view key, std::optional<uint32_t> version = {},
                                     CallOptions o = {});
  Result<Signature> Sign(std::string_view key, std::string_view data, bool prehashed = false,
                         std::string_view algorithm = {}, std::optional<uint32_t> version = {},
                         CallOptions o = {});
  // `signature`: "keep:v<N>:<base64>" as Sign gives it. Not valid is not an error.
  Result<Verification> Verify(std::string_view key, std::string_view data,
                              std::string_view signature, bool prehashed = false,
                              std::string_view algorithm = {}, CallOptions o = {});
  Result<Signature> Hmac(std::string_view key, std::string_view message,
                         std::optional<uint32_t> version = {}, CallOptions o = {});
  Result<Verification> VerifyHmac(std::string_view key, std::string_view message,
                                  std::string_view mac, CallOptions o = {});
  // Bring your own key: wraps `material` here to fresh import parameters and imports it as
  // the key's new latest version (keep/keys.h says what material each type takes).
  Result<KeyInfo> ImportKeyMaterial(std::string_view key, std::string_view material,
                                    CallOptions o = {});

  // Batch forms: one request (up to the server's max_batch_items, 10,000 by default).
  Result<BatchResult<Ciphertext>> EncryptBatch(std::string_view key,
                                               std::span<const EncryptItem> items,
                                               CallOptions o = {});
  Result<BatchResult<Plaintext>> DecryptBatch(std::string_view key,
                                              std::span<const DecryptItem> items,
                                              CallOptions o = {});
  Result<BatchResult<Ciphertext>> RewrapBatch(std::string_view key,
                                              std::span<const DecryptItem> items,
                                              CallOptions o = {});

  // GET /v1/sys/health: answers (sealed: 503, not initialized: 501) are a status, not an
  // error; unreachable is an error.
  Result<ServerStatus> Health(CallOptions o = {});

  // Custody. Init, Unseal and RekeyUpdate need no token (the shares are the authority);
  // the rest need a token with `sys`. None is retried (each changes state) except the
  // status reads.
  Result<InitResult> Init(const InitRequest& request, CallOptions o = {});
  // One share (`share` empty: retry the automatic unseal of an HSM seal).
  Result<UnsealStatus> Unseal(std::string_view share, CallOptions o = {});
  Result<UnsealStatus> ResetUnseal(CallOptions o = {});  // discard the shares entered so far
  Status Seal(CallOptions o = {});
  Result<int64_t> RotateKeyring(CallOptions o = {});  // the new keyring term
  // A snapshot of the store (`sys`): the bytes `keep operator backup` writes to its file
  // (docs/formats.md "Backup snapshots"). SQLite only (kUnimplemented on PostgreSQL).
  Result<std::vector<uint8_t>> Backup(CallOptions o = {});
  Result<RekeyStatus> StartRekey(const InitRequest& new_set, CallOptions o = {});
  Result<RekeyStatus> GetRekey(CallOptions o = {});
  Status CancelRekey(CallOptions o = {});
  Result<RekeyStatus> SubmitRekeyShare(std::string_view nonce, std::string_view share,
                                       CallOptions o = {});

  // Tokens: `accessor` empty means the caller's own token (…/self).
  Result<TokenInfo> CreateToken(const NewToken& token, CallOptions o = {});
  Result<std::vector<TokenInfo>> ListTokens(CallOptions o = {});
  Result<TokenInfo> LookupToken(std::string_view accessor, CallOptions o = {});
  Result<int64_t> RevokeToken(std::string_view accessor, CallOptions o = {});  // how many went

  // AWS access keys for the AWS KMS door (`orphan` is not used).
  Result<AwsKeyInfo> CreateAwsKey(const NewToken& key, CallOptions o = {});
  Result<std::vector<AwsKeyInfo>> ListAwsKeys(CallOptions o = {});
  Status RevokeAwsKey(std::string_view access_key_id, CallOptions o = {});

  // KMIP managed objects the caller may read (`read` on "kmip/<group>/<uid>"), in UID order
  // after `after`, at most `limit` (1–1000); `next` gets the UID to continue after ("" at
  // the end). Errors: not_found (GetKmipObject), permission_denied.
  Result<std::vector<KmipObjectInfo>> ListKmipObjects(std::string_view after, int limit,
                                                      std::string* next, CallOptions o = {});
  Result<KmipObjectInfo> GetKmipObject(std::string_view uid, CallOptions o = {});

  // Imports keas.kmi master entries (at most 1000 per call); returns how many. Needs `sys`.
  Result<int64_t> ImportKeasEntries(std::span<const KeasEntry> entries, CallOptions o = {});

  // Policies.
  Result<std::vector<std::string>> ListPolicies(CallOptions o = {});
  Result<Policy> GetPolicy(std::string_view name, CallOptions o = {});
  Status PutPolicy(std::string_view name, const Policy& policy, CallOptions o = {});
  // The policy as its JSON document (docs/api.md, "Policies"), as AWS's PutKeyPolicy takes
  // one: the server reads it strictly (an unknown field or capability is invalid_argument
  // naming it), so a typo is never dropped on the way.
  Status PutPolicyDocument(std::string_view name, std::string_view json, CallOptions o = {});
  Status DeletePolicy(std::string_view name, CallOptions o = {});

  // Decrypt lockdown and audit.
  Result<std::vector<LockedIdentity>> ListLockdowns(CallOptions o = {});
  Status Reinstate(std::string_view identity, CallOptions o = {});
  // The HMAC the trail records for a value ("token:…") or for a context.
  Result<std::string> AuditHash(std::string_view value, CallOptions o = {});
  Result<std::string> AuditHashContext(const EncryptionContext& context, CallOptions o = {});
  Result<std::string> AuditPublicKey(CallOptions o = {});  // PEM (Ed25519)

  // The raw request under the typed calls, for tests and endpoints newer than this
  // library. `idempotent` allows the retries above. HTTP error statuses are not
  // errors here: StatusOf() turns them into a Status.
  Result<HttpResult> Send(std::string_view method, std::string_view target, std::string_view body,
                          bool idempotent = false, CallOptions o = {});

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  // Sends and turns an error status into its Status; the answer's body otherwise.
  Result<HttpResult> Call(std::string_view method, std::string_view target, std::string_view body,
                          bool idempotent, CallOptions o);
  std::unique_ptr<Impl> impl_;
};

// OK for 2xx; otherwise a Status whose reason is the API error code and whose message
// is the server's message.
Status StatusOf(const HttpResult& result);

}  // namespace keep
