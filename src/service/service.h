// Service: keep's operations on keys and custody as plain C++ calls taking a
// RequestContext. No HTTP here, and no access decisions: the doors reach these calls
// through the access layer's Gate (access/gate.h), which authenticates, authorizes,
// limits and audits first; these calls trust their caller.
//
// Owns the store, the barrier, the key manager, the access Directory's records and the
// audit secret (what the barrier holds: loaded at unseal, wiped at seal), and the four
// parts along its seams, each with its own header, lock and (for the last three) thread:
// Custody (custody.h: init, unseal, seal, rekey, the seal guard; the access layer's
// Custodian), Reencryptor, Replicator and Periodic (maintenance). Every key operation
// fails with kUnavailable "sealed" while sealed. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>

#include "access/directory.h"
#include "access/identity.h"
#include "crypto/split_keygen.h"
#include "format/context.h"
#include "format/public_ciphertext.h"
#include "keys/alias_store.h"
#include "keys/barrier.h"
#include "keys/key_manager.h"
#include "seal/provider.h"
#include "service/custody.h"
#include "service/nodes.h"
#include "service/peers.h"
#include "service/periodic.h"
#include "service/reencryptor.h"
#include "service/replicator.h"
#include "store/store.h"

namespace keep::service {

using access::Identity;
using access::RequestContext;

struct EncryptResult {
  std::string ciphertext;
  std::string key;
  uint32_t version = 0;
};

struct DecryptResult {
  crypto::SecretBytes plaintext;
  std::string key;
  uint32_t version = 0;
};

struct DataKeyResult {
  std::optional<crypto::SecretBytes> plaintext;
  std::string ciphertext;
  std::string key;
  uint32_t version = 0;
};

// Signatures: the scheme and hash ("rsa-pss-sha256", "rsa-pkcs1-sha384", "ecdsa-sha256",
// "ed25519", …; docs/api.md "Signing algorithms").
struct SignAlgorithm {
  crypto::asym::Scheme scheme = crypto::asym::Scheme::kEcdsa;
  crypto::asym::Hash hash = crypto::asym::Hash::kSha256;
};
std::string SignAlgorithmName(SignAlgorithm a);
Result<SignAlgorithm> ParseSignAlgorithm(std::string_view s);
// The algorithm a key signs with when none is named: RSA-PSS-SHA256, ECDSA with the
// curve's hash, Ed25519.
SignAlgorithm DefaultSignAlgorithm(keys::KeyType t);

struct SignResult {
  Bytes signature;  // DER for ECDSA, raw for Ed25519 and RSA
  std::string key;
  uint32_t version = 0;
  SignAlgorithm algorithm;
};

struct VerifyResult {
  bool valid = false;
  std::string key;
  uint32_t version = 0;
};

struct MacResult {
  Bytes mac;
  std::string key;
  uint32_t version = 0;
};

struct PublicKeyResult {
  keys::KeyMeta meta;
  uint32_t version = 0;
  crypto::asym::PublicKeyRef public_key;
};

struct DataKeyPairResult {
  std::optional<crypto::SecretBytes> private_key;  // PKCS#8 DER, when asked for
  std::string private_key_ciphertext;              // the PKCS#8 DER encrypted under the key
  Bytes public_key;                                // DER SubjectPublicKeyInfo
  std::string key;
  uint32_t version = 0;
};

struct ImportParams {
  std::string wrapping_public_key_pem;  // RSA-3072, fresh for each call
  std::string import_token;             // 32 hex digits
  int64_t expires_at = 0;               // unix seconds (24 h)
};

class Service final : private Custody::Contents {
 public:
  Service(std::unique_ptr<store::Store> store, std::unique_ptr<seal::SealProvider> seal,
          keys::KeyManager::Clock clock = nullptr);
  ~Service() override;

  // Init, unseal, seal, rekey, keyring rotation, lockdown; the access layer's Custodian.
  Custody& custody() { return custody_; }

  // The keyring's background re-encryption (started by custody after a rotation).
  KeyringStatus GetKeyringStatus() const { return reenc_.GetStatus(); }
  // Waits (tests) until the background re-encryption is idle, up to `timeout_ms`.
  bool WaitReencryptionIdle(int timeout_ms) { return reenc_.WaitIdle(timeout_ms); }

  // The access layer's records (tokens, policies, locks), held under the barrier: loaded
  // at unseal, followed across nodes, wiped at seal. The access layer changes them.
  access::Directory& directory() { return directory_; }
  // 64 secret bytes for the audit trail (HMAC key, Ed25519 seed), created on first
  // unseal; nullptr while sealed.
  std::shared_ptr<const crypto::SecretBytes> AuditSecret() const;

