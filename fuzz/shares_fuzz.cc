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
  if (record.ok()) {  // consistent, whatever the input said
    if (record->share_kind) {
      FUZZ_CHECK(1 <= record->threshold && record->threshold <= record->shares &&
                 record->shares <= 255 &&
                 record->verifiers.size() == static_cast<size_t>(record->shares));
    } else {
      FUZZ_CHECK(record->shares == 0 && record->threshold == 0 && record->verifiers.empty());
    }
  }
  return 0;
}
