// AwsKeyStore: AWS access keys (an access key id and a secret access key) that sign
// requests to keep's AWS KMS door with Signature Version 4. Each is an identity
// ("aws:<access key id>") with policies, like a token.
//
// SigV4 needs the secret itself to check a signature (unlike a bearer token, it cannot be
// stored as a hash), so the secret is stored under the barrier (encrypted, at
// "awskey/<id>"), held in locked memory while unsealed, wiped at seal, and never leaves
// the store after creation: Verify checks a signature inside it. The access key id
// ("KEEP" + 16 characters of base32, 20 characters as AWS's) is not secret; the secret
// (30 random bytes as 40 base64 characters) is shown once. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "access/identity.h"
#include "access/sigv4.h"
#include "crypto/secret_bytes.h"
#include "keys/barrier.h"

namespace keep::access {

struct AwsKeyInfo {
  std::string access_key_id;
  std::string display_name;
  std::vector<std::string> policies;
  std::string creator;  // the identity that created it
  int64_t created_at = 0;
  int64_t expires_at = 0;  // 0: never
};

struct NewAwsKey {
  AwsKeyInfo info;
  crypto::SecretBytes secret;  // shown once
};

class AwsKeyStore {
 public:
  using Clock = std::function<int64_t()>;
  explicit AwsKeyStore(keys::Barrier& barrier, Clock clock = nullptr);

  // The caller has checked the policies and expiry.
  Result<NewAwsKey> Create(std::string display_name, std::vector<std::string> policies,
                           std::string creator, int64_t expires_at);
  // The identity that signed `claim`. Errors: kUnauthenticated — kUnknownAccessKey for an
  // unknown, revoked or expired key; the signature mismatch otherwise; "sealed".
  Result<Identity> Verify(const SigV4Claim& claim) const;
  // Whether `access_key_id` names a key that has not expired (the check that can be made
  // before a request's body is read). Errors: "sealed".
  Result<bool> Known(std::string_view access_key_id) const;
  std::vector<AwsKeyInfo> List() const;
  // Errors: not_found.
  Result<AwsKeyInfo> Info(std::string_view access_key_id) const;
  Status Revoke(std::string_view access_key_id);

  Status Load();  // after unseal, and when another node changed "awskey/"
  void Clear();   // on seal

 private:
  // The signing key of the last scope (day/region/service) this key signed for: four
  // HMACs saved per request, as AWS SDKs cache it. Wiped with the entry.
  struct SigningCache {
    std::mutex mu;
    std::string scope;
    crypto::SecretBytes key;
  };
  struct Entry {
    AwsKeyInfo info;
    crypto::SecretBytes secret;
    std::shared_ptr<SigningCache> cache = std::make_shared<SigningCache>();
  };
  keys::Barrier& barrier_;
  Clock clock_;
  mutable std::shared_mutex mu_;
  bool loaded_ = false;
  std::map<std::string, Entry, std::less<>> keys_;
};

}  // namespace keep::access
