// The keep record format v1 (docs/formats.md §9): a value encrypted locally under a data
// key that keepd made and wrapped, for envelope encryption inside applications
// (keep::Envelope). Layout:
//
//   magic "KEEPREC" | 0x01 | segment_log2 | nonce (12) | key name | partition keys
//   | header MAC (32) | wrapped data key (keep ciphertext text) | body (§8's segments)
//
// Keys. Per data key (once, RecordKeys::Derive): HKDF-SHA256 gives K_enc and K_mac. Per
// record: payload_key = AES-256(K_enc) of four counter ‖ nonce blocks (the per-nonce
// key derivation of AES-GCM-SIV, RFC 8452 §4), so records sharing a cached data key never
// share a body key; header MAC = HMAC-SHA256(K_mac, header bytes before it ‖ canonical
// encryption context), which binds the context and commits to the data key. The wrapped
// key is after the MAC and outside it: a rewrap replaces it without the data key.
//
// Errors: kInvalidArgument with reason "invalid_record" and a specific message for a
// malformed, truncated or extended record, an unknown version, a body that fails
// authentication; "wrong_key" when the header MAC fails under the data key (another data
// key, or another context — the two cannot be told apart, by design). Decrypt never
// returns partial plaintext. Thread-safe: RecordKeys is immutable after Derive.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/kdf.h"
#include "crypto/secret_bytes.h"
#include "format/context.h"
#include "keep/result.h"

namespace keep::format::record {

inline constexpr uint8_t kVersion = 1;
inline constexpr size_t kNonceSize = 12;
inline constexpr size_t kDataKeySize = 32;
inline constexpr uint8_t kDefaultSegmentLog2 = 16;  // 64 KiB, as files
inline constexpr size_t kMaxWrapped = 2048;
inline constexpr size_t kMaxPartitionKeys = 64;
// The encryption context key that marks a data key as a record's (the wrapping context
// is the record's partition context plus this pair).
inline constexpr std::string_view kWrapContextKey = "keep-record";
inline constexpr std::string_view kWrapContextValue = "v1";

struct Header {
  uint8_t segment_log2 = kDefaultSegmentLog2;  // 12..24
  std::array<uint8_t, kNonceSize> nonce{};
  std::string key_name;                     // the keep key (1–128 bytes)
  std::vector<std::string> partition_keys;  // sorted, distinct, each 1–255 bytes
  std::array<uint8_t, 32> mac{};
  std::string wrapped;  // the data key's keep ciphertext ("keep:…")
  size_t segment_size() const { return size_t{1} << segment_log2; }
};

// The two keys derived once from a data key.
class RecordKeys {
 public:
  // Errors: kInvalidArgument unless the data key is 32 bytes.
  static Result<RecordKeys> Derive(ByteView data_key);
  // The body key of the record with this nonce, into `out` (the caller wipes it: a stack
  // buffer per record costs nothing, a locked allocation per record would dominate).
  Status PayloadKey(std::span<const uint8_t, kNonceSize> nonce, std::span<uint8_t, 32> out) const;
  // HMAC-SHA256 over `header_bytes` ‖ canonical `context`.
  Status Mac(ByteView header_bytes, const EncryptionContext& context,
             std::span<uint8_t, 32> out) const;

 private:
  RecordKeys(crypto::SecretBytes enc, crypto::HmacKey mac)
      : enc_(std::move(enc)), mac_(std::move(mac)) {}
  crypto::SecretBytes enc_;
  crypto::HmacKey mac_;
};

// The wrapping context of a record's data key: `partition_keys`' pairs of `context` plus
// {"keep-record":"v1"}. Errors: kInvalidArgument when `context` lacks a partition key or
// uses "keep-record" itself.
Result<EncryptionContext> WrapContext(const EncryptionContext& context,
                                      const std::vector<std::string>& partition_keys);

// The canonical encoding (§1) of WrapContext(context, partition_keys), built without the
// map: the cache key of a data key. Same errors as WrapContext.
Result<std::string> WrapContextKey(const EncryptionContext& context,
                                   const std::vector<std::string>& partition_keys);

// Encrypts `plaintext` into a whole record: a random nonce, the header (MAC'd under
// `keys` with `context`), `wrapped`, and the body. `header.key_name`,
// `header.partition_keys` and `header.segment_log2` come from the caller.
Result<std::string> Seal(const RecordKeys& keys, Header header, const EncryptionContext& context,
                         ByteView plaintext);

// Parses a record's header; `body_offset` gets where the body starts. Checks the layout,
// not the MAC.
Result<Header> ParseHeader(std::string_view record, size_t* body_offset);

// Verifies the header MAC and decrypts the body into wiping memory. Nothing is returned
// unless every segment authenticates and the record ends where its last segment does.
Result<crypto::SecretBytes> Open(const RecordKeys& keys, std::string_view record,
                                 const EncryptionContext& context);

// The record with its wrapped data key replaced (rewrap); body and MAC unchanged.
Result<std::string> ReplaceWrapped(std::string_view record, std::string_view wrapped);

}  // namespace keep::format::record