  // Runs key maintenance every `interval_seconds` on a background thread until
  // StopMaintenance() or destruction. While sealed with an automatic seal (HSM) it retries
  // the automatic unseal instead, unless an operator sealed.
  void StartMaintenance(int interval_seconds) { maint_.Start(interval_seconds); }
  void StopMaintenance() { maint_.Stop(); }
  // Runs a maintenance pass now (keepd: SIGUSR1), without waiting for it. Thread-safe.
  void RunMaintenanceNow() { maint_.RunNow(); }
  // Maintenance passes completed since start (for /metrics; tests wait on it).
  uint64_t maintenance_passes() const { return maint_.passes(); }

  // Follows the store's change feed on a background thread, reloading what other nodes
  // change (keys, tokens, keyring); after every (re)connection it reloads everything, so
  // a lost connection misses nothing. No-op for single-node stores.
  // On a shared store this node also writes its heartbeat (nodes.h) with `version` and
  // `address` (where it listens); StopReplication removes it.
  void StartReplication(std::string version = "", std::string address = "");
  void StopReplication();
  Replication GetReplication() const { return repl_.GetStatus(); }
  // The nodes serving this store, this one first (`self`), then by id: on a shared store
  // from their heartbeat records (unreadable records are skipped), else this node alone.
  // `age_ms` is how long ago the record was written (by this node's clock; an unresponsive
  // node's grows past kNodeStaleMs). Errors: the store's.
  struct NodeView {
    NodeInfo info;
    bool self = false;
    int64_t age_ms = 0;
  };
  Result<std::vector<NodeView>> ListNodes();
  const std::string& node_id() const { return node_id_; }
  // The deployment this store belongs to: 32 hex digits at "core/deployment", made once
  // (the first node to start after init or upgrade; other nodes read it). Backups carry
  // it so that a restore can refuse another deployment's snapshot. Errors: the store's.
  Result<std::string> DeploymentId();
  // A snapshot of the store (store/snapshot.h) for `keep operator backup`: online and
  // consistent, with the deployment, the active keyring term and the schema version.
  // Errors: kUnimplemented on PostgreSQL (pg_dump); the store's.
  Result<Bytes> Backup(std::string_view keep_version);

  // Keys
  Result<keys::KeyMeta> CreateKey(const RequestContext& ctx, const keys::CreateKeyOptions& o);
  Result<keys::KeyMeta> GetKey(const RequestContext& ctx, std::string_view name);
  Result<keys::KeyListPage> ListKeys(const RequestContext& ctx, std::string_view prefix,
                                     std::string_view after, size_t limit);
  Result<keys::KeyMeta> UpdateKey(const RequestContext& ctx, std::string_view name,
                                  const keys::KeyPatch& patch);
  Result<keys::KeyMeta> RotateKey(const RequestContext& ctx, std::string_view name);
  Result<keys::KeyMeta> DeleteKey(const RequestContext& ctx, std::string_view name, int days);
  Result<keys::KeyMeta> CancelKeyDeletion(const RequestContext& ctx, std::string_view name);

  // Aliases: more names for keys (keys/alias_store.h). Errors: not_found (the key, the
  // alias), already_exists (an alias, or a key, by that name), bad_request, sealed.
  Result<keys::Alias> CreateAlias(const RequestContext& ctx, std::string_view alias,
                                  std::string_view key);
  Result<keys::Alias> UpdateAlias(const RequestContext& ctx, std::string_view alias,
                                  std::string_view key);
  Status DeleteAlias(const RequestContext& ctx, std::string_view alias);
  Result<std::vector<keys::Alias>> ListAliases(const RequestContext& ctx);
  // The key `alias` names: an alias entry, else the key of that name (every key is
  // alias/<its name>). Errors: not_found, sealed.
  Result<std::string> ResolveAlias(std::string_view alias);

  // keas.kmi data keys (the keas door; http/keas_door.h): sealed entries under the barrier
  // at "keas/<id>", and legacy entries imported from a keas.kmi master at
  // "keas-legacy/<md5 hex>" until first use. Errors: already_exists, sealed.
  Status KeasPut(std::string_view id, ByteView sealed);
  Result<std::optional<crypto::SecretBytes>> KeasGet(std::string_view id);
  Result<size_t> KeasCount();
  Status KeasPutLegacy(std::string_view md5_hex, ByteView blob);
  Result<std::optional<crypto::SecretBytes>> KeasGetLegacy(std::string_view md5_hex);
  // Replaces a legacy entry by its re-protected form, in one transaction.
  Status KeasReplaceLegacy(std::string_view md5_hex, std::string_view id, ByteView sealed);

