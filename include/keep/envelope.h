// keep::Envelope — envelope encryption inside the application: records encrypted locally
// with AES-256-GCM under data keys that keepd makes and wraps, with a data-key cache on
// both sides so that keepd is asked once per data key, not once per record.
//
//   keep::Envelope env(client, {.key = "orders"});
//   auto blob = env.Encrypt("4111 1111 1111 1111", {{"table", "cards"}, {"row", "42"}});
//   auto back = env.Decrypt(*blob, {{"table", "cards"}, {"row", "42"}});  // SecretString
//
// The record (docs/formats.md §9) names its keep key and holds the wrapped data key, so it
// decrypts with nothing but its context — through any Envelope for that key, in C++ or
// Python. The context is bound to the record (header MAC); its partition part (all of it
// by default, see EnvelopeOptions::partition_by) is also bound to the wrapped data key, so
// keepd checks it, audits it and its policy applies when the data key is unwrapped.
//
// The cache (the trade-off it makes). Encryption reuses a data key for records of the same
// partition context until it is `max_age` old, or has sealed `max_messages` records or
// `max_bytes` bytes; decryption keeps unwrapped data keys by (wrapped bytes, partition
// context) for `max_age`. Both are LRU-bounded (`capacity` entries each) and wipe keys
// they drop. While an entry lives, keepd is not asked: a key rotated, disabled or
// scheduled for deletion, a policy narrowed or a token revoked in keepd takes effect for
// this process only when the entries made before expire — at most `max_age` later — and
// keepd's audit trail shows one datakey/decrypt per data key, not per record. Smaller
// limits bound that window and the records one leaked data key exposes; larger ones save
// round trips. `max_age = 0` disables caching (one keepd call per record).
//
// Errors: those of the client (keepd's reasons: not_found, key_disabled,
// permission_denied, rate_limited, unavailable ...); "invalid_record" for a damaged,
// truncated, extended or unknown-version record; "wrong_key" when the record does not open
// under its data key with the given context (wrong context, or altered) or names another
// keep key than this Envelope's; bad_request for a context that lacks a partition key or
// uses the reserved key "keep-record". Never a partial plaintext.
//
// Thread-safety: all methods may be called from many threads; the Client must outlive the
// Envelope.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keep/client.h"

namespace keep {

struct CacheLimits {
  int64_t max_age_s = 300;                 // 0: no caching
  uint64_t max_messages = 1'000'000;       // records per data key (at most 2^32)
  uint64_t max_bytes = uint64_t{1} << 36;  // plaintext bytes per data key (64 GiB)
  size_t capacity = 1000;                  // entries per side (LRU)
};

struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;       // each one a keepd call
  uint64_t evictions = 0;    // dropped for capacity
  uint64_t expirations = 0;  // dropped for age, messages or bytes
  size_t entries = 0;
};

struct EnvelopeOptions {
  std::string key;  // the keep key that wraps the data keys
  CacheLimits cache;
  // The context keys that go into the wrapping context of a data key, so that records
  // whose contexts agree on them share data keys. Empty optional (the default): the whole
  // context — a per-row context then means a data key per row. {"table"}: one data key per
  // table value, rows bound to their records only locally.
  std::optional<std::vector<std::string>> partition_by;
  uint8_t segment_log2 = 16;  // 64 KiB segments for large values
};

class Envelope {
 public:
  // Errors (reported by every call when invalid): bad key name, limits out of range.
  Envelope(Client& client, EnvelopeOptions options);
  ~Envelope();
  Envelope(const Envelope&) = delete;
  Envelope& operator=(const Envelope&) = delete;

  // A record: binary, not secret (store it as a BLOB).
  Result<std::string> Encrypt(std::string_view plaintext, const EncryptionContext& context = {});
  Result<SecretString> Decrypt(std::string_view record, const EncryptionContext& context = {});
  // The record with its data key rewrapped by keepd under the key's latest version (the
  // data and the data key are unchanged; the plaintext never leaves keepd).
  Result<std::string> Rewrap(std::string_view record, const EncryptionContext& context = {});
  // Many records in one keepd batch request (up to the server's batch limit).
  Result<std::vector<Result<std::string>>> RewrapBatch(
      const std::vector<std::pair<std::string, EncryptionContext>>& records);

  CacheStats encrypt_cache() const;
  CacheStats decrypt_cache() const;
  // Wipes every cached data key.
  void ClearCache();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keep
