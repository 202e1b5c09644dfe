// PolicyStore: named policies, stored under the barrier at "policy/<name>" as their JSON
// form and held in memory after Load(). The built-in "root" is not stored.
// Thread-safe: lookups take a shared lock and return immutable snapshots.
#pragma once

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "access/policy.h"
#include "keys/barrier.h"

namespace keep::access {

class PolicyStore {
 public:
  explicit PolicyStore(keys::Barrier& barrier) : barrier_(barrier) {}

  // After unseal (and on a replication notice): reloads every policy.
  Status Load();
  // On seal.
  void Clear();
  // Creates or replaces. Errors: bad_request for "root" (built in).
  Status Put(const Policy& p);
  // The policy, or nullptr when there is none by that name ("root" is built in).
  std::shared_ptr<const Policy> Get(std::string_view name) const;
  std::vector<std::string> List() const;
  // Errors: not_found; bad_request for "root".
  Status Delete(std::string_view name);

 private:
  keys::Barrier& barrier_;
  mutable std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<const Policy>, std::less<>> by_name_;
};

}  // namespace keep::access
