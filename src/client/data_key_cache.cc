#include "client/data_key_cache.h"

namespace keep::client {

DataKeyCache::Lru::iterator DataKeyCache::Live(const std::string& key, int64_t now_ms) {
  auto it = index_.find(key);
  if (it == index_.end()) return lru_.end();
  auto pos = it->second;
  if (now_ms - pos->second->created_ms >= limits_.max_age_s * 1000) {
    ++stats_.expirations;
    Drop(pos);
    return lru_.end();
  }
  lru_.splice(lru_.begin(), lru_, pos);
  return pos;
}

void DataKeyCache::Drop(Lru::iterator it) {
  index_.erase(it->first);
  lru_.erase(it);
}

std::shared_ptr<const DataKeyEntry> DataKeyCache::Acquire(const std::string& key, size_t n,
                                                          int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto it = Live(key, now_ms);
  if (it != lru_.end()) {
    DataKeyEntry& e = *it->second;
    if (e.messages + 1 <= limits_.max_messages && e.bytes + n <= limits_.max_bytes) {
      e.Use(n);
      ++stats_.hits;
      return it->second;
    }
    ++stats_.expirations;
    Drop(it);
  }
  ++stats_.misses;
  return nullptr;
}

std::shared_ptr<const DataKeyEntry> DataKeyCache::Find(const std::string& key, int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto it = Live(key, now_ms);
  if (it == lru_.end()) {
    ++stats_.misses;
    return nullptr;
  }
  ++stats_.hits;
  return it->second;
}

void DataKeyCache::Insert(const std::string& key, std::shared_ptr<DataKeyEntry> entry) {
  if (limits_.max_age_s == 0) return;
  std::lock_guard lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) Drop(it->second);
  lru_.emplace_front(key, std::move(entry));
  index_[key] = lru_.begin();
  while (lru_.size() > limits_.capacity) {
    ++stats_.evictions;
    Drop(std::prev(lru_.end()));
  }
}

CacheStats DataKeyCache::Stats() const {
  std::lock_guard lock(mu_);
  CacheStats s = stats_;
  s.entries = lru_.size();
  return s;
}

void DataKeyCache::Clear() {
  std::lock_guard lock(mu_);
  lru_.clear();
  index_.clear();
}

}  // namespace keep::client
