// Service: keep's operations on keys and custody as plain C++ calls taking a
// RequestContext. No HTTP here, and no access decisions: the doors reach these calls
// through the access layer's Gate (access/gate.h), which authenticates, authorizes,
// limits and audits first; these calls trust their caller.
//
// Owns the store, the barrier, the key manager, the seal provider and the access
// Directory's records (loaded under the barrier at unseal, wiped at seal). Implements
// access::Custodian, the narrow interface the access layer needs from it. Every operation
// but Health/Init/Unseal fails with kUnavailable "sealed" while sealed. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <optional>
#include <thread>

#include "access/custodian.h"
#include "access/directory.h"
#include "access/identity.h"
#include "crypto/pubkey.h"
#include "format/context.h"
#include "keys/barrier.h"
#include "keys/key_manager.h"
#include "seal/provider.h"
#include "seal/shares.h"
#include "service/periodic.h"
#include "service/reencryptor.h"
#include "service/replicator.h"
#include "store/store.h"

namespace keep::service {

using access::Identity;
using access::RequestContext;

struct ShareCollector;  // shares collected toward unseal or rekey (custody.cc)

struct Health {
  bool initialized = false;
  bool sealed = true;
  // The store answered this health check. When it did not (a PostgreSQL outage), an
  // unsealed node still serves from memory: it is degraded, not sealed.
  bool store_ok = true;
  std::string store_error;  // why not, when !store_ok
};

// A share set to make at init or rekey.
struct ShareOptions {
  int shares = 0;  // 0 with threshold 0: none (dev-file) — required for shamir/pkcs11
  int threshold = 0;
  // Empty, or one public key per share: share i is encrypted to recipients[i].
  std::vector<crypto::PublicKey> recipients;
};

struct InitResult {
  crypto::SecretBytes root_token;
  std::vector<crypto::SecretBytes> shares;  // share texts, "kshare1e-" when encrypted
  std::string share_kind;                   // "unseal", "recovery" or "" (dev-file)
  int threshold = 0;
};

struct SealStatus {
  bool sealed = true;
  std::string seal_type;   // the configured provider
  std::string share_kind;  // of the stored share set: "unseal", "recovery" or ""
  int progress = 0;        // distinct valid shares collected so far
  int threshold = 0;
  int shares = 0;
  bool duplicate = false;        // the share just submitted was already counted
  std::string last_error;        // why the last automatic unseal failed (HSM unreachable, ...)
  bool operator_sealed = false;  // sealed by an operator: no automatic unseal until then
  // The HSM refused the PIN: automatic retries stopped (a PIN retried every interval can
  // lock a real token) until an operator unseals explicitly or sends SIGHUP.
  bool auto_unseal_paused = false;
};

// Who asks for an unseal through the provider.
enum class UnsealTrigger {
  kAutomatic,  // keepd itself: at start and on each retry while sealed
  kOperator,   // an explicit request (POST /v1/sys/unseal {}, SIGHUP)
};

struct RekeyStatus {
  bool started = false;
  std::string nonce;  // identifies the operation; custodians check it
  int progress = 0;   // current shares collected
  int required = 0;   // the current threshold
  int new_shares = 0;
  int new_threshold = 0;
  std::string share_kind;  // of both the current and the new set
};

struct RekeyUpdate {
  RekeyStatus status;
  bool complete = false;
  std::vector<crypto::SecretBytes> shares;  // the new set, when complete
};

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

class Service final : public access::Custodian {
 public:
  Service(std::unique_ptr<store::Store> store, std::unique_ptr<seal::SealProvider> seal,
          keys::KeyManager::Clock clock = nullptr);
  ~Service() override;

  // System (custody.cc)
  // Never fails: what the store cannot answer is reported in Health (store_ok), and
  // `initialized` is then what was last known.
  Result<Health> GetHealth();
  // Creates the root key (split into shares unless dev-file), the keyring and the root
  // token, then unseals. Errors: "already_initialized"; bad_request when the share
  // options do not fit the seal (shares with dev-file, none with shamir/pkcs11, recipient
  // count != shares); kUnavailable when the provider cannot wrap (HSM unreachable).
  Result<InitResult> Init(const ShareOptions& options = {});
  // Auto-unseal with the provider (dev-file, pkcs11); for shamir only reports the status.
  // An operator's call also re-allows automatic retries (after an operator's seal, or
  // after the HSM refused the PIN). An automatic call does nothing while retries are
  // paused. Errors: "not_initialized"; kUnavailable "sealed" (or "hsm_pin_rejected")
  // saying why the provider failed.
  Result<SealStatus> Unseal(UnsealTrigger trigger = UnsealTrigger::kOperator);
  // Adds one share toward unsealing. Shares are checked one by one (format, checksum,
  // share set, verifier) before they count; a duplicate does not count twice; progress
  // older than 10 minutes is discarded. At the threshold the root key is rebuilt and
  // must open the keyring. Errors: "invalid_share" (bad_request) with a specific message,
  // "not_initialized", bad_request for a seal without shares.
  Result<SealStatus> SubmitUnsealShare(std::string_view share_text);
  // Discards the shares collected so far.
  SealStatus ResetUnseal();
  Result<SealStatus> GetSealStatus();
  // Wipes the keyring, keys and tokens from memory at once. Requests in flight finish
  // before the wipe or fail with "sealed"; none returns data produced after it.
  Status Seal();
  // Adds a keyring term and starts re-encrypting older records in the background.
  Result<uint32_t> RotateKeyring();
  KeyringStatus GetKeyringStatus() const { return reenc_.GetStatus(); }
  // Waits (tests) until the background re-encryption is idle, up to `timeout_ms`.
  bool WaitReencryptionIdle(int timeout_ms) { return reenc_.WaitIdle(timeout_ms); }

