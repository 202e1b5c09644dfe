// Envelope encryption in the application (issue 14), against a running keepd given by
// KEEP_ADDR, KEEP_TOKEN and KEEP_CACERT (bench/record_bench.sh starts one):
//   1. records sealed per second on one thread with a warm cache, 64 B and 4 KiB, and
//      opened per second (warm decrypt cache);
//   2. keepd requests that N records cost with the default cache, and with none;
//   3. bulk rewrap of records through keepd's batch endpoint (records per second).
// Prints one line per figure; docs/performance.md quotes them.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "keep/client.h"
#include "keep/envelope.h"

using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

[[noreturn]] void Die(const std::string& what, const keep::Status& s) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), s.ToString().c_str());
  std::exit(1);
}

void Throughput(keep::Client& c, size_t size, double min_seconds) {
  keep::Envelope env(c, {.key = "bench"});
  const std::string plain(size, 'p');
  const keep::EncryptionContext ctx{{"table", "orders"}};
  auto first = env.Encrypt(plain, ctx);  // warms the cache
  if (!first.ok()) Die("encrypt", first.status());
  std::vector<std::string> blobs;
  blobs.reserve(1 << 20);
  size_t n = 0;
  const auto t0 = Clock::now();
  while (Seconds(t0) < min_seconds) {
    for (int i = 0; i < 10000; ++i) {
      auto r = env.Encrypt(plain, ctx);
      if (!r.ok()) Die("encrypt", r.status());
      if (blobs.size() < (1u << 16)) blobs.push_back(std::move(*r));
      ++n;
    }
  }
  const double enc = n / Seconds(t0);
  size_t m = 0;
  const auto t1 = Clock::now();
  while (Seconds(t1) < min_seconds) {
    for (const auto& b : blobs) {
      auto r = env.Decrypt(b, ctx);
      if (!r.ok()) Die("decrypt", r.status());
      ++m;
    }
  }
  const double dec = m / Seconds(t1);
  std::printf("warm cache, one thread, %zu B: %.0f records sealed/s, %.0f opened/s (%zu B each)\n",
              size, enc, dec, blobs[0].size());
}

void RequestCount(keep::Client& c, size_t records, keep::CacheLimits limits, const char* label) {
  keep::Envelope env(c, {.key = "bench", .cache = limits});
  const keep::EncryptionContext ctx{{"table", "orders"}};
  const auto t0 = Clock::now();
  for (size_t i = 0; i < records; ++i) {
    auto r = env.Encrypt("sixty-four bytes of record data, roughly what a row holds....", ctx);
    if (!r.ok()) Die("encrypt", r.status());
  }
  const auto s = env.encrypt_cache();
  std::printf("%zu records, %s: %llu keepd requests (%.1f s)\n", records, label,
              static_cast<unsigned long long>(s.misses), Seconds(t0));
}

void BulkRewrap(keep::Client& c, size_t records, size_t batch) {
  keep::Envelope env(c, {.key = "bench",
                         .cache = {.max_messages = 1000},
                         .partition_by = std::vector<std::string>{"table"}});
  std::vector<std::pair<std::string, keep::EncryptionContext>> rows;
  for (size_t i = 0; i < records; ++i) {
    keep::EncryptionContext ctx{{"table", "orders"}, {"row", std::to_string(i)}};
    auto r = env.Encrypt("row " + std::to_string(i), ctx);
    if (!r.ok()) Die("encrypt", r.status());
    rows.emplace_back(std::move(*r), std::move(ctx));
  }
  if (auto r = c.RotateKey("bench"); !r.ok()) Die("rotate", r.status());
  // Records share data keys (1,000 each here): keepd rewraps every record's wrapped key.
  const auto t0 = Clock::now();
  for (size_t at = 0; at < rows.size(); at += batch) {
    std::vector<std::pair<std::string, keep::EncryptionContext>> part(
        rows.begin() + at, rows.begin() + std::min(rows.size(), at + batch));
    auto r = env.RewrapBatch(part);
    if (!r.ok()) Die("rewrap", r.status());
    for (auto& one : *r) {
      if (!one.ok()) Die("rewrap item", one.status());
    }
  }
  std::printf("bulk rewrap, batches of %zu: %.0f records/s (%zu records)\n", batch,
              records / Seconds(t0), records);
}

}  // namespace

int main(int argc, char** argv) {
  const double secs = argc > 1 ? std::atof(argv[1]) : 3.0;
  const size_t records = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1'000'000;
  keep::ClientOptions o;
  if (const char* a = std::getenv("KEEP_ADDR")) o.address = a;
  if (const char* t = std::getenv("KEEP_TOKEN")) o.token = t;
  if (const char* ca = std::getenv("KEEP_CACERT")) o.ca_cert_file = ca;
  auto c = keep::Client::Create(o);
  if (!c.ok()) Die("client", c.status());
  (void)(*c)->CreateKey({"bench"});
  Throughput(**c, 64, secs);
  Throughput(**c, 4096, secs);
  RequestCount(**c, records, {}, "default cache");
  RequestCount(**c, std::min<size_t>(records, 20'000), {.max_age_s = 0}, "no cache");
  BulkRewrap(**c, 100'000, 1000);
  return 0;
}
