// The request path from bytes to response: an HTTP/1.1 request parsed as the server does
// (Boost.Beast, the same limits), screened on its headers, then handled by the REST door
// against a real, unsealed service on an in-memory SQLite store. "ROOT" in the input is
// replaced by the root token, so the fuzzer reaches what only an authorized client can.
// Requests to "/" go to the AWS KMS door; "AWSSIGN" in the Authorization header is replaced
// by a valid SigV4 signature of the request (an access key with the root policy), so the
// fuzzer reaches the AWS operations, not only the signature check.
// The peer door (/v1/peer/…) is reached as a peer: every identity maps to the peer
// "fuzz-peer", which holds the split key "split" (version 1) with this world; requests to
// that peer are answered peer_unavailable (the outbound side is tests/split_e2e_test.cc's).
// Checks, on every answer: never 500 — a client's bytes never cause an internal error
// (501 not_implemented and 503 sealed/locked down/overloaded are documented answers); a body that
// is valid UTF-8 and strict JSON; an X-Request-Id.
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <string>

#include <strings.h>

#include "access/sigv4.h"
#include "audit/sink.h"
#include "common/json_text.h"
#include "common/time.h"
#include "crypto/p256.h"
#include "fuzz_check.h"
#include "http/api.h"
#include "seal/dev_file_seal.h"
#include "store/sqlite_store.h"

using namespace keep;
namespace bhttp = boost::beast::http;

namespace {

class FuzzPeer final : public service::PeerLinks {
 public:
  bool Known(std::string_view peer) const override { return peer == "fuzz-peer"; }
  std::string PeerOf(std::string_view) const override { return "fuzz-peer"; }
  Result<service::KeygenReveal> KeygenCommit(std::string_view,
                                             const service::KeygenOffer&) override {
    return Down();
  }
  Result<Bytes> KeygenFinish(std::string_view, std::string_view, std::string_view,
                             const service::KeygenReveal&) override {
    return Down();
  }
  Result<service::PartialAnswer> Partial(std::string_view,
                                         const service::PartialRequest&) override {
    return Down();
  }

 private:
  static Status Down() { return Status(Code::kUnavailable, "peer_unavailable", "fuzz peer"); }
};

struct World {
  std::unique_ptr<service::Service> svc;
  audit::LogSink sink;
  std::unique_ptr<http::Api> api;
  std::string root;
  std::string aws_id;
  crypto::SecretBytes aws_secret;
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
    access::Identity root{"token:root", "root", {"root"}, "", 0};
    auto aws = world->svc->directory().CreateAwsKey(root, {});
    FUZZ_CHECK(aws.ok());
    world->aws_id = aws->info.access_key_id;
    world->aws_secret = std::move(aws->secret);
    world->svc->SetPeers(std::make_shared<FuzzPeer>());
    auto mine = crypto::p256::RandomScalar();
    auto theirs = crypto::p256::RandomScalar();
    FUZZ_CHECK(mine.ok() && theirs.ok());
    const crypto::SecretBytes raw = keys::VersionMaterial::SplitRaw(
        mine->view(), *crypto::p256::MulBase(mine->view()), *crypto::p256::MulBase(theirs->view()));
    keys::CreateKeyOptions split;
    split.name = "split";
    split.type = keys::KeyType::kSplitP256;
    split.id = format::KeyId{0x5e, 0x11, 0x17};
    split.peer = "fuzz-peer";
    split.material = &raw;
    FUZZ_CHECK(world->svc->CreateKey({}, split).ok());
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
  if (!r.body.empty() &&
      (r.content_type == "application/json" || r.content_type == "application/x-amz-json-1.1")) {
    FUZZ_CHECK(IsValidUtf8(r.body));
    boost::system::error_code ec;
    boost::json::parse(r.body, ec);
    FUZZ_CHECK(!ec);
  }
}

// Replaces "AWSSIGN" in the Authorization header by the request's valid SigV4 signature
// under the world's access key (dated now), so signed requests reach the operations.
void Sign(World& w, http::HttpRequest& req, const std::string& body) {
  if (!req.authorization || req.authorization->view().find("AWSSIGN") == std::string_view::npos) {
    return;
  }
  std::string date = FormatRfc3339(NowUnix());  // 2026-12-01T12:00:00Z → 20261201T120000Z
  std::string amz;
  for (char c : date) {
    if (c != '-' && c != ':') amz += c;
  }
  std::erase_if(req.headers,
                [](const auto& h) { return strcasecmp(h.first.c_str(), "x-amz-date") == 0; });
  req.headers.emplace_back("X-Amz-Date", amz);
  std::string auth = "AWS4-HMAC-SHA256 Credential=" + w.aws_id + "/" + amz.substr(0, 8) +
                     "/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=" +
                     std::string(64, '0');
  bool host = false;
  for (const auto& h : req.headers) host = host || strcasecmp(h.first.c_str(), "host") == 0;
  if (!host) req.headers.emplace_back("Host", "127.0.0.1");
  access::SigV4Expect e;
  e.now_unix = NowUnix();
  const std::string query = req.target.size() > 2 ? req.target.substr(2) : "";
  auto claim = access::DecodeSigV4({req.method, "/", query, req.headers, auth, AsBytes(body)}, e);
  if (!claim.ok()) return;
  auto sig = access::SignSigV4(w.aws_secret.view(), claim->date, claim->region, claim->service,
                               claim->string_to_sign);
  FUZZ_CHECK(sig.ok());
  req.authorization = SecretString(auth.substr(0, auth.size() - 64) + *sig);
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
  if (req.target == "/" || req.target.rfind("/?", 0) == 0) {
    for (const auto& f : msg) {
      if (f.name() != bhttp::field::authorization) {
        req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      }
    }
    Sign(w, req, msg.body());
  }
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
