// The file format's body throughput in memory (no I/O): encrypt and decrypt 64 MiB in
// 64 KiB segments, bytes per second of CPU time. The end-to-end figure against `age`
// belongs to the CLI (issue 6); this isolates the format's cost.
#include <benchmark/benchmark.h>

#include "crypto/random.h"
#include "format/file.h"

namespace keep::format::file {
namespace {

constexpr size_t kSize = 64 << 20;

const Bytes& Plain() {
  static const Bytes p = [] {
    Bytes b(kSize);
    (void)crypto::RandomFill(b);
    return b;
  }();
  return p;
}

// A file key with one (dummy) keep stanza: the body needs a valid header.
Result<NewFile> Key() {
  KEEP_ASSIGN_OR_RETURN(NewFile f, NewFileKey());
  f.header.stanzas.push_back({StanzaType::kKeep, Bytes{'k'}, Bytes{'x'}});
  return f;
}

void BM_FileEncrypt(benchmark::State& state) {
  auto f = Key();
  if (!f.ok()) return state.SkipWithError(f.status().ToString().c_str());
  size_t out = 0;
  for (auto _ : state) {
    auto e = Encryptor::Create(f->file_key, f->header, [&](ByteView b) {
      out += b.size();
      return Status::Ok();
    });
    for (size_t i = 0; i < kSize; i += 1 << 20)
      (void)e->Write(ByteView(Plain()).subspan(i, 1 << 20));
    (void)e->Finish();
  }
  benchmark::DoNotOptimize(out);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kSize));
}
BENCHMARK(BM_FileEncrypt)->Unit(benchmark::kMillisecond);

void BM_FileDecrypt(benchmark::State& state) {
  auto f = Key();
  if (!f.ok()) return state.SkipWithError(f.status().ToString().c_str());
  Bytes sealed;
  sealed.reserve(kSize + kSize / 4096);
  auto e = Encryptor::Create(f->file_key, f->header, [&](ByteView b) {
    Append(sealed, b);
    return Status::Ok();
  });
  (void)e->Write(Plain());
  (void)e->Finish();
  size_t out = 0;
  for (auto _ : state) {
    auto d = Decryptor::Create(f->file_key, f->header, [&](ByteView b) {
      out += b.size();
      return Status::Ok();
    });
    for (size_t i = 0; i < sealed.size(); i += 1 << 20) {
      (void)d->Write(ByteView(sealed).subspan(i, std::min<size_t>(1 << 20, sealed.size() - i)));
    }
    if (!d->Finish().ok()) state.SkipWithError("decrypt failed");
  }
  benchmark::DoNotOptimize(out);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kSize));
}
BENCHMARK(BM_FileDecrypt)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace keep::format::file

BENCHMARK_MAIN();
