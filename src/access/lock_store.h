// LockStore: identities locked down for abusing decryption, stored under the barrier at
// "lockdown/<hex of the identity id>" and held in memory after Load(). A locked identity
// is refused (503 locked_down) until an administrator reinstates it; the lock survives
// restarts and reaches every node. Thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <shared_mutex>
#include <string>
#include <vector>

#include "keys/barrier.h"

namespace keep::access {

struct IdentityLock {
  std::string identity;  // the identity id ("token:…", "cert:…", "anonymous")
  std::string reason;
  int64_t locked_at = 0;
};

class LockStore {
 public:
  explicit LockStore(keys::Barrier& barrier) : barrier_(barrier) {}
  Status Load();
  void Clear();
  // Locks `identity` (idempotent: an existing lock is kept as it was).
  Status Lock(const IdentityLock& lock);
  // Errors: not_found when the identity is not locked.
  Status Unlock(std::string_view identity);
  bool IsLocked(std::string_view identity) const;
  std::vector<IdentityLock> List() const;

 private:
  keys::Barrier& barrier_;
  mutable std::shared_mutex mu_;
  std::atomic<bool> any_{false};  // fast path: nothing is locked
  std::map<std::string, IdentityLock, std::less<>> locks_;
};

}  // namespace keep::access
