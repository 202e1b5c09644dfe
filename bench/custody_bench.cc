// Root-key custody costs: unsealing with shares, rekey, and re-encrypting the store to a
// new keyring term (records per second), on a real SQLite file.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "common/log.h"
#include "keys/barrier.h"
#include "seal/provider.h"
#include "service/service.h"
#include "store/sqlite_store.h"

namespace keep {
namespace {

namespace fs = std::filesystem;

fs::path TempDir(const std::string& name) {
  auto d = fs::temp_directory_path() / ("keep-cbench-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string Text(const crypto::SecretBytes& s) {
  return std::string(AsChars(s.view()));
}

// Seal, then give M of N shares (decode, checksum, verifier, combine, open the keyring).
void BM_UnsealWithShares(benchmark::State& st) {
  const auto dir = TempDir("unseal");
  service::Service svc(*store::OpenSqliteStore((dir / "keep.db").string()),
                       std::make_unique<seal::ShamirSeal>());
  const int n = static_cast<int>(st.range(0)), m = static_cast<int>(st.range(1));
  auto init = svc.custody().Init({n, m, {}});
  std::vector<std::string> shares;
  for (const auto& s : init->shares) shares.push_back(Text(s));
  for (auto _ : st) {
    (void)svc.custody().Seal();
    for (int i = 0; i < m; ++i)
      benchmark::DoNotOptimize(svc.custody().SubmitUnsealShare(shares[i]));
    if (svc.custody().IsSealed()) st.SkipWithError("did not unseal");
  }
  fs::remove_all(dir);
}
BENCHMARK(BM_UnsealWithShares)->Args({5, 3})->Args({255, 128})->Unit(benchmark::kMicrosecond);

// A whole rekey: start, M shares, new set made and committed (SQLite, synchronous=FULL).
void BM_Rekey(benchmark::State& st) {
  const auto dir = TempDir("rekey");
  service::Service svc(*store::OpenSqliteStore((dir / "keep.db").string()),
                       std::make_unique<seal::ShamirSeal>());
  auto init = svc.custody().Init({5, 3, {}});
  std::vector<std::string> shares;
  for (const auto& s : init->shares) shares.push_back(Text(s));
  for (auto _ : st) {
    auto start = svc.custody().RekeyStart({5, 3, {}});
    Result<service::RekeyUpdate> u = service::RekeyUpdate{};
    for (int i = 0; i < 3; ++i) u = svc.custody().RekeySubmit(start->nonce, shares[i]);
    if (!u.ok() || !u->complete) {
      st.SkipWithError("rekey failed");
      break;
    }
    shares.clear();
    for (const auto& s : u->shares) shares.push_back(Text(s));
  }
  fs::remove_all(dir);
}
BENCHMARK(BM_Rekey)->Unit(benchmark::kMillisecond);

// Re-encryption of `range(0)` records to a new term, as fast as it goes (the background
// job adds a 2 ms pause per 256 records on top).
void BM_ReencryptRecords(benchmark::State& st) {
  const auto dir = TempDir("reenc");
  auto store = *store::OpenSqliteStore((dir / "keep.db").string());
  keys::Barrier b(*store);
  auto root = crypto::SecretBytes::Locked(32);
  (void)b.Initialize(root);
  const Bytes value(200, 7);
  for (int64_t i = 0; i < st.range(0); i += 1000) {
    std::vector<keys::BarrierWrite> batch;
    std::vector<std::string> paths;
    for (int64_t j = i; j < std::min<int64_t>(i + 1000, st.range(0)); ++j) {
      paths.push_back("bench/" + std::to_string(1000000 + j));
    }
    for (const auto& p : paths) batch.push_back({store::WriteOp::Kind::kPut, p, value});
    (void)b.Commit(batch);
  }
  for (auto _ : st) {
    (void)b.Rotate();
    std::string after;
    size_t moved = 0;
    for (;;) {
      auto step = b.Reencrypt(after, 256);
      if (!step.ok()) break;
      moved += step->rewritten;
      if (step->done) break;
      after = step->last_path;
    }
    if (moved != static_cast<size_t>(st.range(0))) st.SkipWithError("not every record moved");
  }
  st.SetItemsProcessed(st.iterations() * st.range(0));
  fs::remove_all(dir);
}
BENCHMARK(BM_ReencryptRecords)->Arg(20000)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace keep

int main(int argc, char** argv) {
  keep::log::SetLevel(keep::log::Level::kWarn);  // init/unseal/rekey log at info
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
