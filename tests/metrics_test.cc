// /metrics against a real keepd: the scrape parses as Prometheus text exposition 0.0.4
// (every sample under a declared family, counters named _total, histograms cumulative
// with +Inf equal to _count, label values from bounded sets), and the families count what
// was really done — requests by operation and outcome over the REST door, batch items,
// latencies, rate-limit refusals, a lockdown, and the durable trail's commits.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "harness.h"

namespace keep::testing {
namespace {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct Scrape {
  std::map<std::string, std::string> types;  // family → type
  std::vector<Sample> samples;
  std::string error;  // "" when the text is well-formed

  // The sample `name` whose labels include all of `want`; NAN when there is none.
  double Value(const std::string& name, const std::map<std::string, std::string>& want = {}) const {
    for (const Sample& s : samples) {
      if (s.name != name) continue;
      bool match = true;
      for (const auto& [k, v] : want) {
        auto it = s.labels.find(k);
        if (it == s.labels.end() || it->second != v) match = false;
      }
      if (match) return s.value;
    }
    return NAN;
  }
};

// The family a sample belongs to (a histogram's _bucket/_sum/_count are its family's).
std::string FamilyOf(const std::string& name, const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s(suffix);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      const std::string base = name.substr(0, name.size() - s.size());
      auto it = types.find(base);
      if (it != types.end() && it->second == "histogram") return base;
    }
  }
  return name;
}

Scrape Parse(const std::string& text) {
  Scrape out;
  static const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*)");
  static const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram))");
  static const std::regex sample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (-?[0-9.e+-]+|\+Inf|NaN))");
  static const std::regex label(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="([^"\\]*)"(,|$))re");
  std::istringstream lines(text);
  int n = 0;
  for (std::string line; std::getline(lines, line);) {
    ++n;
    std::smatch m;
    auto fail = [&](const std::string& why) {
      if (out.error.empty()) out.error = "line " + std::to_string(n) + ": " + why + ": " + line;
    };
    if (std::regex_match(line, m, help)) continue;
    if (std::regex_match(line, m, type)) {
      if (out.types.count(m[1])) fail("family declared twice");
      out.types[m[1]] = m[2];
      continue;
    }
    if (!std::regex_match(line, m, sample)) {
      fail("not a sample");
      continue;
    }
    Sample s;
    s.name = m[1];
    s.value = std::stod(m[4]);
    std::string labels = m[3];
    static const std::regex labels_form(
        R"re(([a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")*)re");
    if (m[2].matched && !std::regex_match(labels, labels_form)) fail("malformed labels");
    for (std::sregex_iterator it(labels.begin(), labels.end(), label), end; it != end; ++it) {
      s.labels[(*it)[1]] = (*it)[2];
    }
    const std::string family = FamilyOf(s.name, out.types);
    if (!out.types.count(family)) fail("sample before its # TYPE");
    if (out.types[family] == "counter" && !family.ends_with("_total")) {
      fail("a counter not named _total");
    }
    out.samples.push_back(std::move(s));
  }
  // Histograms: buckets cumulative, ending with +Inf equal to _count.
  for (const auto& [family, t] : out.types) {
    if (t != "histogram") continue;
    std::map<std::string, std::vector<double>> buckets;  // series (labels without le) → counts
    for (const Sample& s : out.samples) {
      if (s.name != family + "_bucket") continue;
      std::string series;
      for (const auto& [k, v] : s.labels) {
        if (k != "le") series += k + "=" + v + ",";
      }
      buckets[series].push_back(s.value);
      if (s.labels.at("le") == "+Inf") {
        auto labels = s.labels;
        labels.erase("le");
        if (out.Value(family + "_count", labels) != s.value)
          out.error = family + ": +Inf != _count";
      }
    }
    for (const auto& [series, counts] : buckets) {
      for (size_t i = 1; i < counts.size(); ++i) {
        if (counts[i] < counts[i - 1]) out.error = family + "{" + series + "}: not cumulative";
      }
    }
  }
  return out;
}

