#include "format/record.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>

#include "crypto/aead.h"
#include "crypto/random.h"
#include "format/file.h"

namespace keep::format::record {
namespace {

constexpr char kMagic[7] = {'K', 'E', 'E', 'P', 'R', 'E', 'C'};
constexpr std::string_view kKeysInfo = "keep record v1 keys";
constexpr size_t kTag = crypto::kAeadTagSize;

Status Bad(std::string message) {
  return InvalidArgument(std::move(message), "invalid_record");
}

size_t SealedSize(size_t plain, size_t segment) {
  const size_t segments = plain == 0 ? 1 : (plain + segment - 1) / segment;
  return plain + kTag * segments;
}

Status CheckFields(const Header& h) {
  if (h.segment_log2 < 12 || h.segment_log2 > 24) {
    return Bad("the segment size must be 2^12..2^24 bytes");
  }
  if (h.key_name.empty() || h.key_name.size() > 128) return Bad("the key name has 1 to 128 bytes");
  if (h.partition_keys.size() > kMaxPartitionKeys) return Bad("more than 64 partition keys");
  for (size_t i = 0; i < h.partition_keys.size(); ++i) {
    const auto& k = h.partition_keys[i];
    if (k.empty() || k.size() > 255) return Bad("a partition key has 1 to 255 bytes");
    if (i > 0 && !(h.partition_keys[i - 1] < k)) {
      return Bad("partition keys must be sorted and distinct");
    }
  }
  if (h.wrapped.empty() || h.wrapped.size() > kMaxWrapped) {
    return Bad("the wrapped data key has 1 to 2048 bytes");
  }
  return Status::Ok();
}

// Appends the header bytes the MAC covers (everything before it) to `out`.
void AppendMacInput(const Header& h, std::string& out) {
  out.append(kMagic, sizeof kMagic);
  out += static_cast<char>(kVersion);
  out += static_cast<char>(h.segment_log2);
  out.append(reinterpret_cast<const char*>(h.nonce.data()), h.nonce.size());
  out += static_cast<char>(h.key_name.size());
  out += h.key_name;
  out += static_cast<char>(h.partition_keys.size());
  for (const auto& k : h.partition_keys) {
    out += static_cast<char>(k.size());
    out += k;
  }
}

// A record's body key on the stack, wiped when it goes.
struct StackKey {
  std::array<uint8_t, 32> bytes{};
  ~StackKey() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
  ByteView view() const { return bytes; }
};

}  // namespace

Result<RecordKeys> RecordKeys::Derive(ByteView data_key) {
  if (data_key.size() != kDataKeySize) return InvalidArgument("a record data key is 32 bytes");
  crypto::SecretBytes both = crypto::SecretBytes::Locked(64);
  KEEP_RETURN_IF_ERROR(crypto::HkdfSha256(data_key, {}, AsBytes(kKeysInfo), both.mutable_view()));
  crypto::SecretBytes enc = crypto::SecretBytes::LockedCopyOf(both.view().subspan(0, 32));
  KEEP_ASSIGN_OR_RETURN(crypto::HmacKey mac, crypto::HmacKey::Create(both.view().subspan(32, 32)));
  return RecordKeys(std::move(enc), std::move(mac));
}

Status RecordKeys::PayloadKey(std::span<const uint8_t, kNonceSize> nonce,
                              std::span<uint8_t, 32> key) const {
  // RFC 8452 §4: block i = LE32(i) ‖ nonce; the key is the first 8 bytes of blocks 0..3.
  uint8_t in[64];
  for (uint32_t i = 0; i < 4; ++i) {
    uint8_t* b = in + 16 * i;
    b[0] = static_cast<uint8_t>(i);
    b[1] = b[2] = b[3] = 0;
    std::memcpy(b + 4, nonce.data(), kNonceSize);
  }
  uint8_t out[64];
  Status s = crypto::Aes256EncryptBlocks(enc_.view(), in, out);
  if (s.ok()) {
    for (int i = 0; i < 4; ++i) std::memcpy(key.data() + 8 * i, out + 16 * i, 8);
  }
  OPENSSL_cleanse(out, sizeof out);
  return s;
}

Status RecordKeys::Mac(ByteView header_bytes, const EncryptionContext& context,
                       std::span<uint8_t, 32> out) const {
  const Bytes ctx = CanonicalContext(context);
  return mac_.Compute({header_bytes, ctx}, out);
}

Result<EncryptionContext> WrapContext(const EncryptionContext& context,
                                      const std::vector<std::string>& partition_keys) {
  if (context.count(std::string(kWrapContextKey))) {
    return InvalidArgument("the context key \"keep-record\" is reserved for records");
  }
  EncryptionContext out;
  for (const auto& k : partition_keys) {
    auto it = context.find(k);
    if (it == context.end()) {
      return InvalidArgument("the context has no \"" + k + "\", which partitions the data keys");
    }
    out.emplace(k, it->second);
  }
  out.emplace(std::string(kWrapContextKey), std::string(kWrapContextValue));
  return out;
}

Result<std::string> WrapContextKey(const EncryptionContext& context,
                                   const std::vector<std::string>& partition_keys) {
  if (context.count(std::string(kWrapContextKey))) {
    return InvalidArgument("the context key \"keep-record\" is reserved for records");
  }
  auto put32 = [](std::string& out, size_t v) {
    const uint32_t n = static_cast<uint32_t>(v);
    const char b[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                       static_cast<char>(n >> 8), static_cast<char>(n)};
    out.append(b, 4);
  };
  auto pair = [&](std::string& out, std::string_view k, std::string_view v) {
    put32(out, k.size());
    out += k;
    put32(out, v.size());
    out += v;
  };
  std::string out;
  out.reserve(64);
  put32(out, partition_keys.size() + 1);
  bool marker = false;                    // "keep-record" goes in its sorted place
  for (const auto& k : partition_keys) {  // sorted, as the context's own order
    auto it = context.find(k);
    if (it == context.end()) {
      return InvalidArgument("the context has no \"" + k + "\", which partitions the data keys");
    }
    if (!marker && kWrapContextKey < std::string_view(k)) {
      pair(out, kWrapContextKey, kWrapContextValue);
      marker = true;
    }
    pair(out, k, it->second);
  }
  if (!marker) pair(out, kWrapContextKey, kWrapContextValue);
  return out;
}

Result<std::string> Seal(const RecordKeys& keys, Header h, const EncryptionContext& context,
                         ByteView plaintext) {
  KEEP_RETURN_IF_ERROR(crypto::RandomFill(h.nonce));
  KEEP_RETURN_IF_ERROR(CheckFields(h));
  const size_t segment = h.segment_size();
  size_t size = sizeof kMagic + 2 + kNonceSize + 2 + h.key_name.size() + 32 + 2 + h.wrapped.size() +
                SealedSize(plaintext.size(), segment);
  for (const auto& k : h.partition_keys) size += 1 + k.size();
  std::string out;  // one allocation: the whole record's size is known
  out.reserve(size);
  AppendMacInput(h, out);
  KEEP_RETURN_IF_ERROR(keys.Mac(AsBytes(out), context, h.mac));
  out.append(reinterpret_cast<const char*>(h.mac.data()), h.mac.size());
  out += static_cast<char>(h.wrapped.size() >> 8);
  out += static_cast<char>(h.wrapped.size() & 0xff);
  out += h.wrapped;
  StackKey payload;
  KEEP_RETURN_IF_ERROR(keys.PayloadKey(h.nonce, payload.bytes));
  const size_t body_at = out.size();
  out.resize(body_at + SealedSize(plaintext.size(), segment));
  auto* dst = reinterpret_cast<uint8_t*>(out.data() + body_at);
  uint64_t counter = 0;
  size_t at = 0;
  do {
    const size_t n = std::min(segment, plaintext.size() - at);
    const bool last = at + n == plaintext.size();
    const auto nonce = file::SegmentNonce(counter++, last);
    KEEP_RETURN_IF_ERROR(crypto::AeadSeal(crypto::AeadAlgorithm::kAesGcm, payload.view(), nonce, {},
                                          plaintext.subspan(at, n),
                                          std::span<uint8_t>(dst, n + kTag)));
    dst += n + kTag;
    at += n;
  } while (at < plaintext.size());
  return out;
}

Result<Header> ParseHeader(std::string_view r, size_t* body_offset) {
  size_t at = 0;
  auto need = [&](size_t n, const char* what) -> Status {
    if (r.size() - at < n) return Bad(std::string("the record is truncated (in its ") + what + ")");
    return Status::Ok();
  };
  auto byte = [&]() { return static_cast<uint8_t>(r[at++]); };
  if (r.size() < sizeof kMagic || std::memcmp(r.data(), kMagic, sizeof kMagic) != 0) {
    return Bad("not a keep record (no KEEPREC magic)");
  }
  at = sizeof kMagic;
  KEEP_RETURN_IF_ERROR(need(2 + kNonceSize + 1, "header"));
  const uint8_t version = byte();
  if (version != kVersion) {
    return Bad("record version " + std::to_string(version) +
               " is not supported (this keep reads 1)");
  }
  Header h;
  h.segment_log2 = byte();
  std::memcpy(h.nonce.data(), r.data() + at, kNonceSize);
  at += kNonceSize;
  const size_t name_len = byte();
  KEEP_RETURN_IF_ERROR(need(name_len + 1, "key name"));
  h.key_name.assign(r.substr(at, name_len));
  at += name_len;
  const size_t parts = byte();
  for (size_t i = 0; i < parts; ++i) {
    KEEP_RETURN_IF_ERROR(need(1, "partition keys"));
    const size_t len = byte();
    KEEP_RETURN_IF_ERROR(need(len, "partition keys"));
    h.partition_keys.emplace_back(r.substr(at, len));
    at += len;
  }
  KEEP_RETURN_IF_ERROR(need(32 + 2, "header MAC"));
  std::memcpy(h.mac.data(), r.data() + at, 32);
  at += 32;
  const size_t wrapped_len = static_cast<size_t>(byte()) << 8;
  const size_t wrapped_len2 = wrapped_len | byte();
  KEEP_RETURN_IF_ERROR(need(wrapped_len2, "wrapped data key"));
  h.wrapped.assign(r.substr(at, wrapped_len2));
  at += wrapped_len2;
  KEEP_RETURN_IF_ERROR(CheckFields(h));
  if (r.size() - at < kTag) return Bad("the record is truncated (it has no body)");
  *body_offset = at;
  return h;
}

Result<crypto::SecretBytes> Open(const RecordKeys& keys, std::string_view r,
                                 const EncryptionContext& context) {
  size_t body_at = 0;
  KEEP_ASSIGN_OR_RETURN(Header h, ParseHeader(r, &body_at));
  std::string mac_input;
  AppendMacInput(h, mac_input);
  std::array<uint8_t, 32> mac{};
  KEEP_RETURN_IF_ERROR(keys.Mac(AsBytes(mac_input), context, mac));
  if (!crypto::ConstantTimeEquals(mac, h.mac)) {
    return InvalidArgument(
        "the record does not open with this data key and context (wrong context, or altered)",
        "wrong_key");
  }
  StackKey payload;
  KEEP_RETURN_IF_ERROR(keys.PayloadKey(h.nonce, payload.bytes));
  const ByteView body(reinterpret_cast<const uint8_t*>(r.data()) + body_at, r.size() - body_at);
  const size_t full = h.segment_size() + kTag;
  const size_t segments = (body.size() + full - 1) / full;  // body.size() >= kTag
  const size_t last_size = body.size() - (segments - 1) * full;
  if (last_size < kTag) return Bad("the record is truncated (its last segment is cut)");
  if (last_size == kTag && segments > 1) {
    return Bad("an empty last segment follows a full one (not made by keep)");
  }
  crypto::SecretBytes plain(body.size() - segments * kTag);
  size_t in = 0, out = 0;
  for (uint64_t i = 0; i < segments; ++i) {
    const bool last = i + 1 == segments;
    const size_t sealed = last ? last_size : full;
    const auto nonce = file::SegmentNonce(i, last);
    Status s = crypto::AeadOpen(crypto::AeadAlgorithm::kAesGcm, payload.view(), nonce, {},
                                body.subspan(in, sealed),
                                plain.mutable_view().subspan(out, sealed - kTag));
    if (!s.ok()) {
      return Bad(last ? "the record is truncated or extended, or its last segment was altered"
                      : "segment " + std::to_string(i) +
                            " failed authentication (altered, reordered or duplicated)");
    }
    in += sealed;
    out += sealed - kTag;
  }
  return plain;
}

Result<std::string> ReplaceWrapped(std::string_view r, std::string_view wrapped) {
  size_t body_at = 0;
  KEEP_ASSIGN_OR_RETURN(Header h, ParseHeader(r, &body_at));
  if (wrapped.empty() || wrapped.size() > kMaxWrapped) {
    return Bad("the wrapped data key has 1 to 2048 bytes");
  }
  const size_t wrapped_at = body_at - h.wrapped.size();
  std::string out(r.substr(0, wrapped_at - 2));
  out += static_cast<char>(wrapped.size() >> 8);
  out += static_cast<char>(wrapped.size() & 0xff);
  out += wrapped;
  out += r.substr(body_at);
  return out;
}

}  // namespace keep::format::record
