// Api: the REST door — the native API (docs/api.md) as a pure function from request to
// response.
//
// Every request runs one pipeline: find its row in the route table (routes.h) → the
// operation's spec (access/operation.h) → authenticate → validate the key in the path →
// authorize → rate limits → the handler (decode, call the service, encode) → audit →
// answer. Authentication, authorization, limits and audit happen in that one place for
// every endpoint; handlers only decode and encode (and check per-item keys, where the key
// comes from a ciphertext or the body). Every response carries X-Request-Id. Malformed
// input is a 4xx with a specific code; internal failures are 500 "internal" with the
// detail in the log only. Thread-safe: Handle may be called from every server thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <boost/json/fwd.hpp>

#include "access/gate.h"
#include "audit/sink.h"
#include "http/aws_door.h"
#include "http/door.h"
#include "http/message.h"
#include "service/service.h"

namespace keep::http {

namespace json = boost::json;

enum class CryptoKind { kEncrypt, kDecrypt, kRewrap, kDataKey };

struct ApiOptions {
  size_t max_body_bytes = 1 << 20;         // single requests
  size_t max_batch_body_bytes = 64 << 20;  // encrypt/decrypt/rewrap/datakey endpoints
  size_t max_batch_items = 10000;
  bool metrics_require_token = false;
  bool console_enabled = true;  // GET /ui/…: the web console's files (else 404)
  access::GuardOptions guard;   // anonymous identity, client certificates
  access::RateLimitOptions rate_limits;
  access::LockdownOptions lockdown;
  std::string version = "0.1.0";
  // Responses carry their audit record's ticket instead of waiting for it (the server
  // waits without blocking a thread, so concurrent records share one write and fsync).
  bool async_audit = false;
  AwsOptions aws;  // the AWS KMS door ([aws])
};

// What the transport reports about itself (/metrics).
struct ServerStats {
  int connections = 0;
  int in_flight = 0;  // requests read and not yet answered
};

class Api final : public Door {
 public:
  Api(service::Service& service, audit::Sink& audit, ApiOptions options);

  HttpResponse Handle(HttpRequest& request) override;

  // Called by the transport once the headers are in, before the body is read. A request
  // that will need credentials and carries none that authenticate (and anonymous access is
  // off) is answered here — 401, or 503 sealed — audited like any request, so a client
  // without credentials cannot make keepd receive and hold its body. nullopt: read the
  // body and Handle() it. `head` has no body yet. Endpoints that take no credentials
  // (health, metrics, init, unseal, rekey update) always pass.
  std::optional<HttpResponse> Screen(HttpRequest& head) override;

  // The body limit for a request (the batch limit for batch-capable operations).
  size_t BodyLimitFor(std::string_view method, std::string_view target) const override;
  // For the server: a request whose body exceeded the limit, a malformed request, or one
  // refused for load (`retry_after_s` > 0 adds Retry-After). Also recorded in the audit
  // trail (without waiting for it).
  HttpResponse Reject(const Status& status, std::string_view remote_address = "",
                      int retry_after_s = 0) override;
  // What to send instead of `original` when its audit record failed: 503
  // audit_unavailable (the original's body is wiped when sensitive).
  HttpResponse AuditFailed(HttpResponse& original, std::string_view request_id) override;
  int audit_timeout_ms() const override { return audit_.write_timeout_ms(); }
  // The AWS door's requests ("/") carry signed headers.
  bool WantsHeaders(std::string_view target) const override {
    return target == "/" || target.substr(0, 2) == "/?";
  }
  // The crypto routes (QuickOperation) and the AWS door's (AwsDoor::Quick).
  bool Quick(const HttpRequest& request) const override;
  // Where /metrics gets the server's connection and in-flight counts; set once, before
  // requests are served.
  void SetServerStats(std::function<ServerStats()> f) { server_stats_ = std::move(f); }

  // The Gate every door walks (the keas door on its own listener shares this one).
  access::Gate& gate() { return gate_; }

  // One request's state through the pipeline (api_internal.h).
  struct Call;

 private:
  // Decodes the credentials and the key in the path, and takes the call through the
  // Gate (authentication, authorization, rate limits) as the route and its operation's
  // spec say. OK: run the handler.
  Status Enter(Call& call);
  HttpResponse Run(Call& call);  // the route's handler
  HttpResponse Finish(Call& call, HttpResponse response);
  // The REST form of credentials: "Authorization: Bearer <token>", the client
  // certificate. Errors: unauthenticated for a malformed Authorization header.
  static Result<access::Credentials> CredentialsOf(const HttpRequest& req);
  std::string NextRequestId();

