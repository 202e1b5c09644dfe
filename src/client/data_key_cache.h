// Private to libkeep: the data-key cache of keep::Envelope (limits, counters and the
// trade-off are documented in keep/envelope.h).
//
// One cache per side. Entries are shared (a record being sealed keeps its entry alive
// after eviction) and hold the record keys derived from a data key, which are wiped when
// the last holder drops them. LRU over at most `capacity` entries; `max_age_s` 0 caches
// nothing. Thread-safe: one mutex per cache, held for lookups only (never across a keepd
// call or a seal).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "format/record.h"
#include "keep/envelope.h"

namespace keep::client {

struct DataKeyEntry {
  DataKeyEntry(format::record::RecordKeys k, std::string w, int64_t created)
      : keys(std::move(k)), wrapped(std::move(w)), created_ms(created) {}
  void Use(size_t n) {
    ++messages;
    bytes += n;
  }
  const format::record::RecordKeys keys;
  const std::string wrapped;  // the data key's keep ciphertext
  const int64_t created_ms;
  uint64_t messages = 0;  // encryption side, under the cache's mutex once inserted
  uint64_t bytes = 0;
};

class DataKeyCache {
 public:
  explicit DataKeyCache(CacheLimits limits) : limits_(limits) {}

  // Encryption: the live entry for `key` with room for one more record of `n` bytes, its
  // use counted; nullptr on a miss (an entry too old or used up is dropped).
  std::shared_ptr<const DataKeyEntry> Acquire(const std::string& key, size_t n, int64_t now_ms);
  // Decryption: the live entry for `key`, or nullptr (an old one is dropped).
  std::shared_ptr<const DataKeyEntry> Find(const std::string& key, int64_t now_ms);
  // Adds or replaces `key`'s entry, evicting the least recently used beyond capacity.
  void Insert(const std::string& key, std::shared_ptr<DataKeyEntry> entry);
  CacheStats Stats() const;
  void Clear();

 private:
  using Lru = std::list<std::pair<std::string, std::shared_ptr<DataKeyEntry>>>;
  // Under mu_: the entry if present and younger than max_age (moved to the front).
  Lru::iterator Live(const std::string& key, int64_t now_ms);
  void Drop(Lru::iterator it);

  const CacheLimits limits_;
  mutable std::mutex mu_;
  Lru lru_;  // most recent first
  std::unordered_map<std::string, Lru::iterator> index_;
  CacheStats stats_;
};

}  // namespace keep::client
