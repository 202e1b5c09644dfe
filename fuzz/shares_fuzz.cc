// Shares and the seal record (docs/formats.md §5–6): the text decoder for unseal and
// recovery shares (plain and encrypted) and the stored seal record's parser. Checks: no
// crash or leak; every refusal carries invalid_share (shares) or a plain bad_request.
#include <string>

#include "fuzz_check.h"
#include "seal/shares.h"

using namespace keep;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto share = seal::DecodeShare(text);
  if (!share.ok()) {
    FUZZ_CHECK(!share.status().message().empty());
  }
  auto record = seal::SealRecord::Parse(ByteView(data, size));
  if (record.ok()) {
    FUZZ_CHECK(record->threshold <= record->shares || record->shares == 0);
  }
  return 0;
}