  // Handlers (api_sys.cc, api_access.cc, api_keys.cc, api_crypto.cc).
  HttpResponse Health(Call& call);
  HttpResponse Metrics(Call& call);
  HttpResponse Console(Call& call);  // api_console.cc
  HttpResponse AuditRecords(Call& call);
  HttpResponse Init(Call& call);
  HttpResponse Unseal(Call& call);
  HttpResponse Seal(Call& call);
  HttpResponse RotateKeyring(Call& call);
  HttpResponse Backup(Call& call);  // api_sys.cc
  HttpResponse RekeyStatus(Call& call);
  HttpResponse Nodes(Call& call);
  // The peer door (api_peer.cc).
  HttpResponse PeerKeygenCommit(Call& call);
  HttpResponse PeerKeygenFinish(Call& call);
  HttpResponse PeerPartial(Call& call);
  HttpResponse RekeyCancel(Call& call);
  HttpResponse RekeyInit(Call& call);
  HttpResponse RekeyUpdate(Call& call);
  HttpResponse LockdownList(Call& call);
  HttpResponse LockdownReinstate(Call& call);
  HttpResponse PolicyList(Call& call);
  HttpResponse PolicyRead(Call& call);
  HttpResponse PolicyWrite(Call& call);
  HttpResponse PolicyDelete(Call& call);
  HttpResponse AuditHash(Call& call);
  HttpResponse AuditPublicKey(Call& call);
  HttpResponse TokenList(Call& call);
  HttpResponse TokenCreate(Call& call);
  HttpResponse TokenLookup(Call& call);
  HttpResponse TokenRevoke(Call& call);
  HttpResponse AwsKeyList(Call& call);
  HttpResponse AwsKeyCreate(Call& call);
  HttpResponse AwsKeyRevoke(Call& call);
  HttpResponse KeasImport(Call& call);
  HttpResponse KmipList(Call& call);  // api_kmip.cc: KMIP managed objects for operators
  HttpResponse KmipRead(Call& call);
  HttpResponse KeyList(Call& call);
  HttpResponse KeyCreate(Call& call);
  HttpResponse KeyRead(Call& call);
  HttpResponse KeyUpdate(Call& call);
  HttpResponse KeyDelete(Call& call);
  HttpResponse KeyRotate(Call& call);
  HttpResponse KeyCancelDeletion(Call& call);
  HttpResponse Crypto(Call& call, CryptoKind kind);  // encrypt, decrypt, rewrap, datakey
  HttpResponse Random(Call& call);
  // api_sign.cc: signatures, MACs, public keys.
  HttpResponse PublicKey(Call& call);
  HttpResponse Sign(Call& call);
  HttpResponse Verify(Call& call);
  HttpResponse Hmac(Call& call);
  HttpResponse HmacVerify(Call& call);
  HttpResponse ImportParams(Call& call);  // bring your own key
  HttpResponse Import(Call& call);
  // One encrypt/decrypt/rewrap/datakey item: validates its fields, authorizes where the
  // key comes from the ciphertext, operates; returns the result object as JSON text.
  Result<SecretString> CryptoItem(Call& call, CryptoKind kind, std::string_view path_key,
                                  const json::value& item, std::string_view what);
  Result<SecretString> EncryptItem(Call& call, std::string_view key, const json::object& o,
                                   const format::EncryptionContext& context);
  Result<SecretString> DecryptItem(Call& call, CryptoKind kind, std::string key,
                                   const json::object& o, const format::EncryptionContext& context);
  Result<SecretString> DataKeyItem(Call& call, std::string_view key, const json::object& o,
                                   const format::EncryptionContext& context);
  HttpResponse Batch(Call& call, CryptoKind kind, std::string_view path_key,
                     const json::value& batch);

  service::Service& service_;
  ApiOptions options_;
  audit::Sink& audit_;
  access::Gate gate_;
  AwsDoor aws_;
  std::string id_prefix_;
  std::atomic<uint64_t> counter_{0};
  std::atomic<uint64_t> status_counts_[6] = {};
  std::function<ServerStats()> server_stats_;
};

}  // namespace keep::http
