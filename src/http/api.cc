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

HttpResponse Api::Sys(Call& call) {
  const auto& s = call.segments;
  if (s.size() != 3) return ErrorResponse(NotFound("no such route"), call.request_id);
  const std::string_view op = s[2];
  if (op == "health") return SysHealth(call);
  if (op != "init" && op != "unseal" && op != "seal" && op != "rotate") {
    return ErrorResponse(NotFound("no such route"), call.request_id);
  }
  if (call.req.method != "POST") return MethodNotAllowed("POST", call.request_id);
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return ErrorResponse(st, call.request_id);
  if (op == "init") return SysInit(call, body.value());
  if (op == "unseal") return SysUnseal(call, body.value());
  return SysAdmin(call, op, body.value());
}

HttpResponse Api::SysHealth(Call& call) {
  if (call.req.method != "GET" && call.req.method != "HEAD") {
    return MethodNotAllowed("GET", call.request_id);
  }
  auto h = service_.GetHealth();
  if (!h.ok()) return ErrorResponse(h.status(), call.request_id);
  const int status = !h->initialized ? 501 : h->sealed ? 503 : 200;
  json::object o{{"initialized", h->initialized},
                 {"sealed", h->sealed},
                 {"seal_type", service_.SealKind()},
                 {"version", options_.version},
                 {"node_id", service_.node_id()}};
  const service::Replication r = service_.GetReplication();
  if (r.enabled) {
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    o["replication"] = json::object{
        {"connected", r.connected},
        {"lag_ms", r.last_sync_ms ? std::max<int64_t>(0, now_ms - r.last_sync_ms) : -1},
        {"changes_applied", r.changes_applied},
        {"reconnects", r.reconnects}};
  }
  return JsonResponse(status, json::serialize(o));
}

HttpResponse Api::SysInit(Call& call, const json::value& body) {
  auto o = AsObject(body, {"shares", "threshold"});
  if (!o.ok()) return ErrorResponse(o.status(), call.request_id);
  if ((*o)->contains("shares") || (*o)->contains("threshold")) {
    return ErrorResponse(
        InvalidArgument("this server uses the " + std::string(service_.SealKind()) +
                        " seal, which does not split the root key into shares"),
        call.request_id);
  }
  auto r = service_.Init();
  if (!r.ok()) return ErrorResponse(r.status(), call.request_id);
  HttpResponse resp = JsonResponse(200, "{\"shares\":[],\"root_token\":\"");
  resp.body += AsChars(r->root_token.view());
  resp.body += "\"}";
  resp.sensitive = true;
  return resp;
}

HttpResponse Api::SysUnseal(Call& call, const json::value& body) {
  auto o = AsObject(body, {"share", "reset"});
  if (!o.ok()) return ErrorResponse(o.status(), call.request_id);
  if ((*o)->contains("share")) {
    return ErrorResponse(
        InvalidArgument("this server uses the " + std::string(service_.SealKind()) +
                        " seal, which takes no shares"),
        call.request_id);
  }
  auto r = service_.Unseal();
  if (!r.ok()) return ErrorResponse(r.status(), call.request_id);
  return JsonResponse(
      200, json::serialize(json::object{
               {"sealed", r->sealed}, {"progress", r->progress}, {"threshold", r->threshold}}));
}

// seal and rotate: authenticated, authorized and audited.
HttpResponse Api::SysAdmin(Call& call, std::string_view op, const json::value& body) {
  auto fail = [&](const Status& st) {
    call.event.outcome = std::string(st.reason());
    return Finish(call, ErrorResponse(st, call.request_id));
  };
  if (Status st = Authenticate(call); !st.ok()) return fail(st);
  const auto aop = op == "seal" ? access::Operation::kSysSeal : access::Operation::kSysRotate;
  if (Status st = Authorize(call, aop, ""); !st.ok()) return fail(st);
  if (auto o = AsObject(body, {}); !o.ok()) return fail(o.status());
  if (op == "seal") {
    // The record is appended before sealing: later the trail itself is behind the barrier.
    HttpResponse resp = Finish(call, JsonResponse(204, ""));
    if (resp.status != 204) return resp;
    if (Status st = service_.Seal(); !st.ok()) return ErrorResponse(st, call.request_id);
    return resp;
  }
  auto term = service_.RotateKeyring();
  if (!term.ok()) return fail(term.status());
  return Finish(call, JsonResponse(200, json::serialize(json::object{{"term", *term}})));
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
  HttpResponse r = JsonResponse(200, std::move(out));
  r.content_type = "text/plain; version=0.0.4";
  return r;
}

}  // namespace keep::http
