// KMIP TTLV (src/kmip/ttlv.h), request messages (message.h) and managed objects
// (object.h, keyblock.h): Decode, then ParseRequest, the attribute parsers, the stored-object
// decoder and the key-block reader for every object type. Checks: no crash, hang or leak;
// a rejection is one of the documented reasons; what decodes re-encodes to exactly the
// input (the codec is canonical) and its length matches MessageLength; a parsed request
// has 1 to kMaxBatchItems items; an object read from a key block is given back by Get.
#include "fuzz_check.h"
#include "kmip/keyblock.h"
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
  auto len = kmip::MessageLength(in, size + 8);
  FUZZ_CHECK(len.ok() && *len == size);
  if (auto req = kmip::ParseRequest(*item); req.ok()) {
    FUZZ_CHECK(!req->items.empty() && req->items.size() <= kmip::kMaxBatchItems);
  } else {
    FUZZ_CHECK(req.status().reason() == "bad_request");
  }
  auto known = [](std::string_view r) {
    return r == "bad_request" || r == "kmip_missing_data" || r == "kmip_format_not_supported" ||
           r == "kmip_feature_not_supported";
  };
  if (auto a = kmip::ParseAttribute(*item); !a.ok()) FUZZ_CHECK(known(a.status().reason()));
  if (auto a = kmip::ParseAttributes(&*item); !a.ok()) FUZZ_CHECK(known(a.status().reason()));
  if (auto o = kmip::DecodeObject(in); o.ok()) {
    auto back = kmip::DecodeObject(kmip::EncodeObject(*o).view());
    FUZZ_CHECK(back.ok() && back->uid == o->uid && back->attributes.size() == o->attributes.size());
  } else {
    FUZZ_CHECK(known(o.status().reason()));
  }
  for (uint32_t t : {1u, 2u, 3u, 4u, 5u, 7u, 8u}) {
    kmip::ManagedObject o;
    o.type = static_cast<kmip::ObjectType>(t);
    auto facts = kmip::ReadObject(*item, o);
    if (!facts.ok()) {
      FUZZ_CHECK(known(facts.status().reason()));
      continue;
    }
    FUZZ_CHECK(kmip::ObjectItem(o, std::nullopt).ok());
  }
  return 0;
}
