// Records (docs/formats.md §9): the header parser and the opener under a fixed data key
// and context. Seeds are records sealed under that key, so mutations reach the MAC and
// segment code. Checks: no crash, no leak; a record that opens releases at most what it
// holds; replacing the wrapped key with the one just read gives back the same bytes; a
// header that does not parse does not open.
#include "format/record.h"
#include "fuzz_check.h"

using namespace keep;
namespace rec = format::record;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const rec::RecordKeys keys = *rec::RecordKeys::Derive(Bytes(32, 0x17));
  static const format::EncryptionContext ctx{{"table", "cards"}, {"row", "42"}};
  const std::string_view record(reinterpret_cast<const char*>(data), size);
  size_t body = 0;
  auto h = rec::ParseHeader(record, &body);
  auto opened = rec::Open(keys, record, ctx);
  if (!h.ok()) {
    FUZZ_CHECK(!opened.ok());
    return 0;
  }
  FUZZ_CHECK(body <= size);
  auto same = rec::ReplaceWrapped(record, h->wrapped);
  FUZZ_CHECK(same.ok() && *same == record);
  if (opened.ok()) FUZZ_CHECK(opened->size() + 16 <= size - body);
  return 0;
}