  // KMIP managed objects (the KMIP door; http/kmip_door.h): opaque records the door
  // encodes (kmip/object.h), under the barrier at "kmip/<uid>", so they are encrypted under
  // the keyring and shared by every node of a cluster like keys. `create`: fail with
  // already_exists rather than replace; several records are written in one transaction (a
  // key pair). Errors: sealed, already_exists, not_found for a malformed uid.
  struct KmipRecord {
    std::string_view uid;
    ByteView record;
  };
  Status KmipPut(std::span<const KmipRecord> records, bool create);
  Result<std::optional<crypto::SecretBytes>> KmipGet(std::string_view uid);
  // Up to `limit` records after `after` (uid order).
  Result<std::vector<keys::BarrierRecord>> KmipList(std::string_view after, size_t limit);

  // Cryptographic operations
  Result<EncryptResult> Encrypt(const RequestContext& ctx, std::string_view key, ByteView plaintext,
                                const format::EncryptionContext& context,
                                std::optional<uint32_t> version = {});
  // `key` empty: taken from the ciphertext.
  Result<DecryptResult> Decrypt(const RequestContext& ctx, std::string_view key,
                                std::string_view ciphertext,
                                const format::EncryptionContext& context);
  Result<EncryptResult> Rewrap(const RequestContext& ctx, std::string_view key,
                               std::string_view ciphertext,
                               const format::EncryptionContext& context);
  Result<DataKeyResult> DataKey(const RequestContext& ctx, std::string_view key, int bits,
                                bool with_plaintext, const format::EncryptionContext& context);
  Result<crypto::SecretBytes> Random(const RequestContext& ctx, int bytes);

  // Signing keys (key_ops.cc). `input` is the message, or its digest when `prehashed`;
  // `algorithm` empty: the key's default. Errors: invalid_key_usage (not a signing key,
  // or an algorithm that does not fit it), bad_request (digest length, Ed25519 digest),
  // not_found, key_disabled, key_pending_deletion, version_retired, sealed.
  Result<SignResult> Sign(const RequestContext& ctx, std::string_view key,
                          std::optional<uint32_t> version, ByteView input, bool prehashed,
                          std::optional<SignAlgorithm> algorithm);
  // `valid` false for a signature that does not verify (never an error).
  Result<VerifyResult> Verify(const RequestContext& ctx, std::string_view key, uint32_t version,
                              ByteView input, bool prehashed,
                              std::optional<SignAlgorithm> algorithm, ByteView signature);
  // HMAC keys. MacVerify compares in constant time.
  Result<MacResult> Mac(const RequestContext& ctx, std::string_view key,
                        std::optional<uint32_t> version, ByteView message);
  Result<VerifyResult> MacVerify(const RequestContext& ctx, std::string_view key, uint32_t version,
                                 ByteView message, ByteView mac);
  // A bare RSA-OAEP-SHA256 ciphertext (no keep header, no label: what AWS clients make
  // with GetPublicKey's key) under the RSA encryption key `key`: the latest version first,
  // then older ones down to min_decryption_version. Errors: invalid_ciphertext when no
  // version opens it, invalid_key_usage for other keys, not_found, sealed.
  Result<DecryptResult> DecryptBareOaep(const RequestContext& ctx, std::string_view key,
                                        ByteView ciphertext);
  // A fresh key pair (`kind`, `rsa_bits` for RSA) whose private half is encrypted under
  // the encryption key `key` with `context` (what AWS's GenerateDataKeyPair gives).
  Result<DataKeyPairResult> DataKeyPair(const RequestContext& ctx, std::string_view key,
                                        crypto::asym::Kind kind, int rsa_bits, bool with_plaintext,
                                        const format::EncryptionContext& context);
  // Bring your own key (key_import.cc): a wrapping key and an import token for `key`, and
  // the import of material wrapped to it as a new version (origin external). Errors:
  // bad_request (unknown, used, expired or foreign token; material that does not fit the
  // key's type), invalid_ciphertext (does not unwrap), not_found, key_pending_deletion.
  Result<ImportParams> GetImportParams(const RequestContext& ctx, std::string_view key);
  Result<keys::KeyMeta> ImportKeyMaterial(const RequestContext& ctx, std::string_view key,
                                          std::string_view token, ByteView wrapped);
  // The public half of an asymmetric key's version (the latest when empty).
  Result<PublicKeyResult> PublicKey(const RequestContext& ctx, std::string_view key,
                                    std::optional<uint32_t> version);

