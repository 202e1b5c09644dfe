// AliasStore: aliases — more names for a key, as AWS KMS has them (the AWS door's
// CreateAlias, UpdateAlias, DeleteAlias, ListAliases; "alias/NAME" resolves them). Every
// key is also reachable as alias/<its name> without an entry here; an alias may not take a
// key's name. Stored under the barrier at "alias/<name>" ({"key","created_at",
// "updated_at"}), in memory while unsealed. Names: 1–250 characters of [A-Za-z0-9/_-],
// not starting "aws/" (AWS's reserved prefix). Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "keys/barrier.h"

namespace keep::keys {

struct Alias {
  std::string name;  // without "alias/"
  std::string key;   // the keep key's name
  int64_t created_at = 0, updated_at = 0;
};

class AliasStore {
 public:
  using Clock = std::function<int64_t()>;
  explicit AliasStore(Barrier& barrier, Clock clock = nullptr);

  // Errors: bad_request (the name), already_exists.
  Result<Alias> Create(std::string_view name, std::string_view key);
  // Points an alias at another key. Errors: not_found.
  Result<Alias> Update(std::string_view name, std::string_view key);
  // Errors: not_found.
  Status Delete(std::string_view name);
  std::optional<Alias> Get(std::string_view name) const;
  std::vector<Alias> List() const;  // by name

  Status Load();  // after unseal, and when another node changed "alias/"
  void Clear();   // on seal

  static Status ValidateName(std::string_view name);

 private:
  Status Write(const Alias& a, store::WriteOp::Kind kind);
  Barrier& barrier_;
  Clock clock_;
  mutable std::shared_mutex mu_;
  std::map<std::string, Alias, std::less<>> aliases_;
};

}  // namespace keep::keys
