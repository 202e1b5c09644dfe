#include "format/context.h"

namespace keep::format {

Status ValidateContext(const EncryptionContext& context) {
  if (context.size() > kMaxContextPairs) {
    return InvalidArgument("context has more than 64 entries");
  }
  size_t total = 0;
  for (const auto& [k, v] : context) {
    if (k.empty()) return InvalidArgument("context keys must not be empty");
    total += k.size() + v.size();
  }
  if (total > kMaxContextBytes) return InvalidArgument("context is larger than 8 KiB");
  return Status::Ok();
}

Bytes CanonicalContext(const EncryptionContext& context) {
  Bytes out;
  PutU32(out, static_cast<uint32_t>(context.size()));
  for (const auto& [k, v] : context) {
    PutU32(out, static_cast<uint32_t>(k.size()));
    Append(out, AsBytes(k));
    PutU32(out, static_cast<uint32_t>(v.size()));
    Append(out, AsBytes(v));
  }
  return out;
}

}  // namespace keep::format