Scrape ScrapeOf(const Keepd& server) {
  auto r = server.NewClient("", 10000)->Send("GET", "/metrics", "");
  EXPECT_TRUE(r.ok());
  if (!r.ok()) return {};
  EXPECT_EQ(r->status, 200);
  Scrape s = Parse(std::string(r->body.begin(), r->body.end()));
  EXPECT_EQ(s.error, "") << std::string(r->body.begin(), r->body.end());
  return s;
}

TEST(Metrics, TheParserRefusesWhatPrometheusWould) {
  EXPECT_NE(Parse("keep_x_total 1\n").error, "");                   // no # TYPE
  EXPECT_NE(Parse("# TYPE keep_x counter\nkeep_x 1\n").error, "");  // counter without _total
  EXPECT_NE(Parse("# TYPE keep_x_total counter\nkeep_x_total{a=b} 1\n").error, "");
  EXPECT_NE(Parse("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
                  "h_count 1\n")
                .error,
            "");
  EXPECT_EQ(Parse("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
                  "h_sum 0.5\nh_count 2\n")
                .error,
            "");
}

TEST(Metrics, CountRequestsByOperationAndOutcomeWithLatenciesAndTheTrail) {
  Keepd server;
  server.Start();
  auto c = server.NewClient();
  ASSERT_EQ(c->Send("POST", "/v1/keys", R"({"name":"m"})")->status, 201);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(c->Send("POST", "/v1/keys/m/encrypt", R"({"plaintext":"aGVsbG8="})")->status, 200);
  }
  ASSERT_EQ(c->Send("POST", "/v1/keys/m/encrypt",
                    R"({"batch":[{"plaintext":"YQ=="},{"plaintext":"Yg=="},{"plaintext":"Yw=="},)"
                    R"({"plaintext":"ZA=="}]})")
                ->status,
            200);
  EXPECT_EQ(c->Send("POST", "/v1/keys/m/decrypt", R"({"ciphertext":"keep:garbage"})")->status, 400);
  EXPECT_EQ(c->Send("POST", "/v1/keys/absent/encrypt", R"({"plaintext":"aGVsbG8="})")->status, 404);
  EXPECT_EQ(server.NewClient("")->Send("POST", "/v1/keys/m/encrypt", "{}")->status, 401);

  const Scrape s = ScrapeOf(server);
  EXPECT_EQ(s.types.at("keep_requests_total"), "counter");
  EXPECT_EQ(s.types.at("keep_request_duration_seconds"), "histogram");
  EXPECT_EQ(s.Value("keep_requests_total", {{"operation", "encrypt"}, {"outcome", "ok"}}), 4);
  EXPECT_EQ(s.Value("keep_requests_total", {{"operation", "key.create"}, {"outcome", "ok"}}), 1);
  const double bad = s.Value("keep_requests_total", {{"operation", "decrypt"}});
  EXPECT_EQ(bad, 1) << "the malformed decrypt, under its reason code";
  EXPECT_EQ(s.Value("keep_requests_total", {{"operation", "encrypt"}, {"outcome", "not_found"}}),
            1);
  EXPECT_EQ(
      s.Value("keep_requests_total", {{"operation", "encrypt"}, {"outcome", "unauthenticated"}}),
      1);
  EXPECT_EQ(s.Value("keep_batch_items_total", {{"operation", "encrypt"}}), 4);
  // Every encrypt answered is in its latency histogram, under a second here.
  EXPECT_EQ(s.Value("keep_request_duration_seconds_count", {{"operation", "encrypt"}}), 6);
  EXPECT_GE(
      s.Value("keep_request_duration_seconds_bucket", {{"operation", "encrypt"}, {"le", "1"}}), 4);
  // The durable trail (audit.fsync defaults to true): every request above went through it.
  EXPECT_GE(s.Value("keep_audit_records_total"), 8);
  EXPECT_GE(s.Value("keep_audit_commit_seconds_count"), 1);
  EXPECT_EQ(s.Value("keep_audit_queue_depth"), 0);
  EXPECT_EQ(s.Value("keep_audit_failures_total"), 0);
  EXPECT_EQ(s.Value("keep_sealed"), 0);
  EXPECT_EQ(s.Value("keep_http_connections") >= 1, true);
  // Label values come from bounded sets: no key name, no path, no request data.
  for (const Sample& x : s.samples) {
    for (const auto& [k, v] : x.labels) {
      EXPECT_EQ(v.find("absent"), std::string::npos) << x.name;
      EXPECT_EQ(v.find('/'), std::string::npos) << x.name;
    }
  }
}

