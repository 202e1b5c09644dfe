// In-process benchmarks of the envelope path, layer by layer, so a regression shows
// where it is: primitives → ciphertext format → service (key lookup) → API (JSON).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "common/encoding.h"
#include "crypto/kdf.h"
#include "crypto/random.h"
#include "format/ciphertext.h"
#include "format/context.h"
#include "format/record.h"
#include "http/api.h"
#include "seal/dev_file_seal.h"
#include "store/sqlite_store.h"

namespace keep {
namespace {

namespace fs = std::filesystem;

crypto::SecretBytes Key() {
  return *crypto::RandomSecret(32);
}
format::VersionKey VKey() {
  return *format::VersionKey::Derive(Key());
}

void BM_Hkdf64(benchmark::State& st) {
  auto k = Key();
  uint8_t salt[16] = {}, out[64];
  for (auto _ : st) {
    benchmark::DoNotOptimize(crypto::HkdfSha256(k.view(), salt, AsBytes("info"), out));
  }
}
BENCHMARK(BM_Hkdf64);

void BM_FormatEncrypt(benchmark::State& st) {
  auto k = VKey();
  const auto alg =
      st.range(0) == 0 ? crypto::AeadAlgorithm::kAesGcm : crypto::AeadAlgorithm::kChaCha20Poly1305;
  format::Header h{alg, {}, 1};
  Bytes msg(static_cast<size_t>(st.range(1)), 7);
  Bytes ctx = format::CanonicalContext({{"tenant", "42"}});
  for (auto _ : st) benchmark::DoNotOptimize(format::Encrypt(h, k, ctx, msg));
  st.SetBytesProcessed(st.iterations() * st.range(1));
}
BENCHMARK(BM_FormatEncrypt)->Args({0, 64})->Args({1, 64})->Args({0, 4096})->Args({0, 1 << 20});

void BM_FormatDecrypt(benchmark::State& st) {
  auto k = VKey();
  format::Header h{crypto::AeadAlgorithm::kAesGcm, {}, 1};
  Bytes msg(64, 7), ctx = format::CanonicalContext({});
  Bytes ct = *format::Encrypt(h, k, ctx, msg);
  for (auto _ : st) benchmark::DoNotOptimize(format::Decrypt(ct, k, ctx));
}
BENCHMARK(BM_FormatDecrypt);

// A record sealed and opened with the data key's derived keys at hand (what
// keep::Envelope does per record on a warm cache, minus the cache lookup).
void BM_RecordSeal(benchmark::State& st) {
  auto keys = format::record::RecordKeys::Derive(Key().view());
  const format::EncryptionContext ctx{{"table", "orders"}};
  const Bytes plain(static_cast<size_t>(st.range(0)), 0x61);
  format::record::Header h;
  h.key_name = "bench";
  h.partition_keys = {"table"};
  h.wrapped = "keep:" + std::string(110, 'A');
  for (auto _ : st) benchmark::DoNotOptimize(format::record::Seal(*keys, h, ctx, plain));
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_RecordSeal)->Arg(64)->Arg(4096);

void BM_RecordOpen(benchmark::State& st) {
  auto keys = format::record::RecordKeys::Derive(Key().view());
  const format::EncryptionContext ctx{{"table", "orders"}};
  format::record::Header h;
  h.key_name = "bench";
  h.partition_keys = {"table"};
  h.wrapped = "keep:" + std::string(110, 'A');
  const auto r = format::record::Seal(*keys, h, ctx, Bytes(static_cast<size_t>(st.range(0)), 0x61));
  for (auto _ : st) benchmark::DoNotOptimize(format::record::Open(*keys, *r, ctx));
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_RecordOpen)->Arg(64)->Arg(4096);

// A service and API over a real SQLite store in a temp dir.
struct Fixture {
  fs::path dir;
  std::unique_ptr<service::Service> svc;
  audit::LogSink sink;
  std::unique_ptr<http::Api> api;
  std::string token;
  Fixture() {
    dir = fs::temp_directory_path() / ("keep-bench-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    svc = std::make_unique<service::Service>(
        *store::OpenSqliteStore((dir / "keep.db").string()),
        std::make_unique<seal::DevFileSeal>((dir / "root.key").string()));
    auto init = *svc->custody().Init();
    token = std::string(AsChars(init.root_token.view()));
    access::RequestContext ctx;
    (void)svc->CreateKey(ctx, {"bench"});
    api = std::make_unique<http::Api>(*svc, sink, http::ApiOptions{});
  }
  ~Fixture() {
    api.reset();
    svc.reset();
    fs::remove_all(dir);
  }
};

Fixture& F() {
  static Fixture f;
  return f;
}

void BM_ServiceEncrypt64(benchmark::State& st) {
  Bytes msg(64, 1);
  access::RequestContext ctx;
  for (auto _ : st) benchmark::DoNotOptimize(F().svc->Encrypt(ctx, "bench", msg, {}));
}
BENCHMARK(BM_ServiceEncrypt64)->ThreadRange(1, 2);

void BM_ApiEncrypt64(benchmark::State& st) {
  const std::string body = "{\"plaintext\":\"" + Base64Encode(Bytes(64, 1)) + "\"}";
  for (auto _ : st) {
    http::HttpRequest r{"POST", "/v1/keys/bench/encrypt", "Bearer " + F().token, body, "127.0.0.1"};
    benchmark::DoNotOptimize(F().api->Handle(r));
  }
}
BENCHMARK(BM_ApiEncrypt64)->ThreadRange(1, 2);

void BM_ApiBatchEncrypt(benchmark::State& st) {
  std::string body = "{\"batch\":[";
  const std::string item = "{\"plaintext\":\"" + Base64Encode(Bytes(64, 1)) + "\"}";
  for (int i = 0; i < st.range(0); ++i) body += (i ? "," : "") + item;
  body += "]}";
  for (auto _ : st) {
    http::HttpRequest r{"POST", "/v1/keys/bench/encrypt", "Bearer " + F().token, body, "127.0.0.1"};
    benchmark::DoNotOptimize(F().api->Handle(r));
  }
  st.SetItemsProcessed(st.iterations() * st.range(0));
}
BENCHMARK(BM_ApiBatchEncrypt)->Arg(1000)->ThreadRange(1, 2);

}  // namespace
}  // namespace keep

BENCHMARK_MAIN();
