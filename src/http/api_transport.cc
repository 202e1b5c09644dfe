// Api: what the transport calls besides Handle — the header screening before a body is
// read, refusals of what never became a request (malformed HTTP, too large, overloaded),
// the audit-failure answer, body limits, and /metrics.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "common/encoding.h"
#include "common/log.h"
#include "common/prometheus.h"
#include "common/time.h"
#include "crypto/random.h"
#include "crypto/secret_bytes.h"
#include "http/api_internal.h"

namespace keep::http {

bool QuickOperation(access::Operation op) {
  using O = access::Operation;
  switch (op) {
    case O::kEncrypt:
    case O::kDecrypt:
    case O::kRewrap:
    case O::kDataKey:
    case O::kSign:
    case O::kVerify:
    case O::kHmac:
    case O::kHmacVerify:
    case O::kRandom:
    case O::kPublicKey:
      return true;
    default:
      return false;
  }
}

bool Api::Quick(const HttpRequest& request) const {
  if (AwsDoor::Claims(request)) return AwsDoor::Quick(request);
  const RouteMatch m = FindRoute(request.method, CleanPath(request.target));
  if (m.route == nullptr || !QuickOperation(m.route->op)) return false;
  const bool opens =
      m.route->op == access::Operation::kDecrypt || m.route->op == access::Operation::kRewrap;
  return !(opens && MayAskThePeer(request.body));
}

size_t Api::BodyLimitFor(std::string_view method, std::string_view target) const {
  const RouteMatch m = FindRoute(method, CleanPath(target));
  return m.route != nullptr && access::Spec(m.route->op).batch ? options_.max_batch_body_bytes
                                                               : options_.max_body_bytes;
}

HttpResponse Api::Reject(const Status& status, std::string_view remote_address, int retry_after_s) {
  const std::string id = NextRequestId();
  HttpResponse r = ErrorResponse(status, id);
  status_counts_[r.status / 100].fetch_add(1, std::memory_order_relaxed);
  // Refused before it was a request (malformed HTTP, body too large): recorded too.
  RecordRejected(audit_, id, r.status, r.error_code, remote_address);
  if (retry_after_s > 0) r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  r.headers.emplace_back("X-Request-Id", id);
  return r;
}

RequestIds::RequestIds(std::string_view prefix) {
  uint8_t rnd[4] = {};
  (void)crypto::RandomFill(rnd);
  prefix_ = std::string(prefix) + "-" + HexEncode(rnd) + "-";
}

std::string RequestIds::Next() {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%012llx",
                static_cast<unsigned long long>(counter_.fetch_add(1, std::memory_order_relaxed)));
  return prefix_ + buf;
}

void RecordRejected(audit::Sink& audit, std::string_view request_id, int status,
                    std::string_view outcome, std::string_view remote_address,
                    std::string_view detail) {
  audit::Event ev;
  ev.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  ev.request_id = std::string(request_id);
  ev.operation = "http.reject";
  ev.status = status;
  ev.outcome = std::string(outcome);
  ev.remote_address = std::string(remote_address);
  ev.detail = std::string(detail);
  audit.AppendAsync(ev);
}

std::optional<HttpResponse> Api::Screen(HttpRequest& head) {
  if (AwsDoor::Claims(head)) {
    auto refused = aws_.Screen(head);
    if (refused) status_counts_[std::min(refused->status / 100, 5)].fetch_add(1);
    return refused;
  }
  const RouteMatch m = FindRoute(head.method, CleanPath(head.target));
  // Unknown routes are refused after the body (a 404 needs no credentials), and routes
  // that take no credentials read theirs.
  if (m.route == nullptr || !access::Spec(m.route->op).credentials) return std::nullopt;
  Call call(head, NextRequestId());
  const log::RequestScope log_scope(call.request_id);
  call.path = CleanPath(head.target);
  call.route = m.route;
  call.param = m.param;
  call.event.operation = std::string(access::OperationName(m.route->op));
  Status st = gate_.Authenticate(call, CredentialsOf(head));
  if (st.ok()) return std::nullopt;
  HttpResponse resp = Finish(call, Err(call, st));
  resp.headers.emplace_back("X-Request-Id", call.request_id);
  status_counts_[std::min(resp.status / 100, 5)].fetch_add(1, std::memory_order_relaxed);
  return resp;
}