TEST(Metrics, CountRateLimitRefusalsAndLockdowns) {
  Keepd server(
      "\n[rate_limits]\nidentity_encrypt = 1\nburst_seconds = 1\n"
      "[lockdown]\nidentity_decrypt_budget = 2\nwindow = \"1h\"\naction = \"revoke\"\n");
  server.Start();
  auto root = server.NewClient();
  ASSERT_EQ(root->Send("POST", "/v1/keys", R"({"name":"m"})")->status, 201);
  const std::string policy = server.dir() + "/reader.json";
  std::ofstream(policy) << R"({"rules":[{"keys":"m","capabilities":["decrypt"]}]})";
  ASSERT_EQ(server.Cli({"policy", "write", "reader", policy}).exit_code, 0);
  auto tok = server.Cli({"--format", "json", "token", "create", "-p", "reader"});
  ASSERT_EQ(tok.exit_code, 0) << tok.err;
  const size_t at = tok.out.find("\"token\":\"") + 9;  // {"token":"…", …}
  const std::string reader = tok.out.substr(at, tok.out.find('"', at) - at);

  auto enc = root->Send("POST", "/v1/keys/m/encrypt", R"({"plaintext":"aGVsbG8="})");
  ASSERT_EQ(enc->status, 200);
  // A batch of 2 is more than a bucket of 1 ever admits: refused without Retry-After.
  EXPECT_EQ(root->Send("POST", "/v1/keys/m/encrypt",
                       R"({"batch":[{"plaintext":"YQ=="},{"plaintext":"Yg=="}]})")
                ->status,
            429);
  const std::string answer(enc->body.begin(), enc->body.end());
  const std::string ct = answer.substr(answer.find("keep:"));
  const std::string body = R"({"ciphertext":")" + ct.substr(0, ct.find('"')) + R"("})";
  auto as_reader = server.NewClient(reader);
  auto first = as_reader->Send("POST", "/v1/keys/m/decrypt", body);
  EXPECT_EQ(first->status, 200) << std::string(first->body.begin(), first->body.end()) << body;
  EXPECT_EQ(as_reader->Send("POST", "/v1/keys/m/decrypt", body)->status, 200);
  EXPECT_EQ(as_reader->Send("POST", "/v1/keys/m/decrypt", body)->status, 503);  // over budget

  const Scrape s = ScrapeOf(server);
  EXPECT_EQ(s.Value("keep_rate_limited_total", {{"operation", "encrypt"}}), 1);
  EXPECT_EQ(s.Value("keep_requests_total", {{"operation", "encrypt"}, {"outcome", "rate_limited"}}),
            1);
  EXPECT_EQ(s.Value("keep_lockdowns_total", {{"scope", "identity"}}), 1);
  EXPECT_EQ(s.Value("keep_lockdowns_total", {{"scope", "keep"}}), 0);
  EXPECT_EQ(s.Value("keep_requests_total", {{"operation", "decrypt"}, {"outcome", "ok"}}), 2);
  EXPECT_EQ(s.Value("keep_requests_total", {{"operation", "decrypt"}, {"outcome", "locked_down"}}),
            1);
}

}  // namespace
}  // namespace keep::testing
