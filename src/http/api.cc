#include "http/api.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "common/encoding.h"
#include "common/log.h"
#include "common/time.h"
#include "crypto/random.h"
#include "http/api_internal.h"

namespace keep::http {

Api::Api(service::Service& service, audit::Sink& audit, ApiOptions options)
    : service_(service), guard_(service.tokens()), audit_(audit), options_(std::move(options)) {
  uint8_t rnd[4];
  if (!crypto::RandomFill(rnd).ok()) rnd[0] = rnd[1] = rnd[2] = rnd[3] = 0;
  id_prefix_ = HexEncode(rnd) + "-";
}

std::string Api::NextRequestId() {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%012llx",
                static_cast<unsigned long long>(counter_.fetch_add(1, std::memory_order_relaxed)));
  return id_prefix_ + buf;
}

size_t Api::BodyLimitFor(std::string_view target) const {
  const std::string_view path = target.substr(0, target.find('?'));
  for (std::string_view suffix : {"/encrypt", "/decrypt", "/rewrap", "/datakey"}) {
    if (path.size() >= suffix.size() && path.substr(path.size() - suffix.size()) == suffix) {
      return options_.max_batch_body_bytes;
    }
  }
  return options_.max_body_bytes;
}

HttpResponse JsonResponse(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse MethodNotAllowed(std::string_view allow, std::string_view request_id) {
  HttpResponse r = ErrorResponse(Status(Code::kMethodNotAllowed, "method_not_allowed",
                                        "method not allowed; use " + std::string(allow)),
                                 request_id);
  r.headers.emplace_back("Allow", std::string(allow));
  return r;
}

HttpResponse Api::Reject(const Status& status) {
  HttpResponse r = ErrorResponse(status, NextRequestId());
  status_counts_[r.status / 100].fetch_add(1, std::memory_order_relaxed);
  return r;
}

HttpResponse Api::Handle(HttpRequest& req) {
  Call call{req, NextRequestId(), {}, {}, {}, {}, {}, false};
  const std::string_view target = req.target;
  const size_t q = target.find('?');
  call.path = target.substr(0, q);
  call.query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  call.ctx.request_id = call.request_id;
  call.ctx.remote_address = req.remote_address;
  call.event.request_id = call.request_id;
  call.event.remote_address = req.remote_address;
  std::string_view rest = call.path;
  while (!rest.empty()) {
    if (rest.front() == '/') {
      rest.remove_prefix(1);
      continue;
    }
    const size_t slash = rest.find('/');
    call.segments.push_back(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  HttpResponse resp = Dispatch(call);
  resp.headers.emplace_back("X-Request-Id", call.request_id);
  status_counts_[std::min(resp.status / 100, 5)].fetch_add(1, std::memory_order_relaxed);
  return resp;
}

HttpResponse Api::Dispatch(Call& call) {
  const auto& s = call.segments;
  if (call.path == "/metrics") return Metrics(call);
  if (s.size() < 2 || s[0] != "v1") {
    return ErrorResponse(NotFound("no such route: " + std::string(call.path.substr(0, 200))),
                         call.request_id);
  }
  if (s[1] == "sys") return Sys(call);
  if (s[1] == "keys") return s.size() == 2 ? Keys(call) : KeyItem(call);
  if ((s[1] == "decrypt" || s[1] == "random") && s.size() == 2) return Crypto(call);
  return ErrorResponse(NotFound("no such route: " + std::string(call.path.substr(0, 200))),
                       call.request_id);
}

Status Api::Authenticate(Call& call) {
  if (service_.IsSealed()) return Unavailable("sealed", "keep is sealed");
  std::optional<std::string_view> bearer;
  if (call.req.authorization) {
    std::string_view h = *call.req.authorization;
    constexpr std::string_view kBearer = "Bearer ";
    if (h.size() <= kBearer.size() || h.substr(0, kBearer.size()) != kBearer) {
      return Unauthenticated("the Authorization header must be 'Bearer <token>'");
    }
    bearer = h.substr(kBearer.size());
  }
  KEEP_ASSIGN_OR_RETURN(call.ctx.identity, guard_.Authenticate(bearer));
  call.event.identity = call.ctx.identity.id;
  call.authenticated = true;
  return Status::Ok();
}

Status Api::Authorize(Call& call, access::Operation op, std::string_view key) {
  call.event.operation = std::string(access::OperationName(op));
  call.event.key = std::string(key);
  return guard_.Authorize(call.ctx.identity, op, key);
}

HttpResponse Api::Finish(Call& call, HttpResponse response) {
  if (call.authenticated || !call.event.operation.empty()) {
    call.event.time = NowUnix();
    if (call.event.operation.empty())
      call.event.operation =
          std::string(call.req.method) + " " + std::string(call.path.substr(0, 100));
    if (call.event.outcome.empty()) call.event.outcome = response.status < 400 ? "ok" : "error";
    Status s = audit_.Append(call.event);
    if (!s.ok()) {
      log::Error("audit append failed for {}: {}", call.request_id, s.ToString());
      return ErrorResponse(Internal("audit failure"), call.request_id);
    }
  }
  return response;
}

HttpResponse Api::Metrics(Call& call) {
  if (call.req.method != "GET") return MethodNotAllowed("GET", call.request_id);
  if (options_.metrics_require_token) {
    if (Status st = Authenticate(call); !st.ok()) return ErrorResponse(st, call.request_id);
  }
  std::string out =
      "# HELP keep_http_responses_total HTTP responses by status class.\n"
      "# TYPE keep_http_responses_total counter\n";
  for (int c = 1; c <= 5; ++c) {
    out += "keep_http_responses_total{class=\"" + std::to_string(c) + "xx\"} " +
           std::to_string(status_counts_[c].load(std::memory_order_relaxed)) + "\n";
  }
  out += "# HELP keep_sealed 1 when the server is sealed.\n# TYPE keep_sealed gauge\n";
  out += std::string("keep_sealed ") + (service_.IsSealed() ? "1" : "0") + "\n";
  out +=
      "# HELP keep_locked_memory_fallbacks_total Long-lived secrets that did not fit the "
      "locked heap.\n# TYPE keep_locked_memory_fallbacks_total counter\n"
      "keep_locked_memory_fallbacks_total " +
      std::to_string(crypto::LockedFallbacks()) + "\n";
  out +=
      "# HELP keep_locked_memory_bytes Bytes in use in the locked heap.\n"
      "# TYPE keep_locked_memory_bytes gauge\nkeep_locked_memory_bytes " +
      std::to_string(crypto::SecureHeapUsed()) + "\n";
  const service::KeyringStatus ks = service_.GetKeyringStatus();
  out +=
      "# HELP keep_keyring_term The active keyring term.\n# TYPE keep_keyring_term gauge\n"
      "keep_keyring_term " +
      std::to_string(ks.active_term) + "\n";
  HttpResponse r = JsonResponse(200, std::move(out));
  r.content_type = "text/plain; version=0.0.4";
  return r;
}

}  // namespace keep::http
