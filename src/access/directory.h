// Directory: the access model's records and the rules for changing them — tokens, AWS
// access keys, policies and identity locks, held under the barrier.
//
// The service owns the Directory because its records live under the barrier: it loads
// them at unseal (Load), follows other nodes' changes (the stores' own Load) and wipes
// them at seal (Clear). Everything else reaches the Directory through the access layer:
// the Gate reads it to authenticate and authorize, and the doors' administration
// endpoints call the operations below after the Gate admitted them.
//
// Every operation runs under Custodian::RunUnsealed: while sealed, or when a seal
// overlaps it, it fails with kUnavailable "sealed". The operations trust that the
// caller's identity was authorized for the operation (Gate); they check only what depends
// on the caller: which policies a token may carry, and how long it may live.
// Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "access/aws_key_store.h"
#include "access/custodian.h"
#include "access/identity.h"
#include "access/lock_store.h"
#include "access/policy_store.h"
#include "access/token_store.h"

namespace keep::access {

// A token to create.
struct TokenRequest {
  std::string display_name;
  std::vector<std::string> policies;  // empty: the creator's own
  int64_t ttl_seconds = 0;            // 0: as long as the creator (never for non-expiring)
  bool orphan = false;                // no parent: survives the creator's revocation
};

class Directory {
 public:
  // `barrier` and `custodian` must outlive the Directory.
  Directory(keys::Barrier& barrier, Custodian& custodian, TokenStore::Clock clock = nullptr);

  // At init: the token key and the root token (shown once).
  Result<crypto::SecretBytes> CreateRoot() { return tokens_.CreateRoot(); }
  // After unseal: reads tokens, policies and locks. On seal: wipes them from memory.
  Status Load();
  void Clear();

  // Creates a token for `creator`. Its policies must exist and each be one the creator
  // holds or may assign (a policy of the creator lists it in assignable_policies; root
  // may grant any; only root grants "root"); it never outlives a non-orphan creator.
  // Errors: bad_request (names, ttl, display name), permission_denied, not_found.
  Result<NewToken> CreateToken(const Identity& creator, const TokenRequest& r);
  Result<std::vector<TokenInfo>> ListTokens();
  // Errors: not_found.
  Result<TokenInfo> LookupToken(std::string_view accessor);
  // Revokes a token and its descendants; returns how many. Errors: not_found.
  Result<size_t> RevokeToken(const Identity& by, std::string_view accessor);

  // An AWS access key for `creator` (the AWS KMS door's SigV4 credential), with the same
  // rules as a token for its policies, ttl and display name (`orphan` is ignored: a key
  // never outlives an expiring creator). Errors as CreateToken.
  Result<NewAwsKey> CreateAwsKey(const Identity& creator, const TokenRequest& r);
  Result<std::vector<AwsKeyInfo>> ListAwsKeys();
  // Errors: not_found.
  Status RevokeAwsKey(const Identity& by, std::string_view access_key_id);

  // Errors: bad_request (the policy is invalid, or "root").
  Status PutPolicy(const Identity& by, const Policy& p);
  // Errors: not_found.
  Result<std::shared_ptr<const Policy>> GetPolicy(std::string_view name);
  Result<std::vector<std::string>> ListPolicies();
  // Errors: not_found, bad_request for "root".
  Status DeletePolicy(const Identity& by, std::string_view name);

  // Locks `identity` out (idempotent); the lock survives restarts and reaches every node.
  Status LockIdentity(std::string_view identity, std::string reason);
  // Errors: not_found when `identity` is not locked.
  Status Unlock(const Identity& by, std::string_view identity);
  Result<std::vector<IdentityLock>> ListLocks();

  // Read-only views for the Guard and for replication.
  TokenStore& tokens() { return tokens_; }
  PolicyStore& policies() { return policies_; }
  LockStore& locks() { return locks_; }
  AwsKeyStore& aws_keys() { return aws_keys_; }
  const AwsKeyStore& aws_keys() const { return aws_keys_; }
  const TokenStore& tokens() const { return tokens_; }
  const PolicyStore& policies() const { return policies_; }
  const LockStore& locks() const { return locks_; }

 private:
  // Runs `f` under Custodian::RunUnsealed and returns its result.
  template <typename T, typename F>
  Result<T> Unsealed(F&& f);
  // The policies a credential made by `me` gets for `requested` (empty: me's own): each
  // one me holds or may assign, existing. Errors: bad_request, permission_denied,
  // not_found.
  Result<std::vector<std::string>> Grantable(const Identity& me,
                                             std::vector<std::string> requested) const;
  // Whether one of `who`'s policies lists `policy` in assignable_policies.
  bool MayAssign(const Identity& who, std::string_view policy) const;

  Custodian& custodian_;
  TokenStore tokens_;
  PolicyStore policies_;
  LockStore locks_;
  AwsKeyStore aws_keys_;
};

}  // namespace keep::access
