// Api: access control and the audit trail's endpoints.
//   /v1/auth/tokens            POST create, GET list            (tokens)
//   /v1/auth/tokens/self       GET look up, DELETE revoke       (any token)
//   /v1/auth/tokens/{accessor} GET look up, DELETE revoke       (tokens)
//   /v1/sys/policies           GET list                         (policies)
//   /v1/sys/policies/{name}    GET, PUT, DELETE                 (policies)
//   /v1/sys/lockdown           GET locked identities            (sys)
//   /v1/sys/lockdown/reinstate POST {"identity"}                (sys)
//   /v1/sys/audit/hash         POST {"input"} → {"hmac"}        (audit)
//   /v1/sys/audit/public-key   GET → {"public_key"}             (audit)
#include "common/time.h"
#include "http/api_internal.h"

namespace keep::http {
namespace {

json::value Time(int64_t t) {
  return t ? json::value(FormatRfc3339(t)) : json::value(nullptr);
}

json::object TokenJson(const service::TokenInfo& t) {
  json::array pols;
  for (const auto& p : t.policies) pols.emplace_back(p);
  return json::object{{"accessor", t.accessor},
                      {"display_name", t.display_name},
                      {"policies", std::move(pols)},
                      {"parent", t.parent.empty() ? json::value(nullptr) : json::value(t.parent)},
                      {"created_at", Time(t.created_at)},
                      {"expires_at", Time(t.expires_at)}};
}

Result<std::vector<std::string>> StringArray(const json::object& o, std::string_view name) {
  std::vector<std::string> out;
  const json::value* v = o.if_contains(name);
  if (!v) return out;
  if (!v->is_array())
    return InvalidArgument("'" + std::string(name) + "' must be an array of strings");
  for (const auto& e : v->get_array()) {
    if (!e.is_string())
      return InvalidArgument("'" + std::string(name) + "' must be an array of strings");
    out.emplace_back(e.get_string());
  }
  return out;
}

}  // namespace

HttpResponse Api::Tokens(Call& call) {
  const auto& s = call.segments;
  const std::string_view m = call.req.method;
  if (s.size() > 4) return ErrorResponse(NotFound("no such route"), call.request_id);
  if (s.size() == 3 && m != "GET" && m != "POST")
    return MethodNotAllowed("GET, POST", call.request_id);
  if (s.size() == 4 && m != "GET" && m != "DELETE")
    return MethodNotAllowed("GET, DELETE", call.request_id);
  auto fail = [&](const Status& st) { return Finish(call, ErrorResponse(st, call.request_id)); };
  if (Status st = Authenticate(call); !st.ok()) return fail(st);
  const bool self = s.size() == 4 && s[3] == "self";
  if (self && call.ctx.identity.accessor.empty()) {
    return fail(InvalidArgument("this request was not made with a token"));
  }
  const access::Operation op = self                           ? access::Operation::kTokenSelf
                               : s.size() == 3 && m == "POST" ? access::Operation::kTokenCreate
                                                              : access::Operation::kTokenManage;
  if (Status st = Authorize(call, op, ""); !st.ok()) return fail(st);
  if (s.size() == 3 && m == "GET") {
    auto list = service_.ListTokens(call.ctx);
    if (!list.ok()) return fail(list.status());
    json::array a;
    for (const auto& t : *list) a.push_back(TokenJson(t));
    return Finish(call, JsonResponse(200, json::serialize(json::object{{"tokens", std::move(a)}})));
  }
  if (s.size() == 3) {  // create
    ParsedBody body;
    if (Status st = body.Parse(call.req.body); !st.ok()) return fail(st);
    auto o = AsObject(body.value(), {"policies", "ttl", "display_name", "orphan"});
    if (!o.ok()) return fail(o.status());
    service::TokenRequest r;
    auto pols = StringArray(**o, "policies");
    auto ttl = OptString(**o, "ttl");
    auto name = OptString(**o, "display_name");
    auto orphan = OptBool(**o, "orphan");
    if (!pols.ok()) return fail(pols.status());
    if (!ttl.ok()) return fail(ttl.status());
    if (!name.ok()) return fail(name.status());
    if (!orphan.ok()) return fail(orphan.status());
    r.policies = std::move(*pols);
    if (*ttl) {
      auto d = ParseDuration(**ttl);
      if (!d.ok()) return fail(InvalidArgument("ttl: " + d.status().message()));
      if (*d < 1) return fail(InvalidArgument("ttl must be at least 1s"));
      r.ttl_seconds = *d;
    }
    if (*name) r.display_name = std::string(**name);
    r.orphan = orphan->value_or(false);
    auto t = service_.CreateToken(call.ctx, r);
    if (!t.ok()) return fail(t.status());
    call.event.target = "token:" + t->info.accessor;
    std::string granted;
    for (const auto& pol : t->info.policies) granted += (granted.empty() ? "" : ",") + pol;
    call.event.detail = "policies: " + granted;  // who gave which role is in the trail
    json::object info = TokenJson(t->info);
    HttpResponse resp = JsonResponse(201, "{\"token\":\"");
    resp.body += AsChars(t->token.view());  // "keep_" + base64url: nothing to escape
    resp.body += "\",";
    const std::string rest = json::serialize(info);
    resp.body.append(rest, 1, std::string::npos);
    resp.sensitive = true;
    return Finish(call, std::move(resp));
  }
  const std::string accessor = self ? call.ctx.identity.accessor : std::string(s[3]);
  call.event.target = "token:" + accessor.substr(0, 16);
  if (m == "GET") {
    auto t = service_.LookupToken(call.ctx, accessor);
    if (!t.ok()) return fail(t.status());
    return Finish(call, JsonResponse(200, json::serialize(TokenJson(*t))));
  }
  auto n = service_.RevokeToken(call.ctx, accessor);
  if (!n.ok()) return fail(n.status());
  return Finish(call, JsonResponse(200, json::serialize(json::object{{"revoked", *n}})));
}

HttpResponse Api::Policies(Call& call) {
  const auto& s = call.segments;
  const std::string_view m = call.req.method;
  if (s.size() > 4) return ErrorResponse(NotFound("no such route"), call.request_id);
  if (s.size() == 3 && m != "GET") return MethodNotAllowed("GET", call.request_id);
  if (s.size() == 4 && m != "GET" && m != "PUT" && m != "DELETE") {
    return MethodNotAllowed("GET, PUT, DELETE", call.request_id);
  }
  auto fail = [&](const Status& st) { return Finish(call, ErrorResponse(st, call.request_id)); };
  if (Status st = Authenticate(call); !st.ok()) return fail(st);
  const access::Operation op = m == "PUT"      ? access::Operation::kPolicyWrite
                               : m == "DELETE" ? access::Operation::kPolicyDelete
                                               : access::Operation::kPolicyRead;
  if (Status st = Authorize(call, op, ""); !st.ok()) return fail(st);
  if (s.size() == 3) {
    auto names = service_.ListPolicies(call.ctx);
    if (!names.ok()) return fail(names.status());
    json::array a;
    for (const auto& n : *names) a.emplace_back(n);
    return Finish(call,
                  JsonResponse(200, json::serialize(json::object{{"policies", std::move(a)}})));
  }
  const std::string_view name = s[3];
  call.event.target = "policy:" + std::string(name.substr(0, 64));
  if (Status st = service::ValidatePolicyName(name); !st.ok()) return fail(st);
  if (m == "GET") {
    auto p = service_.GetPolicy(call.ctx, name);
    if (!p.ok()) return fail(p.status());
    std::string body = "{\"name\":";
    AppendJsonString(body, name);
    body += "," + service::PolicyJson(**p).substr(1);
    return Finish(call, JsonResponse(200, std::move(body)));
  }
  if (m == "DELETE") {
    Status st = service_.DeletePolicy(call.ctx, name);
    return st.ok() ? Finish(call, JsonResponse(204, "")) : fail(st);
  }
  auto p = service::ParsePolicy(name, call.req.body);
  if (!p.ok()) return fail(p.status());
  if (Status st = service_.PutPolicy(call.ctx, *p); !st.ok()) return fail(st);
  return Finish(call, JsonResponse(204, ""));
}

HttpResponse Api::Lockdown(Call& call) {
  const auto& s = call.segments;
  const std::string_view m = call.req.method;
  const bool reinstate = s.size() == 4 && s[3] == "reinstate";
  if (s.size() > 4 || (s.size() == 4 && !reinstate)) {
    return ErrorResponse(NotFound("no such route"), call.request_id);
  }
  if (!reinstate && m != "GET") return MethodNotAllowed("GET", call.request_id);
  if (reinstate && m != "POST") return MethodNotAllowed("POST", call.request_id);
  auto fail = [&](const Status& st) { return Finish(call, ErrorResponse(st, call.request_id)); };
  if (Status st = Authenticate(call); !st.ok()) return fail(st);
  if (Status st = Authorize(call, access::Operation::kSysLockdown, ""); !st.ok()) return fail(st);
  if (!reinstate) {
    auto locks = service_.ListLocks(call.ctx);
    if (!locks.ok()) return fail(locks.status());
    json::array a;
    for (const auto& l : *locks) {
      a.push_back(json::object{
          {"identity", l.identity}, {"reason", l.reason}, {"locked_at", Time(l.locked_at)}});
    }
    return Finish(call,
                  JsonResponse(200, json::serialize(json::object{{"identities", std::move(a)}})));
  }
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return fail(st);
  auto o = AsObject(body.value(), {"identity"});
  if (!o.ok()) return fail(o.status());
  auto id = ReqString(**o, "identity");
  if (!id.ok()) return fail(id.status());
  call.event.target = std::string(id->substr(0, 200));
  if (Status st = service_.ReinstateIdentity(call.ctx, *id); !st.ok()) return fail(st);
  budget_.Reset(*id);
  return Finish(call, JsonResponse(204, ""));
}

HttpResponse Api::AuditApi(Call& call) {
  const auto& s = call.segments;
  const std::string_view m = call.req.method;
  if (s.size() != 4 || (s[3] != "hash" && s[3] != "public-key")) {
    return ErrorResponse(NotFound("no such route"), call.request_id);
  }
  const bool hash = s[3] == "hash";
  if (hash && m != "POST") return MethodNotAllowed("POST", call.request_id);
  if (!hash && m != "GET") return MethodNotAllowed("GET", call.request_id);
  auto fail = [&](const Status& st) { return Finish(call, ErrorResponse(st, call.request_id)); };
  if (Status st = Authenticate(call); !st.ok()) return fail(st);
  if (Status st = Authorize(call, access::Operation::kAuditHash, ""); !st.ok()) return fail(st);
  if (!hash) {
    auto pem = audit_.PublicKeyPem();
    if (!pem.ok()) return fail(pem.status());
    return Finish(call, JsonResponse(200, json::serialize(json::object{{"public_key", *pem}})));
  }
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return fail(st);
  auto o = AsObject(body.value(), {"input", "context"});
  if (!o.ok()) return fail(o.status());
  // Either a plain value (a token's identity id "token:<accessor>") or a context, which is
  // hashed in its canonical form exactly as the trail does.
  std::string input;
  if ((*o)->contains("context")) {
    if ((*o)->contains("input")) return fail(InvalidArgument("give input or context, not both"));
    auto ctx = OptContext(**o);
    if (!ctx.ok()) return fail(ctx.status());
    const Bytes canon = format::CanonicalContext(*ctx);
    input.assign(canon.begin(), canon.end());
  } else {
    auto in = ReqString(**o, "input");
    if (!in.ok()) return fail(in.status());
    input = std::string(*in);
  }
  auto h = audit_.HmacOf(input);
  if (!h.ok()) return fail(h.status());
  return Finish(call, JsonResponse(200, json::serialize(json::object{{"hmac", *h}})));
}

}  // namespace keep::http
