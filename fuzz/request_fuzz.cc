// The request path from bytes to response: an HTTP/1.1 request parsed as the server does
// (Boost.Beast, the same limits), screened on its headers, then handled by the REST door
// against a real, unsealed service on an in-memory SQLite store. "ROOT" in the input is
// replaced by the root token, so the fuzzer reaches what only an authorized client can.
// Checks, on every answer: never 500 — a client's bytes never cause an internal error
// (501 not_implemented and 503 sealed/locked down/overloaded are documented answers); a body that
// is valid UTF-8 and strict JSON; an X-Request-Id.
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <string>

#include "audit/sink.h"
#include "common/json_text.h"
#include "fuzz_check.h"
#include "http/api.h"
#include "seal/dev_file_seal.h"
#include "store/sqlite_store.h"

using namespace keep;
namespace bhttp = boost::beast::http;

namespace {

struct World {
  std::unique_ptr<service::Service> svc;
  audit::LogSink sink;
  std::unique_ptr<http::Api> api;
  std::string root;
};

World& TheWorld() {
  static World* w = [] {
    auto* world = new World;
    const std::string dir = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") +
                            "/keep-request-fuzz-" + std::to_string(::getpid());
    std::filesystem::create_directories(dir);
    auto store = store::OpenSqliteStore(":memory:");
    FUZZ_CHECK(store.ok());
    world->svc = std::make_unique<service::Service>(
        std::move(*store), std::make_unique<seal::DevFileSeal>(dir + "/root.key"));
    auto init = world->svc->custody().Init({});
    FUZZ_CHECK(init.ok());
    world->root.assign(AsChars(init->root_token.view()));
    http::ApiOptions o;
    o.max_batch_items = 64;
    world->api = std::make_unique<http::Api>(*world->svc, world->sink, o);
    return world;
  }();
  return *w;
}

void CheckAnswer(const http::HttpResponse& r) {
  if (r.status == 500) {
    std::fprintf(stderr, "answer %d: %s\n", r.status, r.body.c_str());
  }
  FUZZ_CHECK(r.status >= 200 && r.status <= 599);
  FUZZ_CHECK(r.status != 500);  // 501 not_implemented and 503 are documented answers
  bool id = false;
  for (const auto& [k, v] : r.headers) id = id || (k == "X-Request-Id" && !v.empty());
  FUZZ_CHECK(id);
  if (!r.body.empty() && r.content_type == "application/json") {
    FUZZ_CHECK(IsValidUtf8(r.body));
    boost::system::error_code ec;
    boost::json::parse(r.body, ec);
    FUZZ_CHECK(!ec);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  World& w = TheWorld();
  std::string input(reinterpret_cast<const char*>(data), size);
  for (size_t at = input.find("ROOT"); at != std::string::npos; at = input.find("ROOT", at)) {
    input.replace(at, 4, w.root);
    at += w.root.size();
  }
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(1 << 20);
  parser.eager(true);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(input), ec);
  if (ec || !parser.is_done()) {
    CheckAnswer(w.api->Reject(InvalidArgument("malformed HTTP request"), "127.0.0.1"));
    return 0;
  }
  auto msg = parser.release();
  http::HttpRequest req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  if (auto it = msg.find(bhttp::field::authorization); it != msg.end()) {
    req.authorization = std::string(it->value());
  }
  req.remote_address = "127.0.0.1";
  if (auto refused = w.api->Screen(req)) {
    CheckAnswer(*refused);
    return 0;
  }
  req.body = std::move(msg.body());
  CheckAnswer(w.api->Handle(req));
  // A fuzzed seal or lockdown would stop every later input at 503: open again.
  if (w.svc->custody().IsSealed()) (void)w.svc->custody().Unseal();
  return 0;
}