  // The key name a ciphertext belongs to (for authorization of /v1/decrypt).
  Result<std::string> KeyOfCiphertext(std::string_view ciphertext);
  // The key name of a key id (the AWS door's KeyId). Errors: not_found, sealed.
  Result<std::string> KeyOfId(const format::KeyId& id);
  // The id of the key named `name`. Errors: not_found, sealed.
  Result<format::KeyId> IdOfKey(std::string_view name);

  // Split keys (split.cc; issue 21). The peers (keepd's [[peers]]), set before serving;
  // without them split keys can be neither made nor opened (peer_unavailable).
  void SetPeers(std::shared_ptr<PeerLinks> peers);
  // CreateKey and RotateKey of a split-p256 key generate the version jointly with the peer
  // (this node initiates); Decrypt of a 0x12 ciphertext asks the peer for its partial.
  // The peer's side of those, for requests from the identity PeerLinks::PeerOf maps to a
  // peer (else permission_denied): round 1 of a joint generation (this side's share is
  // kept pending, at most 64 at a time for 60 s), round 2 (stores the version and answers
  // the joint key), and a partial decryption with its Chaum–Pedersen proof.
  Result<KeygenReveal> SplitKeygenCommit(const RequestContext& ctx, const KeygenOffer& offer);
  Result<Bytes> SplitKeygenFinish(const RequestContext& ctx, std::string_view key,
                                  std::string_view session, const KeygenReveal& reveal);
  Result<PartialAnswer> SplitPartial(const RequestContext& ctx, const PartialRequest& request);

 private:
  // Custody::Contents (contents.cc): the keys, the directory, the audit secret.
  Status Load() override;
  void Clear() override;
  Result<crypto::SecretBytes> CreateRootToken() override;
  std::string Summary() const override;
  Status LoadAccess();  // the directory (tokens, policies, locks), the audit secret

  // What other nodes change (replication.cc), delivered by repl_.
  void ApplyChanges(const std::vector<std::string>& paths);
  void Apply(const std::vector<std::string>& paths);  // under custody's lock, unsealed
  void ReloadAll();
  NodeInfo SelfNode() const;
  // Split keys (split.cc).
  std::shared_ptr<PeerLinks> Peers() const;
  Result<crypto::SecretBytes> GenerateJointly(std::string_view peer, std::string_view name,
                                              const format::KeyId& id, uint32_t version);
  Result<keys::KeyMeta> CreateSplitKey(keys::CreateKeyOptions o);
  Result<keys::KeyMeta> RotateSplitKey(const keys::KeyMeta& meta);
  Result<DecryptResult> SplitDecrypt(const RequestContext& ctx,
                                     std::optional<std::string_view> expected, ByteView blob,
                                     const format::PublicHeader& header, ByteView canonical);
  struct PendingKeygen {
    std::string peer;
    KeygenOffer offer;
    crypto::split::Share share;
    int64_t expires_ms = 0;
  };
  mutable std::mutex split_mu_;
  std::shared_ptr<PeerLinks> peers_;              // under split_mu_
  std::map<std::string, PendingKeygen> pending_;  // by session, under split_mu_
  void Heartbeat();  // repl_'s beat: writes node/<id>, forgets long-gone nodes
  // Key maintenance, or an automatic unseal retry while sealed (maint_'s task).
  void RunMaintenancePass();

  // The KMIP records read lately (kmip_objects.cc), in locked memory: a Get or Encrypt reads
  // memory, not the store. Dropped on writes, on other nodes' changes, on reloads and when
  // sealed; a read that raced with a write (the generation moved) is not cached.
  void KmipForget(std::string_view uid);  // "": every record
  mutable std::mutex kmip_mu_;
  std::unordered_map<std::string, std::shared_ptr<const crypto::SecretBytes>> kmip_cache_;
  uint64_t kmip_generation_ = 0;

  std::unique_ptr<store::Store> store_;
  keys::Barrier barrier_;
  keys::KeyManager keys_;
  keys::AliasStore aliases_;
  Custody custody_;
  access::Directory directory_;
  mutable std::mutex audit_mu_;
  std::shared_ptr<const crypto::SecretBytes> audit_secret_;  // under audit_mu_
  std::string node_id_;
  int64_t started_ms_ = 0;
  mutable std::mutex node_mu_;
  std::string node_version_, node_address_;  // under node_mu_
  // The background work, each with its own thread and lock; declared last, so they are
  // built after (and, stopped by ~Service first, outlive nothing of) what they use.
  // (custody_ holds a reference to reenc_ and triggers it only once unsealed.)
  Reencryptor reenc_;  // the keyring's re-encryption after a rotation
  Replicator repl_;    // other nodes' changes
  Periodic maint_;     // auto-rotation, scheduled deletion, automatic unseal retries
};

}  // namespace keep::service
