// Api: key management endpoints (/v1/keys...).
#include <charconv>

#include "common/encoding.h"
#include "common/time.h"
#include "http/api_internal.h"

namespace keep::http {

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

Result<int64_t> ParsePeriod(const json::object& o) {
  KEEP_ASSIGN_OR_RETURN(auto s, OptString(o, "auto_rotate_period"));
  if (!s) return int64_t{0};
  return ParseDuration(*s);
}

}  // namespace

std::string KeyJson(const keys::KeyMeta& m) {
  json::array versions;
  for (const auto& v : m.versions) {
    versions.push_back(
        json::object{{"version", v.version}, {"created_at", FormatRfc3339(v.created_at)}});
  }
  json::object o{{"name", m.name},
                 {"id", HexEncode(m.id)},
                 {"type", keys::KeyTypeName(m.type)},
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
  return json::serialize(o);
}

HttpResponse Api::Keys(Call& call) {
  const std::string_view m = call.req.method;
  if (m != "POST" && m != "GET") return MethodNotAllowed("GET, POST", call.request_id);
  if (Status st = Authenticate(call); !st.ok())
    return Finish(call, ErrorResponse(st, call.request_id));
  auto fail = [&](const Status& st) {
    call.event.outcome = std::string(st.reason());
    return Finish(call, ErrorResponse(st, call.request_id));
  };
  if (m == "GET") {
    if (Status st = Authorize(call, access::Operation::kKeyList, ""); !st.ok()) return fail(st);
    bool present = false;
    auto prefix = QueryParam(call.query, "prefix", &present);
    auto after = QueryParam(call.query, "after", &present);
    auto limit = IntParam(call.query, "limit");
    if (!prefix.ok()) return fail(prefix.status());
    if (!after.ok()) return fail(after.status());
    if (!limit.ok()) return fail(limit.status());
    const int64_t n = limit->value_or(100);
    if (n < 1 || n > 1000) return fail(InvalidArgument("limit must be between 1 and 1000"));
    auto page = service_.ListKeys(call.ctx, *prefix, *after, static_cast<size_t>(n));
    if (!page.ok()) return fail(page.status());
    json::array names;
    for (auto& k : page->names) {
      if (guard_.CanReadKey(call.ctx.identity, k)) names.emplace_back(k);  // only what it may read
    }
    json::object o{{"keys", std::move(names)}};
    if (page->next)
      o["next"] = *page->next;
    else
      o["next"] = nullptr;
    return Finish(call, JsonResponse(200, json::serialize(o)));
  }
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return fail(st);
  auto o = AsObject(body.value(), {"name", "type", "description", "auto_rotate_period"});
  if (!o.ok()) return fail(o.status());
  auto name = ReqString(**o, "name");
  if (!name.ok()) return fail(name.status());
  if (Status st = Authorize(call, access::Operation::kKeyCreate, *name); !st.ok()) return fail(st);
  keys::CreateKeyOptions opts;
  opts.name = std::string(*name);
  auto type = OptString(**o, "type");
  if (!type.ok()) return fail(type.status());
  if (*type) {
    auto t = keys::ParseKeyType(**type);
    if (!t.ok()) return fail(t.status());
    opts.type = *t;
  }
  auto desc = OptString(**o, "description");
  if (!desc.ok()) return fail(desc.status());
  if (*desc) opts.description = std::string(**desc);
  auto period = ParsePeriod(**o);
  if (!period.ok()) return fail(period.status());
  opts.auto_rotate_period = *period;
  auto created = service_.CreateKey(call.ctx, opts);
  if (!created.ok()) return fail(created.status());
  call.event.version = created->latest_version;
  return Finish(call, JsonResponse(201, KeyJson(*created)));
}

HttpResponse Api::KeyItem(Call& call) {
  const auto& s = call.segments;
  const std::string_view m = call.req.method;
  const std::string_view name = s[2];
  if (s.size() == 4 &&
      (s[3] == "encrypt" || s[3] == "decrypt" || s[3] == "rewrap" || s[3] == "datakey")) {
    return Crypto(call);
  }
  if (s.size() > 4 || (s.size() == 4 && s[3] != "rotate" && s[3] != "cancel-deletion")) {
    return ErrorResponse(NotFound("no such route"), call.request_id);
  }
  if (s.size() == 4 && m != "POST") return MethodNotAllowed("POST", call.request_id);
  if (s.size() == 3 && m != "GET" && m != "PATCH" && m != "DELETE") {
    return MethodNotAllowed("GET, PATCH, DELETE", call.request_id);
  }
  if (Status st = Authenticate(call); !st.ok())
    return Finish(call, ErrorResponse(st, call.request_id));
  auto fail = [&](const Status& st) {
    call.event.outcome = std::string(st.reason());
    return Finish(call, ErrorResponse(st, call.request_id));
  };
  if (Status st = keys::ValidateKeyName(name); !st.ok()) return fail(st);
  access::Operation op = access::Operation::kKeyRead;
  if (s.size() == 4)
    op = s[3] == "rotate" ? access::Operation::kKeyRotate : access::Operation::kKeyDelete;
  else if (m == "PATCH")
    op = access::Operation::kKeyUpdate;
  else if (m == "DELETE")
    op = access::Operation::kKeyDelete;
  if (Status st = Authorize(call, op, name); !st.ok()) return fail(st);

  Result<keys::KeyMeta> result = Internal("unrouted");
  if (s.size() == 4 && s[3] == "rotate") {
    result = service_.RotateKey(call.ctx, name);
  } else if (s.size() == 4) {
    result = service_.CancelKeyDeletion(call.ctx, name);
  } else if (m == "GET") {
    result = service_.GetKey(call.ctx, name);
  } else if (m == "DELETE") {
    auto days = IntParam(call.query, "pending_days");
    if (!days.ok()) return fail(days.status());
    const int64_t d = days->value_or(keys::kDefaultPendingDays);
    if (d < keys::kMinPendingDays || d > keys::kMaxPendingDays) {
      return fail(InvalidArgument("pending_days must be between 7 and 365"));
    }
    result = service_.DeleteKey(call.ctx, name, static_cast<int>(d));
  } else {
    ParsedBody body;
    if (Status st = body.Parse(call.req.body); !st.ok()) return fail(st);
    auto o = AsObject(body.value(), {"description", "enabled", "min_decryption_version",
                                     "min_encryption_version", "auto_rotate_period"});
    if (!o.ok()) return fail(o.status());
    keys::KeyPatch patch;
    auto desc = OptString(**o, "description");
    auto enabled = OptBool(**o, "enabled");
    auto mind = OptInt(**o, "min_decryption_version");
    auto mine = OptInt(**o, "min_encryption_version");
    if (!desc.ok()) return fail(desc.status());
    if (!enabled.ok()) return fail(enabled.status());
    if (!mind.ok()) return fail(mind.status());
    if (!mine.ok()) return fail(mine.status());
    if (*desc) patch.description = std::string(**desc);
    patch.enabled = *enabled;
    for (auto [v, out, field] :
         {std::tuple{&*mind, &patch.min_decryption_version, "min_decryption_version"},
          std::tuple{&*mine, &patch.min_encryption_version, "min_encryption_version"}}) {
      if (!v->has_value()) continue;
      if (**v < 0 || **v > UINT32_MAX)
        return fail(InvalidArgument(std::string(field) + " is out of range"));
      *out = static_cast<uint32_t>(**v);
    }
    if ((*o)->contains("auto_rotate_period")) {
      auto period = ParsePeriod(**o);
      if (!period.ok()) return fail(period.status());
      patch.auto_rotate_period = *period;
    }
    result = service_.UpdateKey(call.ctx, name, patch);
  }
  if (!result.ok()) return fail(result.status());
  call.event.version = result->latest_version;
  return Finish(call, JsonResponse(200, KeyJson(*result)));
}

}  // namespace keep::http
