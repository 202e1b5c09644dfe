// The audit trail reader (docs/formats.md §7): any bytes as a trail file through the
// verifier (hash chain, seq, record types, checkpoints; live and closed), and each line
// through the record parser. Checks: no crash, no leak; a refusal says where and why.
#include <unistd.h>

#include <fstream>
#include <string>

#include "audit/chain.h"
#include "fuzz_check.h"

using namespace keep;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = [] {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir ? dir : "/tmp") + "/keep-trail-fuzz-" + std::to_string(::getpid());
  }();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  for (bool live : {false, true}) {
    const audit::VerifyReport r = audit::VerifyTrail({path}, {std::nullopt, live});
    if (!r.ok) FUZZ_CHECK(!r.error.empty());
    FUZZ_CHECK(r.records <= size);
  }
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  for (size_t start = 0; start < all.size();) {
    const size_t nl = all.find('\n', start);
    const std::string_view line = all.substr(start, nl == std::string_view::npos ? nl : nl - start);
    bool invalid_utf8 = false;
    (void)audit::ParseRecordLine(line, &invalid_utf8);
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return 0;
}
