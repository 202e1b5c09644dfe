// TokenStore: bearer tokens, stored only as keyed hashes under the barrier.
//
// A token is "keep_" + base64url(32 random bytes), shown once at creation. The store
// keeps HMAC-SHA256(token key, token) at "token/<hex>" with what it grants (display name,
// policies, parent, creation and expiry time); the token key (32 random bytes) lives at
// "core/token-key", also under the barrier. The accessor — the first 16 hex digits of
// the HMAC — names a token for listing, lookup and revocation without revealing it.
// Tokens may expire (TTL) and form a tree: revoking a token revokes its descendants.
// Lookups are in memory after Load(). Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "access/identity.h"
#include "crypto/kdf.h"
#include "crypto/secret_bytes.h"
#include "keys/barrier.h"

namespace keep::access {

struct TokenInfo {
  std::string accessor;
  std::string display_name;
  std::vector<std::string> policies;
  std::string parent;  // accessor of the creating token, "" for root and orphans
  int64_t created_at = 0;
  int64_t expires_at = 0;  // 0: never
};

struct NewToken {
  crypto::SecretBytes token;  // shown once
  TokenInfo info;
};

class TokenStore {
 public:
  using Clock = std::function<int64_t()>;  // unix seconds; defaults to the system clock
  explicit TokenStore(keys::Barrier& barrier, Clock clock = nullptr);

  // At init: creates the token key and a root token; returns the token (secret).
  Result<crypto::SecretBytes> CreateRoot();
  // Creates a token. The caller has checked the policies; `expires_at` 0 = never.
  Result<NewToken> Create(std::string display_name, std::vector<std::string> policies,
                          std::string parent, int64_t expires_at);
  // After unseal: loads the token key and every token.
  Status Load();
  // On seal.
  void Clear();
  // The identity for a presented token. Errors: kUnauthenticated (unknown, revoked or
  // expired — the message says which of "not valid" and "expired").
  Result<Identity> Lookup(std::string_view token) const;
  // By accessor. Errors: not_found.
  Result<TokenInfo> Info(std::string_view accessor) const;
  std::vector<TokenInfo> List() const;
  // Revokes the token and every descendant; returns how many were revoked.
  // Errors: not_found.
  Result<size_t> Revoke(std::string_view accessor);

 private:
  Result<std::string> Hmac(std::string_view token) const;
  Result<NewToken> Mint(const TokenInfo& info, bool first);
  keys::Barrier& barrier_;
  Clock clock_;
  mutable std::shared_mutex mu_;
  crypto::SecretBytes hmac_key_;
  // hmac_key_'s keyed SHA-256 states (locked memory): a lookup hashes two blocks, not four.
  std::optional<crypto::HmacKey> hmac_state_;
  // Sets hmac_key_ and hmac_state_ (caller holds mu_). Errors: as HmacKey::Create.
  Status SetKey(crypto::SecretBytes key);
  std::map<std::string, TokenInfo, std::less<>> by_hmac_;  // full hex HMAC → info
};

}  // namespace keep::access
