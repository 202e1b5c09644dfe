// Encrypted files (docs/formats.md §8): the header reader on a stream, and the body
// decryptor fed in pieces, under a fixed file key. Inputs that start with a valid header
// sealed under that key reach the segment code. Checks: no crash, no leak, no unbounded
// read; a header that parses serializes back to the bytes read; a body that does not
// authenticate releases nothing.
#include <algorithm>

#include "format/file.h"
#include "fuzz_check.h"

using namespace keep;
namespace ff = format::file;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const crypto::SecretBytes file_key = crypto::SecretBytes::CopyOf(Bytes(32, 0x17));
  size_t pos = 0;
  auto read = [&](uint8_t* buf, size_t n) -> Result<size_t> {
    const size_t k = std::min(n, size - pos);
    std::copy(data + pos, data + pos + k, buf);
    pos += k;
    return k;
  };
  auto h = ff::ReadHeader(read);
  if (!h.ok()) return 0;
  const Bytes again = ff::SerializeHeader(*h);
  FUZZ_CHECK(again.size() == pos && std::equal(again.begin(), again.end(), data));
  if (!ff::VerifyHeader(file_key, *h).ok()) return 0;
  size_t released = 0;
  auto d = ff::Decryptor::Create(file_key, *h, [&](ByteView b) {
    released += b.size();
    return Status::Ok();
  });
  if (!d.ok()) return 0;
  // Feed the body in uneven pieces, as a pipe would.
  Status st;
  for (size_t step = 1; pos < size && st.ok(); step = step * 3 % 7919 + 1) {
    const size_t k = std::min(step, size - pos);
    st = d->Write(ByteView(data + pos, k));
    pos += k;
  }
  if (st.ok()) st = d->Finish();
  FUZZ_CHECK(released <= size);
  return 0;
}