HttpResponse Api::AuditFailed(HttpResponse& original, std::string_view request_id) {
  original.body.Wipe();
  if (original.content_type == "application/x-amz-json-1.1") {  // the AWS door's answer
    HttpResponse r;
    r.status = 503;
    r.content_type = original.content_type;
    r.error_code = "audit_unavailable";
    r.body = R"({"__type":"KMSInternalException","message":"the request was refused because its )"
             R"(audit record could not be written"})";
    r.headers.emplace_back("x-amzn-RequestId", std::string(request_id));
    status_counts_[5].fetch_add(1, std::memory_order_relaxed);
    return r;
  }
  HttpResponse r = ErrorResponse(
      Unavailable("audit_unavailable",
                  "the request was refused because its audit record could not be written"),
      request_id);
  status_counts_[5].fetch_add(1, std::memory_order_relaxed);
  return r;
}

HttpResponse Api::Metrics(Call& call) {
  if (options_.metrics_require_token) {
    if (Status st = gate_.Authenticate(call, CredentialsOf(call.req)); !st.ok()) {
      return Err(call, st);
    }
  }
  namespace pm = prometheus;
  std::string out;
  out.reserve(16 << 10);
  pm::Family(&out, "keep_http_responses_total", "counter", "HTTP responses by status class.");
  for (int c = 1; c <= 5; ++c) {
    pm::Sample(&out, "keep_http_responses_total", "class=\"" + std::to_string(c) + "xx\"",
               status_counts_[c].load(std::memory_order_relaxed));
  }
  gate_.metrics().Write(&out);
  audit_.WriteMetrics(&out);
  pm::Single(&out, "keep_sealed", "gauge", "1 when the server is sealed.",
             service_.custody().IsSealed() ? 1 : 0);
  pm::Single(&out, "keep_locked_memory_fallbacks_total", "counter",
             "Long-lived secrets that did not fit the locked heap.", crypto::LockedFallbacks());
  pm::Single(&out, "keep_locked_memory_bytes", "gauge", "Bytes in use in the locked heap.",
             crypto::SecureHeapUsed());
  const service::KeyringStatus ks = service_.GetKeyringStatus();
  pm::Single(&out, "keep_keyring_term", "gauge", "The active keyring term.", ks.active_term);
  pm::Single(&out, "keep_maintenance_passes_total", "counter",
             "Maintenance passes completed (rotation, deletion, automatic unseal).",
             service_.maintenance_passes());
  if (const service::Replication r = service_.GetReplication(); r.enabled) {
    pm::Single(&out, "keep_replication_connected", "gauge",
               "1 when this node follows the other nodes' changes (PostgreSQL LISTEN).",
               r.connected ? 1 : 0);
    const int64_t now = NowUnixMs();
    pm::Family(&out, "keep_replication_lag_seconds", "gauge",
               "Seconds since this node was last known to be caught up with the others.");
    pm::Sample(&out, "keep_replication_lag_seconds", "",
               r.last_sync_ms > 0
                   ? static_cast<double>(std::max<int64_t>(0, now - r.last_sync_ms)) / 1e3
                   : 0.0);
    pm::Single(&out, "keep_replication_changes_applied_total", "counter",
               "Changes made by other nodes and applied here.", r.changes_applied);
    pm::Single(&out, "keep_replication_reconnects_total", "counter",
               "Times the change feed was connected again.", r.reconnects);
  }
  if (server_stats_) {
    const ServerStats st = server_stats_();
    pm::Single(&out, "keep_http_connections", "gauge", "Open client connections.",
               static_cast<uint64_t>(st.connections));
    pm::Single(&out, "keep_http_in_flight", "gauge",
               "Requests being handled (this scrape included).",
               static_cast<uint64_t>(st.in_flight));
  }
  HttpResponse r = JsonResponse(200, std::move(out));
  r.content_type = "text/plain; version=0.0.4";
  return r;
}

}  // namespace keep::http
