// Barrier: the encryption layer between keep's state and the Store.
//
// The root key (from a seal provider) encrypts the keyring, stored at "core/keyring".
// The keyring holds terms: numbered 256-bit AES-GCM keys. Every other record is
// encrypted under the active term with a random nonce and the AAD
// "keep barrier v1" || 0x00 || path, so a record copied to another path fails to open.
// Stored record layout: 0x01 || u32be term || nonce(12) || ciphertext || tag(16).
// Old terms stay in the keyring so records written under them keep reading.
//
// States: sealed (no keyring in memory) and unsealed. Every record operation on a
// sealed barrier fails with kUnavailable "sealed".
// Thread-safe: record operations take a shared lock; Unseal/Seal/Rotate an exclusive one.
#pragma once

#include <cstdint>
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

  // True when the store holds a keyring.
  Result<bool> IsInitialized();
  // Writes a fresh keyring (term 1) encrypted under `root_key` and unseals.
  // Errors: kAlreadyExists "already_initialized".
  Status Initialize(const crypto::SecretBytes& root_key);
  // Opens the keyring with `root_key`. Errors: kUnavailable "sealed" when the root key
  // does not open it (wrong key or tampered keyring), kFailedPrecondition
  // "not_initialized".
  Status Unseal(const crypto::SecretBytes& root_key);
  // Re-reads the keyring with the root key held since Unseal (another node rotated it).
  // No-op when sealed.
  Status Refresh();
  // Wipes the keyring from memory.
  void Seal();
  bool IsSealed() const;

  // Adds a term and makes it active. Returns the new term number.
  Result<uint32_t> Rotate();
  uint32_t ActiveTerm() const;

  Result<std::optional<crypto::SecretBytes>> Get(std::string_view path);
  Result<std::vector<BarrierRecord>> List(std::string_view prefix, std::string_view after,
                                          size_t limit);
  Status Commit(std::span<const BarrierWrite> writes);

 private:
  struct Keyring;
  Result<crypto::SecretBytes> Open(const Keyring& ring, std::string_view path, ByteView stored);
  Result<Bytes> SealRecord(const Keyring& ring, std::string_view path, ByteView plaintext);
  Status WriteKeyring(const Keyring& ring, store::WriteOp::Kind kind);

  store::Store& store_;
  mutable std::shared_mutex mu_;
  std::shared_ptr<const Keyring> ring_;  // null when sealed
  crypto::SecretBytes root_key_;
};

}  // namespace keep::keys
