// Barrier: the encryption layer between keep's state and the Store.
//
// Three levels of keys:
//   root key    — what the custody layer holds (Shamir shares, HSM-wrapped, dev file).
//                 It encrypts only the keyring key, at "core/root". Rekey replaces it.
//   keyring key — 256 random bits made at initialization, never changed; encrypts the
//                 keyring at "core/keyring". Other nodes keep it in memory, so a rekey on
//                 one node does not disturb the others.
//   keyring     — numbered terms (256-bit AES-GCM keys). Every other record is encrypted
//                 under the active term. Rotate adds a term; Reencrypt moves old records
//                 to the active term; old terms stay so backups keep reading.
// Every record (including core/root and core/keyring, with term 0) is
// 0x01 || u32be term || nonce(12) || ciphertext || tag(16), random nonce, AAD
// "keep barrier v1" || 0x00 || path, so a record copied to another path fails to open.
// "core/root", "core/keyring", "core/seal" (the custody layer's plaintext record) and
// "core/lockdown" (a global lockdown, readable while sealed), "core/deployment" and the
// nodes' heartbeats "node/…" are raw: Commit refuses them, Reencrypt skips them.
//
// States: sealed (no keyring in memory) and unsealed. Every record operation on a
// sealed barrier fails with kUnavailable "sealed". The keyring key and terms live in
// locked memory (SecretBytes::Locked) and are wiped on Seal and destruction.
// Thread-safe: record operations take a shared lock; Unseal/Seal/Rotate an exclusive one.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "crypto/secret_bytes.h"
#include "keep/result.h"
#include "store/store.h"

namespace keep::keys {

struct BarrierWrite {
  store::WriteOp::Kind kind;
  std::string path;
  ByteView value;  // plaintext; the caller keeps ownership (and wipes it if secret)
};

struct BarrierRecord {
  std::string path;
  crypto::SecretBytes value;
};

class Barrier {
 public:
  explicit Barrier(store::Store& store) : store_(store) {}

  static constexpr std::string_view kSealConfigPath = "core/seal";
  static constexpr std::string_view kLockdownPath = "core/lockdown";
  // The deployment id (32 hex digits, not secret, outside the barrier: a restore reads it
  // while sealed). Service::DeploymentId.
  static constexpr std::string_view kDeploymentPath = "core/deployment";
  // The nodes' heartbeats (service/nodes.h): plain, not secret, outside the barrier.
  static constexpr std::string_view kNodePrefix = "node/";

  // True when the store holds a keyring.
  Result<bool> IsInitialized();
  // Makes a keyring key and a keyring (term 1), writes them under `root_key` together
  // with `extra` (raw records of the custody layer) in one transaction, and unseals.
  // Errors: kAlreadyExists "already_initialized".
  Status Initialize(const crypto::SecretBytes& root_key, std::vector<store::WriteOp> extra = {});
  // Opens the keyring key with `root_key`, then the keyring. Errors: kUnavailable
  // "sealed" when the root key does not open it (wrong key or tampered record),
  // kFailedPrecondition "not_initialized".
  Status Unseal(const crypto::SecretBytes& root_key);
  // OK when `root_key` opens the stored keyring key (checks shares without unsealing).
  // Errors as Unseal.
  Status CheckRootKey(const crypto::SecretBytes& root_key);
  // Re-encrypts the keyring key under `new_root` and commits it with `extra` in one
  // transaction (the old root key stops working). Requires unsealed. Errors: "sealed",
  // the store's errors (kFailedPrecondition "conflict" from a kRewrite in `extra`).
  Status Rekey(const crypto::SecretBytes& new_root, std::vector<store::WriteOp> extra);
  // Re-reads the keyring with the keyring key held since Unseal (another node rotated
  // it). No-op when sealed.
  Status Refresh();
  // Wipes the keyring key and keyring from memory.
  void Seal();
  bool IsSealed() const;

  // Adds a term and makes it active. Returns the new term number.
  Result<uint32_t> Rotate();
  uint32_t ActiveTerm() const;
  // The term numbers in the keyring, ascending (empty when sealed).
  std::vector<uint32_t> Terms() const;

  // One step of moving records to the active term: scans up to `limit` records after
  // `after` (path order) and rewrites those under an older term, each only if nobody
  // changed it meanwhile (store kRewrite; a changed record was just written under the
  // active term anyway, so it is skipped). Safe to run on several nodes at once.
  struct ReencryptStep {
    size_t scanned = 0;
    size_t rewritten = 0;
    size_t skipped = 0;     // changed concurrently
    size_t unreadable = 0;  // failed authentication (left as they are)
    std::string last_path;  // resume after this
    bool done = false;      // reached the end of the store
  };
  Result<ReencryptStep> Reencrypt(std::string_view after, size_t limit);
  // How many records (outside the raw ones) are under each term. A full scan.
  Result<std::map<uint32_t, uint64_t>> CountByTerm();

  Result<std::optional<crypto::SecretBytes>> Get(std::string_view path);
  Result<std::vector<BarrierRecord>> List(std::string_view prefix, std::string_view after,
                                          size_t limit);
  Status Commit(std::span<const BarrierWrite> writes);

 private:
  struct Keyring;
  Result<crypto::SecretBytes> Open(const Keyring& ring, std::string_view path, ByteView stored);
  Result<Bytes> SealRecord(const Keyring& ring, std::string_view path, ByteView plaintext);
  Status WriteKeyring(const Keyring& ring, store::WriteOp::Kind kind);
  Result<crypto::SecretBytes> OpenKeyringKey(const crypto::SecretBytes& root_key);
  Result<std::shared_ptr<const Keyring>> ReadKeyring(const crypto::SecretBytes& keyring_key);
  std::shared_ptr<const Keyring> Current() const;

  store::Store& store_;
  mutable std::shared_mutex mu_;
  std::shared_ptr<const Keyring> ring_;  // null when sealed
  crypto::SecretBytes keyring_key_;
};

}  // namespace keep::keys
