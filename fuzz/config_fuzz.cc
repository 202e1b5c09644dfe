// keepd's configuration file (docs/operations.md, "Configuration reference"): any text
// is parsed as TOML and checked key by key. Checks: no crash, no leak, no exception
// escaping; every refusal names what is wrong.
#include <string>

#include "config.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto cfg = keep::keepd::ParseConfig(text, "/nonexistent-base", "fuzz.toml");
  if (!cfg.ok()) {
    FUZZ_CHECK(cfg.status().message().find("fuzz.toml") != std::string::npos);
  }
  return 0;
}
