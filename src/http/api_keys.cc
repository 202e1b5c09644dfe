// Api: key management endpoints (/v1/keys...).
#include <charconv>

#include "common/encoding.h"
#include "common/time.h"
#include "http/api_internal.h"

namespace keep::http {

Result<std::optional<int64_t>> IntParam(std::string_view query, std::string_view name) {
  bool present = false;
  KEEP_ASSIGN_OR_RETURN(std::string v, QueryParam(query, name, &present));
  if (!present) return std::optional<int64_t>();
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || v.empty()) {
    return InvalidArgument("query parameter '" + std::string(name) + "' must be an integer");
  }
  return std::optional<int64_t>(n);
}

Result<std::string> QueryParam(std::string_view query, std::string_view name, bool* present) {
  *present = false;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    std::string_view raw = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    std::string out;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '%') {
        if (i + 2 >= raw.size()) return InvalidArgument("malformed percent-encoding in the query");
        auto hex = HexDecode(raw.substr(i + 1, 2));
        if (!hex.ok()) return InvalidArgument("malformed percent-encoding in the query");
        out.push_back(static_cast<char>((*hex)[0]));
        i += 2;
      } else {
        out.push_back(raw[i] == '+' ? ' ' : raw[i]);
      }
    }
    *present = true;
    return out;
  }
  return std::string();
}

namespace {

Result<int64_t> ParsePeriod(const json::object& o) {
  KEEP_ASSIGN_OR_RETURN(auto s, OptString(o, "auto_rotate_period"));
  if (!s) return int64_t{0};
  return ParseDuration(*s);
}

}  // namespace

std::string KeyJson(const keys::KeyMeta& m) {
  json::array versions;
  for (const auto& v : m.versions) {
    versions.push_back(json::object{{"version", v.version},
                                    {"created_at", FormatRfc3339(v.created_at)},
                                    {"origin", v.external ? "external" : "keep"}});
  }
  json::object o{{"name", m.name},
                 {"id", HexEncode(m.id)},
                 {"type", keys::KeyTypeName(m.type)},
                 {"purpose", keys::KeyPurposeName(m.purpose)},
                 {"description", m.description},
                 {"created_at", FormatRfc3339(m.created_at)},
                 {"state", keys::KeyStateName(m.state)},
                 {"latest_version", m.latest_version},
                 {"min_decryption_version", m.min_decryption_version},
                 {"min_encryption_version", m.min_encryption_version},
                 {"auto_rotate_period", FormatDuration(m.auto_rotate_period)},
                 {"versions", std::move(versions)}};
  if (m.deletion_date != 0) {
    o["deletion_date"] = FormatRfc3339(m.deletion_date);
  } else {
    o["deletion_date"] = nullptr;
  }
  json::object tags;
  for (const auto& [k, v] : m.tags) tags[k] = v;
  o["tags"] = std::move(tags);
  if (!m.peer.empty()) o["peer"] = m.peer;
  return json::serialize(o);
}

HttpResponse Api::KeyList(Call& call) {
  bool present = false;
  auto prefix = QueryParam(call.query, "prefix", &present);
  auto after = QueryParam(call.query, "after", &present);
  auto limit = IntParam(call.query, "limit");
  if (!prefix.ok()) return Err(call, prefix.status());
  if (!after.ok()) return Err(call, after.status());
  if (!limit.ok()) return Err(call, limit.status());
  const int64_t n = limit->value_or(100);
  if (n < 1 || n > 1000) return Err(call, InvalidArgument("limit must be between 1 and 1000"));
  auto page = service_.ListKeys(call.ctx, *prefix, *after, static_cast<size_t>(n));
  if (!page.ok()) return Err(call, page.status());
  json::array names;
  for (auto& k : page->names) {
    if (gate_.CanReadKey(call.ctx.identity, k)) names.emplace_back(k);  // only what it may read
  }
  json::object o{{"keys", std::move(names)}};
  if (page->next) {
    o["next"] = *page->next;
  } else {
    o["next"] = nullptr;
  }
  return JsonResponse(200, json::serialize(o));
}

