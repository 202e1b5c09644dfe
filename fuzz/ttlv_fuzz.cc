// KMIP TTLV (src/kmip/ttlv.h) and request messages (message.h): Decode, then ParseRequest.
// Checks: no crash, hang or leak; a rejection is bad_request; what decodes re-encodes to
// exactly the input (the codec is canonical) and its stated length matches
// MessageLength; a parsed request has 1 to kMaxBatchItems items.
#include "fuzz_check.h"
#include "kmip/message.h"

using namespace keep;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView in(data, size);
  auto item = kmip::Decode(in);
  if (!item.ok()) {
    FUZZ_CHECK(item.status().reason() == "bad_request");
    return 0;
  }
  const crypto::SecretBytes again = kmip::Encode(*item);
  FUZZ_CHECK(again.Equals(in));
  if (item->type == kmip::Type::kStructure) {
    auto len = kmip::MessageLength(in, size + 8);
    FUZZ_CHECK(len.ok() && *len == size);
  }
  if (auto req = kmip::ParseRequest(*item); req.ok()) {
    FUZZ_CHECK(!req->items.empty() && req->items.size() <= kmip::kMaxBatchItems);
  } else {
    FUZZ_CHECK(req.status().reason() == "bad_request");
  }
  return 0;
}
