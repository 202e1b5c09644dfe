// Service: keep's operations as plain C++ calls taking a RequestContext. No HTTP here;
// the http layer (and later the compatibility front doors) map requests onto these.
//
// Owns the store, the barrier, the key manager, the token store and the seal provider.
// Every operation but Health/Init/Unseal fails with kUnavailable "sealed" while sealed.
// Authorization happens before these calls (access layer); they trust the caller.
// Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <optional>
#include <thread>

#include "format/context.h"
#include "keys/barrier.h"
#include "keys/key_manager.h"
#include "seal/dev_file_seal.h"
#include "service/identity.h"
#include "service/token_store.h"
#include "store/store.h"

namespace keep::service {

struct Health {
  bool initialized = false;
  bool sealed = true;
};

// How this node follows changes made by other nodes (multi-node stores only).
struct Replication {
  bool enabled = false;      // the store has a change feed
  bool connected = false;    // the feed is up
  int64_t last_sync_ms = 0;  // unix ms when the feed was last known to be caught up
  uint64_t changes_applied = 0;
  uint64_t reconnects = 0;
};

struct InitResult {
  crypto::SecretBytes root_token;
};

struct SealStatus {
  bool sealed = true;
  int progress = 0;
  int threshold = 1;
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

class Service {
 public:
  Service(std::unique_ptr<store::Store> store, std::unique_ptr<seal::SealProvider> seal,
          keys::KeyManager::Clock clock = nullptr);
  ~Service();

  // System
  Result<Health> GetHealth();
  // Creates the root key, keyring and root token, then unseals.
  Result<InitResult> Init();
  // Opens the barrier with the seal provider's root key and loads keys and tokens.
  Result<SealStatus> Unseal();
  Status Seal();
  Result<uint32_t> RotateKeyring();
  bool IsSealed() const { return barrier_.IsSealed(); }
  std::string_view SealKind() const { return seal_->Kind(); }
  const TokenStore& tokens() const { return tokens_; }

  // Runs key maintenance every `interval_seconds` on a background thread until
  // StopMaintenance() or destruction.
  void StartMaintenance(int interval_seconds);
  void StopMaintenance();

  // Follows the store's change feed on a background thread, reloading what other nodes
  // change (keys, tokens, keyring); after every (re)connection it reloads everything, so
  // a lost connection misses nothing. No-op for single-node stores.
  void StartReplication();
  void StopReplication();
  Replication GetReplication() const;
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

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<seal::SealProvider> seal_;
  keys::Barrier barrier_;
  keys::KeyManager keys_;
  TokenStore tokens_;
  std::mutex sys_mu_;  // init/unseal/seal/rotate

  void ReplicationLoop();
  void ApplyChanges(const std::vector<std::string>& paths);
  void ReloadAll();

  std::string node_id_;
  mutable std::mutex repl_mu_;
  std::condition_variable repl_cv_;
  bool repl_stop_ = false;
  Replication repl_;
  std::thread repl_thread_;

  std::mutex maint_mu_;
  std::condition_variable maint_cv_;
  bool maint_stop_ = false;
  std::thread maint_thread_;
};

}  // namespace keep::service