HttpResponse Api::KeyCreate(Call& call) {
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return Err(call, st);
  auto o = AsObject(body.value(),
                    {"name", "type", "purpose", "description", "auto_rotate_period", "peer"});
  if (!o.ok()) return Err(call, o.status());
  auto name = ReqString(**o, "name");
  if (!name.ok()) return Err(call, name.status());
  // The key is named in the body: authorized here, once it is known.
  if (Status st = gate_.Authorize(call, access::Operation::kKeyCreate, *name); !st.ok()) {
    return Err(call, st);
  }
  keys::CreateKeyOptions opts;
  opts.name = std::string(*name);
  auto type = OptString(**o, "type");
  if (!type.ok()) return Err(call, type.status());
  if (*type) {
    auto t = keys::ParseKeyType(**type);
    if (!t.ok()) return Err(call, t.status());
    opts.type = *t;
  }
  auto purpose = OptString(**o, "purpose");
  if (!purpose.ok()) return Err(call, purpose.status());
  if (*purpose) {
    auto p = keys::ParseKeyPurpose(**purpose);
    if (!p.ok()) return Err(call, p.status());
    opts.purpose = *p;
  }
  auto desc = OptString(**o, "description");
  if (!desc.ok()) return Err(call, desc.status());
  if (*desc) opts.description = std::string(**desc);
  auto period = ParsePeriod(**o);
  if (!period.ok()) return Err(call, period.status());
  opts.auto_rotate_period = *period;
  auto peer = OptString(**o, "peer");
  if (!peer.ok()) return Err(call, peer.status());
  if (keys::IsSplit(opts.type) != peer->has_value()) {
    return Err(call, InvalidArgument(*peer ? "\"peer\" is only for split-p256 keys"
                                           : "a split-p256 key needs \"peer\": the [[peers]] "
                                             "name of the deployment holding the other share"));
  }
  if (*peer) opts.peer = std::string(**peer);
  auto created = service_.CreateKey(call.ctx, opts);
  if (!created.ok()) return Err(call, created.status());
  call.event.version = created->latest_version;
  return JsonResponse(201, KeyJson(*created));
}

namespace {

HttpResponse KeyAnswer(Api::Call& call, const Result<keys::KeyMeta>& r) {
  if (!r.ok()) return Err(call, r.status());
  call.event.version = r->latest_version;
  return JsonResponse(200, KeyJson(*r));
}

}  // namespace

HttpResponse Api::KeyRead(Call& call) {
  return KeyAnswer(call, service_.GetKey(call.ctx, call.param));
}

HttpResponse Api::KeyRotate(Call& call) {
  return KeyAnswer(call, service_.RotateKey(call.ctx, call.param));
}

HttpResponse Api::KeyCancelDeletion(Call& call) {
  return KeyAnswer(call, service_.CancelKeyDeletion(call.ctx, call.param));
}

HttpResponse Api::KeyDelete(Call& call) {
  auto days = IntParam(call.query, "pending_days");
  if (!days.ok()) return Err(call, days.status());
  const int64_t d = days->value_or(keys::kDefaultPendingDays);
  if (d < keys::kMinPendingDays || d > keys::kMaxPendingDays) {
    return Err(call, InvalidArgument("pending_days must be between 7 and 365"));
  }
  return KeyAnswer(call, service_.DeleteKey(call.ctx, call.param, static_cast<int>(d)));
}

HttpResponse Api::KeyUpdate(Call& call) {
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return Err(call, st);
  auto o = AsObject(body.value(), {"description", "enabled", "min_decryption_version",
                                   "min_encryption_version", "auto_rotate_period"});
  if (!o.ok()) return Err(call, o.status());
  keys::KeyPatch patch;
  auto desc = OptString(**o, "description");
  auto enabled = OptBool(**o, "enabled");
  auto mind = OptInt(**o, "min_decryption_version");
  auto mine = OptInt(**o, "min_encryption_version");
  if (!desc.ok()) return Err(call, desc.status());
  if (!enabled.ok()) return Err(call, enabled.status());
  if (!mind.ok()) return Err(call, mind.status());
  if (!mine.ok()) return Err(call, mine.status());
  if (*desc) patch.description = std::string(**desc);
  patch.enabled = *enabled;
  for (auto [v, out, field] :
       {std::tuple{&*mind, &patch.min_decryption_version, "min_decryption_version"},
        std::tuple{&*mine, &patch.min_encryption_version, "min_encryption_version"}}) {
    if (!v->has_value()) continue;
    if (**v < 0 || **v > UINT32_MAX) {
      return Err(call, InvalidArgument(std::string(field) + " is out of range"));
    }
    *out = static_cast<uint32_t>(**v);
  }
  if ((*o)->contains("auto_rotate_period")) {
    auto period = ParsePeriod(**o);
    if (!period.ok()) return Err(call, period.status());
    patch.auto_rotate_period = *period;
  }
  return KeyAnswer(call, service_.UpdateKey(call.ctx, call.param, patch));
}

}  // namespace keep::http
