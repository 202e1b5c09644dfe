// Ciphertext v1 in both forms (docs/formats.md §1): text → binary, the header parser, and
// decryption under a fixed version key. Checks: no crash or leak; the text form round
// trips; a header that parses stays within the blob; decryption of anything but a real
// ciphertext fails with invalid_ciphertext or context_mismatch.
#include <string>

#include "format/ciphertext.h"
#include "fuzz_check.h"

using namespace keep;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const format::VersionKey key = [] {
    auto material = crypto::SecretBytes::CopyOf(Bytes(32, 0x42));
    auto derived = format::VersionKey::Derive(material);
    return std::move(derived).value();
  }();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto blob = format::FromText(text); blob.ok()) {
    auto again = format::FromText(format::ToText(*blob));
    FUZZ_CHECK(again.ok() && *again == *blob);
  } else {
    FUZZ_CHECK(blob.status().reason() == "invalid_ciphertext");
  }
  const ByteView bytes(data, size);
  if (auto h = format::ParseHeader(bytes); h.ok()) {
    FUZZ_CHECK(size >= format::kOverhead);
    FUZZ_CHECK(h->key_version >= 1);
    auto plain = format::Decrypt(bytes, key, {});
    FUZZ_CHECK(!plain.ok());  // nothing the fuzzer makes carries a valid tag
    FUZZ_CHECK(plain.status().reason() == "invalid_ciphertext" ||
               plain.status().reason() == "context_mismatch");
  }
  return 0;
}