  // Rekey: a new root key and share set, authorized by a threshold of current shares.
  // Start needs an unsealed server with a share set; one operation at a time.
  Result<RekeyStatus> RekeyStart(const ShareOptions& options);
  RekeyStatus GetRekeyStatus();
  Status RekeyCancel();
  // Adds a current share. At the threshold: checks the rebuilt key, makes the new root
  // key and shares, re-wraps it (HSM), commits; old shares stop working. Errors:
  // "invalid_share", not_found (no operation), bad_request (nonce mismatch), "conflict"
  // (the seal record changed meanwhile).
  Result<RekeyUpdate> RekeySubmit(std::string_view nonce, std::string_view share_text);

  std::string_view SealKind() const { return seal_->Kind(); }

  // The access layer's records (tokens, policies, locks), held under the barrier: loaded
  // at unseal, followed across nodes, wiped at seal. The access layer changes them.
  access::Directory& directory() { return directory_; }

  // access::Custodian (custodian.cc).
  bool IsSealed() const override { return barrier_.IsSealed(); }
  Status RunUnsealed(const std::function<Status()>& f) override;
  // Records a global lockdown (readable while sealed, at "core/lockdown") and seals: no
  // automatic unseal happens until a quorum of shares unseals (which lifts it) or
  // LiftLockdown.
  Status LockdownSeal(std::string reason) override;
  // The reason of a global lockdown in force, or "".
  Result<std::string> GlobalLockdown();
  // Lifts a global lockdown (keepd --lift-lockdown: for seals without shares).
  Status LiftLockdown();
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
  void StartReplication() { repl_.Start(); }
  void StopReplication() { repl_.Stop(); }
  Replication GetReplication() const { return repl_.GetStatus(); }
  const std::string& node_id() const { return node_id_; }

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

  // The key name a ciphertext belongs to (for authorization of /v1/decrypt).
  Result<std::string> KeyOfCiphertext(std::string_view ciphertext);

 private:
  Status RequireUnsealed() const;
  Status LoadAll();
  Status LoadAccess();  // the directory (tokens, policies, locks), the audit secret
  void ClearAccess();
  // Runs `f` and turns its result into "sealed" when a seal happened meanwhile.
  template <typename F>
  auto Guarded(F&& f) -> decltype(f());
  Result<std::optional<seal::SealRecord>> ReadSealRecord();
  Result<crypto::SecretBytes> AddShare(std::string_view text, const seal::SealRecord& record,
                                       ShareCollector& into, bool* duplicate);
  Result<std::vector<crypto::SecretBytes>> MakeShares(const crypto::SecretBytes& root,
                                                      seal::ShareKind kind, const ShareOptions& o,
                                                      seal::SealRecord* record);
  Status OpenWithRootKey(const crypto::SecretBytes& root);

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<seal::SealProvider> seal_;
  keys::Barrier barrier_;
  keys::KeyManager keys_;
  access::Directory directory_;
  mutable std::mutex audit_mu_;
  std::shared_ptr<const crypto::SecretBytes> audit_secret_;  // under audit_mu_
  std::mutex sys_mu_;                                        // init/unseal/seal/rotate/rekey
  std::atomic<uint64_t> seal_epoch_{0};
  std::atomic<bool> operator_sealed_{false};
  std::atomic<bool> auto_unseal_paused_{false};  // the HSM refused the PIN
  std::atomic<bool> known_initialized_{false};   // once seen, for store outages
  std::mutex seal_record_mu_;
  std::optional<seal::SealRecord> last_seal_record_;  // under seal_record_mu_: for outages
  std::string last_unseal_error_;                     // under sys_mu_
  std::unique_ptr<ShareCollector> unseal_;            // under sys_mu_
  struct RekeyOp;
  std::unique_ptr<RekeyOp> rekey_;  // under sys_mu_

  // What other nodes change (replication.cc), delivered by repl_.
  void ApplyChanges(const std::vector<std::string>& paths);
  void ReloadAll();
  // Key maintenance, or an automatic unseal retry while sealed (maint_'s task).
  void RunMaintenancePass();

  std::string node_id_;
  // The background work, each with its own thread and lock; declared last, so they are
  // built after (and, stopped by ~Service first, outlive nothing of) what they use.
  Reencryptor reenc_;  // the keyring's re-encryption after a rotation
  Replicator repl_;    // other nodes' changes
  Periodic maint_;     // auto-rotation, scheduled deletion, automatic unseal retries
};

template <typename F>
auto Service::Guarded(F&& f) -> decltype(f()) {
  // seal_epoch_ is odd while a seal is wiping memory; any change means a seal overlapped.
  const uint64_t epoch = seal_epoch_.load(std::memory_order_acquire);
  if (epoch & 1) return Unavailable("sealed", "keep is sealed");
  KEEP_RETURN_IF_ERROR(RequireUnsealed());
  auto result = f();
  if (seal_epoch_.load(std::memory_order_acquire) != epoch) {
    return Unavailable("sealed", "keep was sealed while the request ran");
  }
  return result;
}

}  // namespace keep::service
