// TokenStore: bearer tokens, stored only as keyed hashes under the barrier.
//
// A token is "keep_" + base64url(32 random bytes), shown once at creation. The store
// keeps HMAC-SHA256(token key, token) at "token/<hex>" with the identity it grants;
// the token key (32 random bytes) lives at "core/token-key", also under the barrier.
// Lookups are in memory after Load(). Thread-safe.
#pragma once

#include <map>
#include <optional>
#include <shared_mutex>
#include <string>

#include "crypto/secret_bytes.h"
#include "keys/barrier.h"
#include "service/identity.h"

namespace keep::service {

class TokenStore {
 public:
  explicit TokenStore(keys::Barrier& barrier) : barrier_(barrier) {}

  // At init: creates the token key and a root token; returns the token (secret).
  Result<crypto::SecretBytes> CreateRoot();
  // After unseal: loads the token key and every token.
  Status Load();
  // On seal.
  void Clear();
  // The identity for a presented token. Errors: kUnauthenticated.
  Result<Identity> Lookup(std::string_view token) const;

 private:
  Result<std::string> Accessor(std::string_view token) const;
  keys::Barrier& barrier_;
  mutable std::shared_mutex mu_;
  crypto::SecretBytes hmac_key_;
  std::map<std::string, Identity, std::less<>> by_accessor_;
};

}  // namespace keep::service
