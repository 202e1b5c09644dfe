// Api: the handlers of access control and the audit trail (tokens, policies, lockdown,
// audit hash and public key); routes and capabilities are in routes.cc.
#include "common/time.h"
#include "http/api_internal.h"

namespace keep::http {
namespace {

json::value Time(int64_t t) {
  return t ? json::value(FormatRfc3339(t)) : json::value(nullptr);
}

json::object TokenJson(const access::TokenInfo& t) {
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

HttpResponse Api::TokenList(Call& call) {
  auto list = gate_.directory().ListTokens();
  if (!list.ok()) return Err(call, list.status());
  json::array a;
  for (const auto& t : *list) a.push_back(TokenJson(t));
  return JsonResponse(200, json::serialize(json::object{{"tokens", std::move(a)}}));
}

namespace {

// The body of a token or AWS access key request: policies, ttl, display_name (and orphan
// for tokens). Errors: bad_request naming the field.
Result<access::TokenRequest> CredentialRequest(const json::value& body, bool token) {
  static constexpr std::string_view kToken[] = {"policies", "ttl", "display_name", "orphan"};
  KEEP_ASSIGN_OR_RETURN(const json::object* o,
                        AsObject(body, std::span(kToken).first(token ? 4 : 3)));
  access::TokenRequest r;
  KEEP_ASSIGN_OR_RETURN(r.policies, StringArray(*o, "policies"));
  KEEP_ASSIGN_OR_RETURN(auto ttl, OptString(*o, "ttl"));
  KEEP_ASSIGN_OR_RETURN(auto name, OptString(*o, "display_name"));
  KEEP_ASSIGN_OR_RETURN(auto orphan, OptBool(*o, "orphan"));
  if (ttl) {
    auto d = ParseDuration(*ttl);
    if (!d.ok()) return InvalidArgument("ttl: " + d.status().message());
    if (*d < 1) return InvalidArgument("ttl must be at least 1s");
    r.ttl_seconds = *d;
  }
  if (name) r.display_name = std::string(*name);
  r.orphan = orphan.value_or(false);
  return r;
}

std::string Granted(const std::vector<std::string>& policies) {
  std::string granted;
  for (const auto& pol : policies) granted += (granted.empty() ? "" : ",") + pol;
  return "policies: " + granted;  // who gave which role is in the trail
}

json::object AwsKeyJson(const access::AwsKeyInfo& k) {
  json::array pols;
  for (const auto& p : k.policies) pols.emplace_back(p);
  return json::object{{"access_key_id", k.access_key_id}, {"display_name", k.display_name},
                      {"policies", std::move(pols)},      {"creator", k.creator},
                      {"created_at", Time(k.created_at)}, {"expires_at", Time(k.expires_at)}};
}

}  // namespace

HttpResponse Api::TokenCreate(Call& call) {
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return Err(call, st);
  auto r = CredentialRequest(body.value(), /*token=*/true);
  if (!r.ok()) return Err(call, r.status());
  auto t = gate_.directory().CreateToken(call.ctx.identity, *r);
  if (!t.ok()) return Err(call, t.status());
  call.event.target = "token:" + t->info.accessor;
  call.event.detail = Granted(t->info.policies);
  json::object info = TokenJson(t->info);
  HttpResponse resp = JsonResponse(201, "{\"token\":\"");
  resp.body += AsChars(t->token.view());  // "keep_" + base64url: nothing to escape
  resp.body += "\",";
  const std::string rest = json::serialize(info);
  resp.body.append(rest, 1, std::string::npos);
  return resp;
}

HttpResponse Api::AwsKeyCreate(Call& call) {
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return Err(call, st);
  auto r = CredentialRequest(body.value(), /*token=*/false);
  if (!r.ok()) return Err(call, r.status());
  auto k = gate_.directory().CreateAwsKey(call.ctx.identity, *r);
  if (!k.ok()) return Err(call, k.status());
  call.event.target = "aws:" + k->info.access_key_id;
  call.event.detail = Granted(k->info.policies);
  HttpResponse resp = JsonResponse(201, "{\"secret_access_key\":\"");
  resp.body += AsChars(k->secret.view());  // base64: nothing to escape
  resp.body += "\",";
  const std::string rest = json::serialize(AwsKeyJson(k->info));
  resp.body.append(rest, 1, std::string::npos);
  return resp;
}

HttpResponse Api::AwsKeyList(Call& call) {
  auto list = gate_.directory().ListAwsKeys();
  if (!list.ok()) return Err(call, list.status());
  json::array a;
  for (const auto& k : *list) a.push_back(AwsKeyJson(k));
  return JsonResponse(200, json::serialize(json::object{{"aws_keys", std::move(a)}}));
}

HttpResponse Api::AwsKeyRevoke(Call& call) {
  Status st = gate_.directory().RevokeAwsKey(call.ctx.identity, call.param);
  if (!st.ok()) return Err(call, st);
  HttpResponse r = JsonResponse(204, "");
  return r;
}

namespace {

// The token a /v1/auth/tokens/{accessor|self} request names; self needs a token.
Result<std::string> AccessorOf(const Api::Call& call) {
  if (call.route->op != access::Operation::kTokenSelf) return std::string(call.param);
  if (call.ctx.identity.accessor.empty()) {
    return InvalidArgument("this request was not made with a token");
  }
  return call.ctx.identity.accessor;
}

}  // namespace

HttpResponse Api::TokenLookup(Call& call) {
  const access::Identity& id = call.ctx.identity;
  if (call.route->op == access::Operation::kTokenSelf && id.id.rfind("cert:", 0) == 0) {
    // Not a token: a client certificate says who it is, so a caller (the console) can sign
    // in with it. (Anonymous callers are still told they used no token.)
    json::array policies;
    for (const auto& p : id.policies) policies.emplace_back(p);
    return JsonResponse(200, json::serialize(json::object{{"identity", id.id},
                                                          {"kind", "certificate"},
                                                          {"display_name", id.display_name},
                                                          {"policies", std::move(policies)}}));
  }
  auto accessor = AccessorOf(call);
  if (!accessor.ok()) return Err(call, accessor.status());
  call.event.target = "token:" + accessor->substr(0, 16);
  auto t = gate_.directory().LookupToken(*accessor);
  if (!t.ok()) return Err(call, t.status());
  return JsonResponse(200, json::serialize(TokenJson(*t)));
}

HttpResponse Api::TokenRevoke(Call& call) {
  auto accessor = AccessorOf(call);
  if (!accessor.ok()) return Err(call, accessor.status());
  call.event.target = "token:" + accessor->substr(0, 16);
  auto n = gate_.directory().RevokeToken(call.ctx.identity, *accessor);
  if (!n.ok()) return Err(call, n.status());
  return JsonResponse(200, json::serialize(json::object{{"revoked", *n}}));
}

HttpResponse Api::PolicyList(Call& call) {
  auto names = gate_.directory().ListPolicies();
  if (!names.ok()) return Err(call, names.status());
  json::array a;
  for (const auto& n : *names) a.emplace_back(n);
  return JsonResponse(200, json::serialize(json::object{{"policies", std::move(a)}}));
}

HttpResponse Api::PolicyRead(Call& call) {
  if (Status st = access::ValidatePolicyName(call.param); !st.ok()) return Err(call, st);
  auto p = gate_.directory().GetPolicy(call.param);
  if (!p.ok()) return Err(call, p.status());
  std::string body = "{\"name\":";
  AppendJsonString(body, call.param);
  body += "," + access::PolicyJson(**p).substr(1);
  return JsonResponse(200, std::move(body));
}

HttpResponse Api::PolicyWrite(Call& call) {
  if (Status st = access::ValidatePolicyName(call.param); !st.ok()) return Err(call, st);
  auto p = access::ParsePolicy(call.param, call.req.body);
  if (!p.ok()) return Err(call, p.status());
  if (Status st = gate_.directory().PutPolicy(call.ctx.identity, *p); !st.ok())
    return Err(call, st);
  return JsonResponse(204, "");
}

HttpResponse Api::PolicyDelete(Call& call) {
  if (Status st = access::ValidatePolicyName(call.param); !st.ok()) return Err(call, st);
  if (Status st = gate_.directory().DeletePolicy(call.ctx.identity, call.param); !st.ok())
    return Err(call, st);
  return JsonResponse(204, "");
}

HttpResponse Api::LockdownList(Call& call) {
  auto locks = gate_.directory().ListLocks();
  if (!locks.ok()) return Err(call, locks.status());
  json::array a;
  for (const auto& l : *locks) {
    a.push_back(json::object{
        {"identity", l.identity}, {"reason", l.reason}, {"locked_at", Time(l.locked_at)}});
  }
  return JsonResponse(200, json::serialize(json::object{{"identities", std::move(a)}}));
}

HttpResponse Api::LockdownReinstate(Call& call) {
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return Err(call, st);
  auto o = AsObject(body.value(), {"identity"});
  if (!o.ok()) return Err(call, o.status());
  auto id = ReqString(**o, "identity");
  if (!id.ok()) return Err(call, id.status());
  call.event.target = std::string(id->substr(0, 200));
  if (Status st = gate_.Reinstate(call, *id); !st.ok()) return Err(call, st);
  return JsonResponse(204, "");
}

HttpResponse Api::AuditPublicKey(Call& call) {
  auto pem = audit_.PublicKeyPem();
  if (!pem.ok()) return Err(call, pem.status());
  return JsonResponse(200, json::serialize(json::object{{"public_key", *pem}}));
}

HttpResponse Api::AuditRecords(Call& call) {
  audit::RecentQuery q;
  auto limit = IntParam(call.query, "limit");
  auto before = IntParam(call.query, "before_seq");
  if (!limit.ok()) return Err(call, limit.status());
  if (!before.ok()) return Err(call, before.status());
  if (*limit && (**limit < 1 || **limit > 500)) {
    return Err(call, InvalidArgument("limit must be 1 to 500"));
  }
  if (*before && **before < 0) return Err(call, InvalidArgument("before_seq must be positive"));
  q.limit = *limit ? static_cast<size_t>(**limit) : 50;
  q.before_seq = *before ? static_cast<uint64_t>(**before) : 0;
  bool present = false;
  for (auto [name, field] : {std::pair{"operation", &q.operation}, std::pair{"outcome", &q.outcome},
                             std::pair{"key", &q.key}}) {
    auto v = QueryParam(call.query, name, &present);
    if (!v.ok()) return Err(call, v.status());
    *field = std::move(*v);
  }
  auto verify = QueryParam(call.query, "verify", &present);
  if (!verify.ok()) return Err(call, verify.status());
  q.verify = present && *verify == "true";
  auto r = audit_.Recent(q);
  if (!r.ok()) return Err(call, r.status());
  json::array records;
  for (const std::string& line : r->lines) {
    bool lenient = false;
    auto v = audit::ParseRecordLine(line, &lenient);
    if (v.ok()) records.push_back(std::move(*v));
  }
  json::object o{{"records", std::move(records)}, {"truncated_scan", r->truncated_scan}};
  if (!r->last_checkpoint.empty()) {
    bool lenient = false;
    auto v = audit::ParseRecordLine(r->last_checkpoint, &lenient);
    if (v.ok()) o["last_checkpoint"] = std::move(*v);
  }
  if (r->verification) {
    const audit::VerifyReport& v = *r->verification;
    json::object vo{{"ok", v.ok},
                    {"records", v.records},
                    {"checkpoints", v.checkpoints},
                    {"first_seq", v.first_seq},
                    {"last_seq", v.last_seq},
                    {"unsigned_tail", v.unsigned_tail},
                    {"signatures_checked", v.signatures_checked}};
    if (!v.ok) {
      vo["line"] = v.line;
      vo["error"] = v.error;
    }
    o["verification"] = std::move(vo);
  }
  return JsonResponse(200, json::serialize(o));
}

HttpResponse Api::AuditHash(Call& call) {
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return Err(call, st);
  auto o = AsObject(body.value(), {"input", "context"});
  if (!o.ok()) return Err(call, o.status());
  // Either a plain value (a token's identity id "token:<accessor>") or a context, which is
  // hashed in its canonical form exactly as the trail does.
  std::string input;
  if ((*o)->contains("context")) {
    if ((*o)->contains("input")) {
      return Err(call, InvalidArgument("give input or context, not both"));
    }
    auto ctx = OptContext(**o);
    if (!ctx.ok()) return Err(call, ctx.status());
    const Bytes canon = format::CanonicalContext(*ctx);
    input.assign(canon.begin(), canon.end());
  } else {
    auto in = ReqString(**o, "input");
    if (!in.ok()) return Err(call, in.status());
    input = std::string(*in);
  }
  auto h = audit_.HmacOf(input);
  if (!h.ok()) return Err(call, h.status());
  return JsonResponse(200, json::serialize(json::object{{"hmac", *h}}));
}

}  // namespace keep::http
