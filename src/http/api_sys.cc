// The /v1/sys endpoints: health, init, unseal, seal, rotate, rekey.
#include <chrono>
#include <cstdlib>

#include "common/encoding.h"
#include "crypto/pubkey.h"
#include "http/api_internal.h"
#include "store/snapshot.h"

namespace keep::http {
namespace {

json::object SealStatusJson(const service::SealStatus& s) {
  json::object o{{"sealed", s.sealed}, {"progress", s.progress},     {"threshold", s.threshold},
                 {"shares", s.shares}, {"share_kind", s.share_kind}, {"seal_type", s.seal_type}};
  if (s.duplicate) o["duplicate"] = true;
  if (!s.last_error.empty()) o["seal_error"] = s.last_error;
  if (s.auto_unseal_paused) o["auto_unseal_paused"] = true;
  return o;
}

json::object RekeyJson(const service::RekeyStatus& r) {
  return json::object{{"started", r.started},       {"nonce", r.nonce},
                      {"progress", r.progress},     {"required", r.required},
                      {"new_shares", r.new_shares}, {"new_threshold", r.new_threshold},
                      {"share_kind", r.share_kind}};
}

// "shares", "threshold", "share_recipients" (PEM public keys) of init and rekey.
Result<service::ShareOptions> ParseShareOptions(const json::object& o) {
  service::ShareOptions opts;
  KEEP_ASSIGN_OR_RETURN(auto shares, OptInt(o, "shares"));
  KEEP_ASSIGN_OR_RETURN(auto threshold, OptInt(o, "threshold"));
  if (shares.has_value() != threshold.has_value()) {
    return InvalidArgument("give both shares and threshold");
  }
  if (shares) {
    if (*shares < 1 || *shares > 255 || *threshold < 1 || *threshold > *shares) {
      return InvalidArgument("shares and threshold must satisfy 1 <= threshold <= shares <= 255");
    }
    opts.shares = static_cast<int>(*shares);
    opts.threshold = static_cast<int>(*threshold);
  }
  if (const auto* r = o.if_contains("share_recipients")) {
    if (!r->is_array()) return InvalidArgument("share_recipients must be an array of PEM strings");
    for (const auto& e : r->as_array()) {
      if (!e.is_string()) return InvalidArgument("share_recipients must hold PEM strings");
      auto key = crypto::ParsePublicKeyPem(std::string_view(e.as_string()));
      if (!key.ok()) {
        return InvalidArgument("share_recipients[" + std::to_string(opts.recipients.size()) +
                               "]: " + std::string(key.status().message()));
      }
      opts.recipients.push_back(std::move(*key));
    }
  }
  return opts;
}

// {"shares":[...], ...rest} with the share texts written straight from secret memory.
HttpResponse SharesResponse(const std::vector<crypto::SecretBytes>& shares, json::object rest,
                            const crypto::SecretBytes* root_token) {
  HttpResponse resp = JsonResponse(200, "{\"shares\":[");
  for (size_t i = 0; i < shares.size(); ++i) {
    if (i) resp.body += ',';
    resp.body += '"';
    resp.body += AsChars(shares[i].view());  // base64url and a prefix: nothing to escape
    resp.body += '"';
  }
  resp.body += ']';
  if (root_token) {
    resp.body += ",\"root_token\":\"";
    resp.body += AsChars(root_token->view());
    resp.body += '"';
  }
  for (const auto& [k, v] : rest) {
    resp.body += ',';
    AppendJsonString(resp.body, k);
    resp.body += ':';
    resp.body += json::serialize(v);
  }
  resp.body += '}';
  return resp;
}

}  // namespace

HttpResponse Api::Health(Call& call) {
  // The answer's status for each state, overridable as Vault's are: ?activecode=,
  // ?degradedcode=, ?sealedcode=, ?uninitcode= (each 200-599).
  int codes[4] = {200, 200, 503, 501};  // active, degraded, sealed, uninitialized
  constexpr std::string_view kParams[4] = {"activecode", "degradedcode", "sealedcode",
                                           "uninitcode"};
  for (int i = 0; i < 4; ++i) {
    bool present = false;
    auto v = QueryParam(call.query, kParams[i], &present);
    if (!v.ok()) return Err(call, v.status());
    if (!present) continue;
    char* end = nullptr;
    const long code = std::strtol(v->c_str(), &end, 10);
    if (v->empty() || *end != '\0' || code < 200 || code > 599) {
      return ErrorResponse(
          InvalidArgument(std::string(kParams[i]) + " must be an HTTP status from 200 to 599"),
          call.request_id);
    }
    codes[i] = static_cast<int>(code);
  }
  auto h = service_.custody().GetHealth();
  if (!h.ok()) return Err(call, h.status());
  // uninitialized, sealed, degraded (unsealed, serving from memory, store unreachable),
  // active.
  const bool degraded = h->initialized && !h->sealed && !h->store_ok;
  const int status = !h->initialized ? codes[3]
                     : h->sealed     ? codes[2]
                     : degraded      ? codes[1]
                                     : codes[0];
  json::object o{{"initialized", h->initialized}, {"sealed", h->sealed},
                 {"degraded", degraded},          {"seal_type", service_.custody().SealKind()},
                 {"version", options_.version},   {"node_id", service_.node_id()}};
  json::object store{{"reachable", h->store_ok}};
  if (!h->store_ok) store["error"] = h->store_error;
  o["store"] = std::move(store);
  if (h->initialized) {
    auto ss = service_.custody().GetSealStatus();
    if (ss.ok()) {
      o["share_kind"] = ss->share_kind;
      o["unseal_progress"] = ss->progress;
      o["unseal_threshold"] = ss->threshold;
      if (!ss->last_error.empty()) o["seal_error"] = ss->last_error;
      if (ss->sealed && ss->operator_sealed) o["operator_sealed"] = true;
      if (ss->auto_unseal_paused) o["auto_unseal_paused"] = true;
    }
  }
  if (!h->sealed) {
    const service::KeyringStatus k = service_.GetKeyringStatus();
    json::array terms;
    for (uint32_t t : k.terms) terms.emplace_back(t);
    o["keyring"] =
        json::object{{"active_term", k.active_term},   {"terms", std::move(terms)},
                     {"reencrypting", k.reencrypting}, {"old_records", k.old_records},
                     {"rewritten", k.rewritten},       {"last_completed", k.last_completed}};
  }
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

HttpResponse Api::Init(Call& call) {
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return Err(call, st);
  auto o = AsObject(body.value(), {"shares", "threshold", "share_recipients"});
  if (!o.ok()) return Err(call, o.status());
  auto opts = ParseShareOptions(**o);
  if (!opts.ok()) return Err(call, opts.status());
  auto r = service_.custody().Init(*opts);
  if (!r.ok()) return Err(call, r.status());
  return SharesResponse(r->shares,
                        json::object{{"share_kind", r->share_kind},
                                     {"threshold", r->threshold},
                                     {"encrypted", !opts->recipients.empty()}},
                        &r->root_token);
}

HttpResponse Api::Unseal(Call& call) {
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return Err(call, st);
  auto o = AsObject(body.value(), {"share", "reset"});
  if (!o.ok()) return Err(call, o.status());
  auto share = OptString(**o, "share");
  auto reset = OptBool(**o, "reset");
  if (!share.ok()) return Err(call, share.status());
  if (!reset.ok()) return Err(call, reset.status());
  if (*share && reset->value_or(false)) {
    return Err(call, InvalidArgument("give either share or reset, not both"));
  }
  Result<service::SealStatus> r = service::SealStatus{};
  if (reset->value_or(false)) {
    r = service_.custody().ResetUnseal();
  } else if (*share) {
    r = service_.custody().SubmitUnsealShare(**share);
  } else {
    r = service_.custody().Unseal();
  }
  if (!r.ok()) return Err(call, r.status());
  return JsonResponse(200, json::serialize(SealStatusJson(*r)));
}

// The body of seal and rotate: none, or an empty object.
Status EmptyBody(std::string_view body) {
  if (body.empty()) return Status::Ok();
  ParsedBody parsed;
  KEEP_RETURN_IF_ERROR(parsed.Parse(body));
  return AsObject(parsed.value(), {}).status();
}

HttpResponse Api::Seal(Call& call) {
  if (Status st = EmptyBody(call.req.body); !st.ok()) return Err(call, st);
  // The record is appended before sealing: afterwards the trail itself is behind the
  // barrier.
  HttpResponse resp = Finish(call, JsonResponse(204, ""));
  if (resp.status != 204) return resp;
  if (Status st = service_.custody().Seal(); !st.ok()) return Err(call, st);
  return resp;
}

HttpResponse Api::RotateKeyring(Call& call) {
  if (Status st = EmptyBody(call.req.body); !st.ok()) return Err(call, st);
  auto term = service_.custody().RotateKeyring();
  if (!term.ok()) return Err(call, term.status());
  return JsonResponse(200, json::serialize(json::object{{"term", *term}}));
}

HttpResponse Api::Backup(Call& call) {
  if (Status st = EmptyBody(call.req.body); !st.ok()) return Err(call, st);
  auto snapshot = service_.Backup(options_.version);
  if (!snapshot.ok()) return Err(call, snapshot.status());
  HttpResponse r;
  r.status = 200;
  r.content_type = "application/octet-stream";
  r.headers.emplace_back("X-Keep-Snapshot-Sha256", store::SnapshotChecksum(*snapshot));
  r.body.assign(snapshot->begin(), snapshot->end());
  return r;
}

HttpResponse Api::RekeyStatus(Call& /*call*/) {
  return JsonResponse(200, json::serialize(RekeyJson(service_.custody().GetRekeyStatus())));
}

HttpResponse Api::Nodes(Call& call) {
  auto nodes = service_.ListNodes();
  if (!nodes.ok()) return Err(call, nodes.status());
  json::array out;
  for (const auto& v : *nodes) {
    const service::NodeInfo& n = v.info;
    out.push_back(json::object{{"id", n.id},
                               {"self", v.self},
                               {"version", n.version},
                               {"address", n.address},
                               {"started_at_ms", n.started_ms},
                               {"seen_ms_ago", v.age_ms},
                               {"responsive", v.age_ms <= service::kNodeStaleMs},
                               {"sealed", n.sealed},
                               {"feed_connected", n.feed_connected},
                               {"lag_ms", n.lag_ms}});
  }
  return JsonResponse(
      200, json::serialize(json::object{{"shared_store", service_.GetReplication().enabled},
                                        {"nodes", std::move(out)}}));
}

HttpResponse Api::RekeyCancel(Call& call) {
  Status st = service_.custody().RekeyCancel();
  return st.ok() ? JsonResponse(204, "") : Err(call, st);
}

HttpResponse Api::RekeyInit(Call& call) {
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return Err(call, st);
  auto o = AsObject(body.value(), {"shares", "threshold", "share_recipients"});
  if (!o.ok()) return Err(call, o.status());
  auto opts = ParseShareOptions(**o);
  if (!opts.ok()) return Err(call, opts.status());
  if (opts->shares == 0) {
    return Err(call, InvalidArgument("give shares and threshold for the new share set"));
  }
  auto r = service_.custody().RekeyStart(*opts);
  if (!r.ok()) return Err(call, r.status());
  return JsonResponse(200, json::serialize(RekeyJson(*r)));
}

// No token: the current shares are the authority.
HttpResponse Api::RekeyUpdate(Call& call) {
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return Err(call, st);
  auto o = AsObject(body.value(), {"nonce", "share"});
  if (!o.ok()) return Err(call, o.status());
  auto nonce = ReqString(**o, "nonce");
  auto share = ReqString(**o, "share");
  if (!nonce.ok()) return Err(call, nonce.status());
  if (!share.ok()) return Err(call, share.status());
  auto r = service_.custody().RekeySubmit(*nonce, *share);
  if (!r.ok()) return Err(call, r.status());
  json::object st = RekeyJson(r->status);
  st["complete"] = r->complete;
  if (!r->complete) return JsonResponse(200, json::serialize(st));
  st["threshold"] = r->status.new_threshold;
  return SharesResponse(r->shares, std::move(st), nullptr);
}

// keas.kmi master entries (`keep import keas-kmi`): stored as they are, under the barrier,
// until the key encrypting key that opens each is presented to the keas door.
HttpResponse Api::KeasImport(Call& call) {
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return Err(call, st);
  auto o = AsObject(body.value(), {"entries"});
  if (!o.ok()) return Err(call, o.status());
  const json::value* entries = (*o)->if_contains("entries");
  if (entries == nullptr || !entries->is_array() || entries->get_array().size() > 1000) {
    return Err(call, InvalidArgument("'entries' must be an array of at most 1000 entries"));
  }
  // Every entry is checked before any is stored: a bad batch stores nothing.
  std::vector<std::pair<std::string, crypto::SecretBytes>> checked;
  for (const auto& e : entries->get_array()) {
    auto eo = AsObject(e, {"md5", "dek"}, "an entry");
    if (!eo.ok()) return Err(call, eo.status());
    auto md5 = ReqString(**eo, "md5");
    if (!md5.ok()) return Err(call, md5.status());
    bool hex = md5->size() == 32;
    for (char c : *md5) hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    if (!hex) return Err(call, InvalidArgument("'md5' must be 32 lowercase hex digits"));
    auto dek = ReqBase64(**eo, "dek");
    if (!dek.ok()) return Err(call, dek.status());
    if (dek->size() < 64 || dek->size() > 1024) {
      return Err(call, InvalidArgument("'dek' must be an RSA block of 64 to 1024 bytes"));
    }
    checked.emplace_back(std::string(*md5), std::move(*dek));
  }
  for (const auto& [md5, dek] : checked) {
    if (Status st = service_.KeasPutLegacy(md5, dek.view()); !st.ok()) return Err(call, st);
  }
  call.event.items = static_cast<uint32_t>(checked.size());
  return JsonResponse(200, json::serialize(json::object{{"imported", checked.size()}}));
}

}  // namespace keep::http
