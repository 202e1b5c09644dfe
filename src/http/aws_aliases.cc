// AwsDoor: aliases (CreateAlias, UpdateAlias, DeleteAlias; ListAliases is in
// aws_keys.cc) and tags (TagResource, UntagResource, ListResourceTags). Every key is
// alias/<its name> already; these add more names (service aliases) and labels (key
// metadata), each authorized as a change to the key it concerns.
#include "http/aws_internal.h"

namespace keep::http {

HttpResponse AwsDoor::CreateAlias(Call& call) {
  if (Status st = Fields(call, {"AliasName", "TargetKeyId"}); !st.ok()) return AwsErr(call, st);
  auto alias_text = Req(*call.in, "AliasName");
  if (!alias_text.ok()) return AwsErr(call, alias_text.status());
  auto alias = AliasName(*alias_text);
  if (!alias.ok()) return AwsErr(call, alias.status());
  auto key = KeyOf(call, access::Operation::kKeyUpdate, "TargetKeyId");
  if (!key.ok()) return AwsErr(call, key.status());
  call.event.target = "alias:" + *alias;
  auto r = service_.CreateAlias(call.ctx, *alias, *key);
  return r.ok() ? AwsOk(SecretString("{}")) : AwsErr(call, r.status());
}

HttpResponse AwsDoor::UpdateAlias(Call& call) {
  if (Status st = Fields(call, {"AliasName", "TargetKeyId"}); !st.ok()) return AwsErr(call, st);
  auto alias_text = Req(*call.in, "AliasName");
  if (!alias_text.ok()) return AwsErr(call, alias_text.status());
  auto alias = AliasName(*alias_text);
  if (!alias.ok()) return AwsErr(call, alias.status());
  call.event.target = "alias:" + *alias;
  // The change concerns both keys: the one the alias leaves and the one it names.
  auto old_key = service_.ResolveAlias(*alias);
  if (!old_key.ok()) return AwsErr(call, old_key.status());
  if (*old_key == *alias) {
    return AwsErr(call, InvalidArgument("alias/" + *alias +
                                        " is a key's own name: it always names that key"));
  }
  if (Status st = gate_.Allows(call.ctx.identity, access::Operation::kKeyUpdate, *old_key);
      !st.ok()) {
    return AwsErr(call, st);
  }
  auto key = KeyOf(call, access::Operation::kKeyUpdate, "TargetKeyId");
  if (!key.ok()) return AwsErr(call, key.status());
  auto r = service_.UpdateAlias(call.ctx, *alias, *key);
  return r.ok() ? AwsOk(SecretString("{}")) : AwsErr(call, r.status());
}

HttpResponse AwsDoor::DeleteAlias(Call& call) {
  if (Status st = Fields(call, {"AliasName"}); !st.ok()) return AwsErr(call, st);
  auto alias_text = Req(*call.in, "AliasName");
  if (!alias_text.ok()) return AwsErr(call, alias_text.status());
  auto alias = AliasName(*alias_text);
  if (!alias.ok()) return AwsErr(call, alias.status());
  call.event.target = "alias:" + *alias;
  auto key = service_.ResolveAlias(*alias);
  if (!key.ok()) return AwsErr(call, key.status());
  if (*key == *alias) {
    return AwsErr(
        call, InvalidArgument("alias/" + *alias + " is a key's own name and cannot be deleted"));
  }
  if (Status st = Authorize(call, access::Operation::kKeyUpdate, *key); !st.ok()) {
    return AwsErr(call, st);
  }
  Status st = service_.DeleteAlias(call.ctx, *alias);
  return st.ok() ? AwsOk(SecretString("{}")) : AwsErr(call, st);
}

HttpResponse AwsDoor::TagResource(Call& call) {
  if (Status st = Fields(call, {"KeyId", "Tags"}); !st.ok()) return AwsErr(call, st);
  auto key = KeyOf(call, access::Operation::kKeyUpdate);
  if (!key.ok()) return AwsErr(call, key.status());
  keys::KeyPatch patch;
  const json::value* tags = call.in->if_contains("Tags");
  if (tags == nullptr || !tags->is_array()) {
    return AwsErr(call, InvalidArgument("Tags must be a list of {TagKey, TagValue}"));
  }
  for (const auto& t : tags->get_array()) {
    auto o = AsObject(t, {"TagKey", "TagValue"}, "a tag");
    if (!o.ok()) return AwsErr(call, o.status());
    auto k = ReqString(**o, "TagKey");
    auto v = ReqString(**o, "TagValue");
    if (!k.ok()) return AwsErr(call, k.status());
    if (!v.ok()) return AwsErr(call, v.status());
    patch.set_tags[std::string(*k)] = std::string(*v);
  }
  auto r = service_.UpdateKey(call.ctx, *key, patch);
  if (!r.ok() && r.status().reason() == "bad_request") {
    return AwsErr(call, r.status(), {"TagException", 400});
  }
  return r.ok() ? AwsOk(SecretString("{}")) : AwsErr(call, r.status());
}

HttpResponse AwsDoor::UntagResource(Call& call) {
  if (Status st = Fields(call, {"KeyId", "TagKeys"}); !st.ok()) return AwsErr(call, st);
  auto key = KeyOf(call, access::Operation::kKeyUpdate);
  if (!key.ok()) return AwsErr(call, key.status());
  keys::KeyPatch patch;
  const json::value* names = call.in->if_contains("TagKeys");
  if (names == nullptr || !names->is_array()) {
    return AwsErr(call, InvalidArgument("TagKeys must be a list of strings"));
  }
  for (const auto& n : names->get_array()) {
    if (!n.is_string()) return AwsErr(call, InvalidArgument("TagKeys must be a list of strings"));
    patch.remove_tags.emplace_back(n.get_string());
  }
  auto r = service_.UpdateKey(call.ctx, *key, patch);
  return r.ok() ? AwsOk(SecretString("{}")) : AwsErr(call, r.status());
}

HttpResponse AwsDoor::ListResourceTags(Call& call) {
  if (Status st = Fields(call, {"KeyId", "Limit", "Marker"}); !st.ok()) return AwsErr(call, st);
  auto key = KeyOf(call, access::Operation::kKeyRead);
  if (!key.ok()) return AwsErr(call, key.status());
  auto limit = OptInt(*call.in, "Limit");
  auto marker = OptString(*call.in, "Marker");
  if (!limit.ok()) return AwsErr(call, limit.status());
  if (!marker.ok()) return AwsErr(call, marker.status());
  const int64_t n = limit->value_or(50);
  if (n < 1 || n > 50) return AwsErr(call, InvalidArgument("Limit must be between 1 and 50"));
  auto m = service_.GetKey(call.ctx, *key);
  if (!m.ok()) return AwsErr(call, m.status());
  json::array tags;
  std::optional<std::string> next;
  for (const auto& [k, v] : m->tags) {
    if (*marker && k <= **marker) continue;
    if (tags.size() == static_cast<size_t>(n)) {
      next = tags.back().as_object().at("TagKey").as_string().c_str();
      break;
    }
    tags.push_back(json::object{{"TagKey", k}, {"TagValue", v}});
  }
  json::object out{{"Tags", std::move(tags)}, {"Truncated", next.has_value()}};
  if (next) out["NextMarker"] = *next;
  return AwsOk(json::serialize(out));
}

}  // namespace keep::http
