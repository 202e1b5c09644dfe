// Custody: the root key's life — init, unseal (automatic through the seal provider, or by
// a threshold of shares), seal, keyring rotation, rekey — and the seal guard every other
// operation runs under.
//
// Knows the store, the barrier, the seal provider (owned) and, through Contents, what the
// barrier protects (loaded when it opens, wiped when it closes); knows nothing of keys,
// tokens or doors. Implements access::Custodian for the access layer.
//
// Locks: one mutex (custody state: the share collectors, the rekey in progress, the last
// unseal error) orders init, unseal, seal, rotation, rekey and replication's reloads
// (IfUnsealed); the seal epoch is an atomic that Guarded reads without a lock, so requests
// never wait on custody. No thread of its own (maintenance calls RetryAutoUnseal).
// Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "access/custodian.h"
#include "crypto/pubkey.h"
#include "crypto/secret_bytes.h"
#include "keys/barrier.h"
#include "seal/provider.h"
#include "seal/shares.h"
#include "service/reencryptor.h"
#include "store/store.h"

namespace keep::service {

struct ShareCollector;  // shares collected toward unseal or rekey (custody_internal.h)

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

class Custody final : public access::Custodian {
 public:
  // What the barrier protects, seen from custody. Called with custody's lock held.
  class Contents {
   public:
    virtual ~Contents() = default;
    // The barrier just opened: load what it holds. On an error custody wipes (Clear) and
    // closes the barrier again.
    virtual Status Load() = 0;
    // The barrier is closing: wipe everything loaded from it.
    virtual void Clear() = 0;
    // At init, the barrier open for the first time: the root token to hand out.
    virtual Result<crypto::SecretBytes> CreateRootToken() = 0;
    // For the log line at unseal ("12 keys").
    virtual std::string Summary() const = 0;
  };

  // `store`, `barrier`, `contents` and `reencryptor` must outlive the Custody; only
  // references are kept (the reencryptor is triggered after rotations and unseals).
  Custody(store::Store& store, std::unique_ptr<seal::SealProvider> seal, keys::Barrier& barrier,
          Contents& contents, Reencryptor& reencryptor);
  ~Custody() override;
  Custody(const Custody&) = delete;
  Custody& operator=(const Custody&) = delete;

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
  // saying why the provider failed; "locked_down" while a global lockdown holds.
  Result<SealStatus> Unseal(UnsealTrigger trigger = UnsealTrigger::kOperator);
  // While sealed with an automatic seal (HSM) that no operator sealed and whose PIN was
  // not refused: tries Unseal(kAutomatic). For maintenance; logs, never fails.
  void RetryAutoUnseal();
  // Adds one share toward unsealing. Shares are checked one by one (format, checksum,
  // share set, verifier) before they count; a duplicate does not count twice; progress
  // older than 10 minutes is discarded. At the threshold the root key is rebuilt and
  // must open the keyring; a global lockdown is then lifted. Errors: "invalid_share"
  // (bad_request) with a specific message, "not_initialized", bad_request for a seal
  // without shares.
  Result<SealStatus> SubmitUnsealShare(std::string_view share_text);
  // Discards the shares collected so far.
  SealStatus ResetUnseal();
  Result<SealStatus> GetSealStatus();
  // Wipes the keyring and the contents from memory at once. Requests in flight finish
  // before the wipe or fail with "sealed" (Guarded); none returns data produced after it.
  Status Seal();
  // Adds a keyring term and starts re-encrypting older records in the background.
  Result<uint32_t> RotateKeyring();

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

  // access::Custodian.
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

  // kUnavailable "sealed" while sealed, else Ok.
  Status RequireUnsealed() const;
  // The seal guard: runs `f` (returning Status or Result) and turns its result into
  // kUnavailable "sealed" when keep is sealed, or when a seal overlapped it. Lock-free.
  template <typename F>
  auto Guarded(F&& f) -> decltype(f());
  // Runs `f` under custody's lock if unsealed (replication's reloads: never repopulate
  // memory after a seal); does nothing while sealed.
  template <typename F>
  void IfUnsealed(F&& f);

 private:
  Status LoadContents();  // on error: wipes and closes the barrier again
  Status OpenWithRootKey(const crypto::SecretBytes& root);
  Result<std::optional<seal::SealRecord>> ReadSealRecord();
  Result<crypto::SecretBytes> AddShare(std::string_view text, const seal::SealRecord& record,
                                       ShareCollector& into, bool* duplicate);
  Result<std::vector<crypto::SecretBytes>> MakeShares(const crypto::SecretBytes& root,
                                                      seal::ShareKind kind, const ShareOptions& o,
                                                      seal::SealRecord* record);

  store::Store& store_;
  std::unique_ptr<seal::SealProvider> seal_;
  keys::Barrier& barrier_;
  Contents& contents_;
  Reencryptor& reenc_;

  std::mutex mu_;  // init/unseal/seal/rotate/rekey/reloads; guards what is marked
  std::atomic<uint64_t> seal_epoch_{0};  // odd while a seal wipes memory
  std::atomic<bool> operator_sealed_{false};
  std::atomic<bool> auto_unseal_paused_{false};  // the HSM refused the PIN
  std::atomic<bool> known_initialized_{false};   // once seen, for store outages
  std::mutex seal_record_mu_;
  std::optional<seal::SealRecord> last_seal_record_;  // under seal_record_mu_: for outages
  std::string last_unseal_error_;                     // under mu_
  std::unique_ptr<ShareCollector> unseal_;            // under mu_
  struct RekeyOp;
  std::unique_ptr<RekeyOp> rekey_;  // under mu_
};

template <typename F>
auto Custody::Guarded(F&& f) -> decltype(f()) {
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

template <typename F>
void Custody::IfUnsealed(F&& f) {
  std::lock_guard lock(mu_);
  if (barrier_.IsSealed()) return;
  f();
}

}  // namespace keep::service
