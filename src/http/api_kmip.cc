// KMIP managed objects for operators (`keep kmip list|show`): what the KMIP door stores,
// read through the REST API with keep's policies — `read` on "kmip/<group>/<uid>" — and
// never their key material (only KMIP's Get, with `export`, gives that out).
#include "http/api_internal.h"
#include "kmip/object.h"

namespace keep::http {
namespace {

json::object ObjectJson(const kmip::ManagedObject& o, bool attributes) {
  json::array names;
  for (const auto* n : o.FindAll("Name")) names.push_back(json::string(kmip::ValueText(*n)));
  json::object j{
      {"uid", o.uid},     {"type", kmip::ObjectTypeName(o.type)}, {"group", o.group},
      {"owner", o.owner}, {"state", kmip::StateName(o.state())},  {"names", std::move(names)}};
  if (attributes) {
    json::array a;
    for (const auto& at : o.attributes) {
      a.push_back(
          json::object{{"name", at.name}, {"index", at.index}, {"value", kmip::ValueText(at)}});
    }
    j["attributes"] = std::move(a);
  }
  return j;
}

}  // namespace

HttpResponse Api::KmipList(Call& call) {
  bool has = false;
  auto after = QueryParam(call.query, "after", &has);
  if (!after.ok()) return Err(call, after.status());
  auto limit = IntParam(call.query, "limit");
  if (!limit.ok()) return Err(call, limit.status());
  const size_t want = static_cast<size_t>(std::clamp<int64_t>(limit->value_or(100), 1, 1000));
  json::array out;
  std::string cursor = *after, next;
  while (out.size() < want) {
    auto page = service_.KmipList(cursor, 500);
    if (!page.ok()) return Err(call, page.status());
    for (const auto& rec : *page) {
      cursor = rec.path.substr(5);  // past "kmip/"
      auto o = kmip::DecodeObject(rec.value.view());
      if (!o.ok()) continue;
      if (!gate_.CanReadKey(call.ctx.identity, kmip::ResourceOf(*o))) continue;
      out.push_back(ObjectJson(*o, false));
      if (out.size() == want) {
        next = o->uid;
        break;
      }
    }
    if (page->size() < 500) break;
  }
  call.event.items = static_cast<uint32_t>(out.size());
  json::object body{{"objects", std::move(out)}};
  if (!next.empty()) body["next"] = next;
  return JsonResponse(200, json::serialize(body));
}

HttpResponse Api::KmipRead(Call& call) {
  const std::string uid(call.param.substr(0, 64));
  call.event.target = "kmip:" + uid;
  // An identity that may read nothing learns nothing, not even whether the UID exists.
  if (Status st = gate_.Allows(call.ctx.identity, access::Operation::kKeyList, ""); !st.ok()) {
    return Err(call, st);
  }
  auto stored = service_.KmipGet(uid);
  if (!stored.ok()) return Err(call, stored.status());
  if (!*stored) return Err(call, NotFound("no KMIP object '" + uid + "'"));
  auto o = kmip::DecodeObject((*stored)->view());
  if (!o.ok()) return Err(call, Internal("a stored KMIP object does not decode"));
  call.event.key = kmip::ResourceOf(*o);
  if (Status st = gate_.Authorize(call, access::Operation::kKeyRead, call.event.key); !st.ok()) {
    return Err(call, st);
  }
  return JsonResponse(200, json::serialize(ObjectJson(*o, true)));
}

}  // namespace keep::http
