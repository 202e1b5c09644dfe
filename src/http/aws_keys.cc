// AwsDoor: the key operations — CreateKey, DescribeKey, ListKeys, ListAliases, Enable/
// DisableKey, UpdateKeyDescription, Schedule/CancelKeyDeletion, Enable/DisableKeyRotation,
// GetKeyRotationStatus, RotateKeyOnDemand — on keep's keys, through the Gate.
#include <cstdlib>

#include "common/encoding.h"
#include "crypto/random.h"
#include "http/aws_internal.h"

namespace keep::http {
namespace {

constexpr int64_t kDay = 86400;

std::string_view KeyStateOf(keys::KeyState s) {
  switch (s) {
    case keys::KeyState::kEnabled:
      return "Enabled";
    case keys::KeyState::kDisabled:
      return "Disabled";
    case keys::KeyState::kPendingDeletion:
      return "PendingDeletion";
  }
  return "Unavailable";
}

HttpResponse Empty() {
  return AwsOk(SecretString("{}"));
}

// Limit (1–1000, default 100) and Marker of the list operations.
Status Paging(const json::object& o, size_t* limit, std::string* marker) {
  KEEP_ASSIGN_OR_RETURN(auto l, OptInt(o, "Limit"));
  KEEP_ASSIGN_OR_RETURN(auto m, OptString(o, "Marker"));
  const int64_t n = l.value_or(100);
  if (n < 1 || n > 1000) return InvalidArgument("Limit must be between 1 and 1000");
  *limit = static_cast<size_t>(n);
  *marker = m ? std::string(*m) : std::string();
  return Status::Ok();
}

void PageEnd(json::object& out, const std::optional<std::string>& next) {
  out["Truncated"] = next.has_value();
  if (next) out["NextMarker"] = *next;
}

}  // namespace

std::string AwsDoor::KeyMetadataJson(const keys::KeyMeta& m) const {
  json::object md{{"AWSAccountId", options_.account_id},
                  {"KeyId", KeyIdUuid(m.id)},
                  {"Arn", KeyArn(m)},
                  {"CreationDate", m.created_at},
                  {"Enabled", m.state == keys::KeyState::kEnabled},
                  {"Description", m.description},
                  {"KeyUsage", AwsKeyUsage(m.purpose)},
                  {"KeyState", KeyStateOf(m.state)},
                  {"Origin", "AWS_KMS"},
                  {"KeyManager", "CUSTOMER"},
                  {"CustomerMasterKeySpec", AwsKeySpec(m.type)},
                  {"KeySpec", AwsKeySpec(m.type)},
                  {"MultiRegion", false}};
  AwsAlgorithms(m, md);
  if (m.deletion_date != 0) md["DeletionDate"] = m.deletion_date;
  return json::serialize(json::object{{"KeyMetadata", std::move(md)}});
}

HttpResponse AwsDoor::CreateKey(Call& call) {
  if (Status st = Fields(call, {"Description", "KeyUsage", "KeySpec", "CustomerMasterKeySpec",
                                "Origin", "Policy", "BypassPolicyLockoutSafetyCheck", "Tags",
                                "MultiRegion", "CustomKeyStoreId", "XksKeyId"});
      !st.ok()) {
    return AwsErr(call, st);
  }
  const json::object& o = *call.in;
  // keep names the key (its alias is alias/<name>); a policy grants create on "aws-*".
  uint8_t rnd[8];
  if (Status st = crypto::RandomFill(rnd); !st.ok()) return AwsErr(call, st);
  const std::string name = "aws-" + HexEncode(rnd);
  if (Status st = Authorize(call, access::Operation::kKeyCreate, name); !st.ok()) {
    return AwsErr(call, st);
  }
  auto origin = OptString(o, "Origin");
  if (!origin.ok()) return AwsErr(call, origin.status());
  if (*origin && **origin != "AWS_KMS") {
    return AwsErr(call, Unsupported("Origin " + std::string(**origin) +
                                    " is not supported: keep generates the key material"));
  }
  auto spec = OptString(o, "KeySpec");
  auto cmk_spec = OptString(o, "CustomerMasterKeySpec");
  auto usage = OptString(o, "KeyUsage");
  if (!spec.ok()) return AwsErr(call, spec.status());
  if (!cmk_spec.ok()) return AwsErr(call, cmk_spec.status());
  if (!usage.ok()) return AwsErr(call, usage.status());
  auto type = AwsKeyTypeOf(*spec ? *spec : *cmk_spec, *usage);
  if (!type.ok()) return AwsErr(call, type.status());
  if (auto mr = OptBool(o, "MultiRegion"); !mr.ok() || mr->value_or(false)) {
    return AwsErr(call, mr.ok() ? Unsupported("multi-Region keys are not supported") : mr.status());
  }
  if (o.contains("CustomKeyStoreId") || o.contains("XksKeyId")) {
    return AwsErr(call, Unsupported("custom key stores are not supported"));
  }
  if (const json::value* p = o.if_contains("Policy"); p && !p->is_null()) {
    return AwsErr(call, Unsupported("key policies are not supported: keep's policies decide "
                                    "(docs/operations.md, \"Using AWS SDKs\")"));
  }
  keys::KeyPatch tags;  // set once the key exists; checked here first
  if (const json::value* t = o.if_contains("Tags"); t && !t->is_null()) {
    if (!t->is_array()) return AwsErr(call, InvalidArgument("Tags must be a list"));
    for (const auto& e : t->get_array()) {
      auto tag = AsObject(e, {"TagKey", "TagValue"}, "a tag");
      if (!tag.ok()) return AwsErr(call, tag.status());
      auto k = ReqString(**tag, "TagKey");
      auto v = ReqString(**tag, "TagValue");
      if (!k.ok()) return AwsErr(call, k.status());
      if (!v.ok()) return AwsErr(call, v.status());
      if (k->empty() || k->size() > 128 || v->size() > 256 || k->substr(0, 4) == "aws:") {
        return AwsErr(call,
                      InvalidArgument("a tag key is 1–128 bytes, not starting 'aws:', and "
                                      "its value at most 256"),
                      {"TagException", 400});
      }
      tags.set_tags[std::string(*k)] = std::string(*v);
    }
    if (tags.set_tags.size() > 50) {
      return AwsErr(call, InvalidArgument("a key holds at most 50 tags"), {"TagException", 400});
    }
  }
  keys::CreateKeyOptions opts;
  opts.name = name;
  opts.type = type->first;
  opts.purpose = type->second;
  auto desc = OptString(o, "Description");
  if (!desc.ok()) return AwsErr(call, desc.status());
  if (*desc) opts.description = std::string(**desc);
  auto created = service_.CreateKey(call.ctx, opts);
  if (!created.ok()) return AwsErr(call, created.status());
  call.event.version = created->latest_version;
  if (!tags.set_tags.empty()) {
    created = service_.UpdateKey(call.ctx, name, tags);
    if (!created.ok()) return AwsErr(call, created.status());
  }
  return AwsOk(KeyMetadataJson(*created));
}

HttpResponse AwsDoor::DescribeKey(Call& call) {
  if (Status st = Fields(call, {"KeyId", "GrantTokens"}); !st.ok()) return AwsErr(call, st);
  auto key = KeyOf(call, access::Operation::kKeyRead);
  if (!key.ok()) return AwsErr(call, key.status());
  auto m = service_.GetKey(call.ctx, *key);
  if (!m.ok()) return AwsErr(call, m.status());
  return AwsOk(KeyMetadataJson(*m));
}

HttpResponse AwsDoor::ListKeys(Call& call) {
  if (Status st = Fields(call, {"Limit", "Marker"}); !st.ok()) return AwsErr(call, st);
  if (Status st = Authorize(call, access::Operation::kKeyList, ""); !st.ok()) {
    return AwsErr(call, st);
  }
  size_t limit = 0;
  std::string marker;
  if (Status st = Paging(*call.in, &limit, &marker); !st.ok()) return AwsErr(call, st);
  auto page = service_.ListKeys(call.ctx, "", marker, limit);
  if (!page.ok()) return AwsErr(call, page.status());
  json::array keys;
  for (const auto& name : page->names) {
    if (!gate_.CanReadKey(call.ctx.identity, name)) continue;  // only what it may read
    auto m = service_.GetKey(call.ctx, name);
    if (!m.ok()) continue;  // deleted meanwhile
    keys.push_back(json::object{{"KeyId", KeyIdUuid(m->id)}, {"KeyArn", KeyArn(*m)}});
  }
  json::object out{{"Keys", std::move(keys)}};
  PageEnd(out, page->next);
  return AwsOk(json::serialize(out));
}

HttpResponse AwsDoor::ListAliases(Call& call) {
  if (Status st = Fields(call, {"KeyId", "Limit", "Marker"}); !st.ok()) return AwsErr(call, st);
  if (Status st = Authorize(call, access::Operation::kKeyList, ""); !st.ok()) {
    return AwsErr(call, st);
  }
  size_t limit = 0;
  std::string marker;
  if (Status st = Paging(*call.in, &limit, &marker); !st.ok()) return AwsErr(call, st);
  const std::string arn_prefix =
      "arn:aws:kms:" + options_.region + ":" + options_.account_id + ":alias/";
  auto entry = [&](std::string_view name, const format::KeyId& target, int64_t created) {
    return json::object{{"AliasName", "alias/" + std::string(name)},
                        {"AliasArn", arn_prefix + std::string(name)},
                        {"TargetKeyId", KeyIdUuid(target)},
                        {"CreationDate", created}};
  };
  auto custom = service_.ListAliases(call.ctx);
  if (!custom.ok()) return AwsErr(call, custom.status());
  json::array aliases;
  std::optional<std::string> next;
  auto key_id = OptString(*call.in, "KeyId");
  if (!key_id.ok()) return AwsErr(call, key_id.status());
  if (*key_id) {  // one key's aliases: its own name and those pointing at it
    auto key = ResolveKey(**key_id);
    if (!key.ok()) return AwsErr(call, key.status());
    if (gate_.CanReadKey(call.ctx.identity, *key)) {
      auto m = service_.GetKey(call.ctx, *key);
      if (!m.ok()) return AwsErr(call, m.status());
      aliases.push_back(entry(m->name, m->id, m->created_at));
      for (const auto& a : *custom) {
        if (a.key == *key) aliases.push_back(entry(a.name, m->id, a.created_at));
      }
    }
  } else if (marker.empty() || marker.substr(0, 2) == "k:") {
    // Keys' own names first (Marker "k:<key>"), then the aliases made with CreateAlias.
    auto page = service_.ListKeys(call.ctx, "", marker.empty() ? "" : marker.substr(2), limit);
    if (!page.ok()) return AwsErr(call, page.status());
    for (const auto& name : page->names) {
      if (!gate_.CanReadKey(call.ctx.identity, name)) continue;
      auto m = service_.GetKey(call.ctx, name);
      if (m.ok()) aliases.push_back(entry(m->name, m->id, m->created_at));
    }
    if (page->next) {
      next = "k:" + *page->next;
    } else if (!custom->empty()) {
      next = "a:";
    }
  } else if (marker.substr(0, 2) == "a:") {
    const std::string after = marker.substr(2);
    size_t n = 0;
    for (const auto& a : *custom) {
      if (!after.empty() && a.name <= after) continue;
      if (n == limit) {
        next =
            "a:" +
            std::string(aliases.back().as_object().at("AliasName").as_string().subview().substr(6));
        break;
      }
      if (!gate_.CanReadKey(call.ctx.identity, a.key)) continue;
      auto m = service_.GetKey(call.ctx, a.key);
      if (!m.ok()) continue;  // its key was deleted
      aliases.push_back(entry(a.name, m->id, a.created_at));
      ++n;
    }
  } else {
    return AwsErr(call, InvalidArgument("Marker is not one this server gave"));
  }
  json::object out{{"Aliases", std::move(aliases)}};
  PageEnd(out, next);
  return AwsOk(json::serialize(out));
}

HttpResponse AwsDoor::SetEnabled(Call& call, bool enabled) {
  if (Status st = Fields(call, {"KeyId"}); !st.ok()) return AwsErr(call, st);
  auto key = KeyOf(call, access::Operation::kKeyUpdate);
  if (!key.ok()) return AwsErr(call, key.status());
  keys::KeyPatch patch;
  patch.enabled = enabled;
  auto r = service_.UpdateKey(call.ctx, *key, patch);
  return r.ok() ? Empty() : AwsErr(call, r.status());
}

HttpResponse AwsDoor::UpdateKeyDescription(Call& call) {
  if (Status st = Fields(call, {"KeyId", "Description"}); !st.ok()) return AwsErr(call, st);
  auto key = KeyOf(call, access::Operation::kKeyUpdate);
  if (!key.ok()) return AwsErr(call, key.status());
  auto desc = OptString(*call.in, "Description");
  if (!desc.ok()) return AwsErr(call, desc.status());
  if (!*desc) return AwsErr(call, InvalidArgument("Description is required"));
  keys::KeyPatch patch;
  patch.description = std::string(**desc);
  auto r = service_.UpdateKey(call.ctx, *key, patch);
  return r.ok() ? Empty() : AwsErr(call, r.status());
}

HttpResponse AwsDoor::ScheduleKeyDeletion(Call& call) {
  if (Status st = Fields(call, {"KeyId", "PendingWindowInDays"}); !st.ok()) {
    return AwsErr(call, st);
  }
  auto key = KeyOf(call, access::Operation::kKeyDelete);
  if (!key.ok()) return AwsErr(call, key.status());
  auto days = OptInt(*call.in, "PendingWindowInDays");
  if (!days.ok()) return AwsErr(call, days.status());
  const int64_t d = days->value_or(30);
  if (d < 7 || d > 30) {  // AWS's window (keep's native API allows up to 365)
    return AwsErr(call, InvalidArgument("PendingWindowInDays must be between 7 and 30"));
  }
  auto m = service_.DeleteKey(call.ctx, *key, static_cast<int>(d));
  if (!m.ok()) return AwsErr(call, m.status());
  json::object out{{"KeyId", KeyArn(*m)},
                   {"DeletionDate", m->deletion_date},
                   {"KeyState", KeyStateOf(m->state)},
                   {"PendingWindowInDays", d}};
  return AwsOk(json::serialize(out));
}

HttpResponse AwsDoor::CancelKeyDeletion(Call& call) {
  if (Status st = Fields(call, {"KeyId"}); !st.ok()) return AwsErr(call, st);
  auto key = KeyOf(call, access::Operation::kKeyDelete);
  if (!key.ok()) return AwsErr(call, key.status());
  auto m = service_.CancelKeyDeletion(call.ctx, *key);
  if (!m.ok()) return AwsErr(call, m.status());
  return AwsOk(json::serialize(json::object{{"KeyId", KeyArn(*m)}}));
}

HttpResponse AwsDoor::SetRotation(Call& call, bool enabled) {
  if (Status st =
          enabled ? Fields(call, {"KeyId", "RotationPeriodInDays"}) : Fields(call, {"KeyId"});
      !st.ok()) {
    return AwsErr(call, st);
  }
  auto key = KeyOf(call, access::Operation::kKeyUpdate);
  if (!key.ok()) return AwsErr(call, key.status());
  keys::KeyPatch patch;
  if (enabled) {
    auto days = OptInt(*call.in, "RotationPeriodInDays");
    if (!days.ok()) return AwsErr(call, days.status());
    const int64_t d = days->value_or(365);
    if (d < 90 || d > 2560) {
      return AwsErr(call, InvalidArgument("RotationPeriodInDays must be between 90 and 2560"));
    }
    patch.auto_rotate_period = d * kDay;
  } else {
    patch.auto_rotate_period = 0;
  }
  auto r = service_.UpdateKey(call.ctx, *key, patch);
  return r.ok() ? Empty() : AwsErr(call, r.status());
}

HttpResponse AwsDoor::GetKeyRotationStatus(Call& call) {
  if (Status st = Fields(call, {"KeyId"}); !st.ok()) return AwsErr(call, st);
  auto key = KeyOf(call, access::Operation::kKeyRead);
  if (!key.ok()) return AwsErr(call, key.status());
  auto m = service_.GetKey(call.ctx, *key);
  if (!m.ok()) return AwsErr(call, m.status());
  const bool on = m->auto_rotate_period > 0;
  json::object out{{"KeyRotationEnabled", on}, {"KeyId", KeyArn(*m)}};
  if (on) {
    out["RotationPeriodInDays"] = (m->auto_rotate_period + kDay - 1) / kDay;
    out["NextRotationDate"] = m->LatestVersionCreatedAt() + m->auto_rotate_period;
  }
  return AwsOk(json::serialize(out));
}

HttpResponse AwsDoor::ListKeyRotations(Call& call) {
  if (Status st = Fields(call, {"KeyId", "Limit", "Marker"}); !st.ok()) return AwsErr(call, st);
  auto key = KeyOf(call, access::Operation::kKeyRead);
  if (!key.ok()) return AwsErr(call, key.status());
  size_t limit = 0;
  std::string marker;
  if (Status st = Paging(*call.in, &limit, &marker); !st.ok()) return AwsErr(call, st);
  auto m = service_.GetKey(call.ctx, *key);
  if (!m.ok()) return AwsErr(call, m.status());
  const uint32_t after = marker.empty() ? 1 : static_cast<uint32_t>(std::atoi(marker.c_str()));
  json::array rotations;
  std::optional<std::string> next;
  for (const auto& v : m->versions) {
    if (v.version <= after) continue;  // version 1 is the key's creation, not a rotation
    if (rotations.size() == limit) {
      next = std::to_string(v.version - 1);
      break;
    }
    rotations.push_back(json::object{{"KeyId", KeyArn(*m)},
                                     {"RotationDate", v.created_at},
                                     {"RotationType", v.automatic ? "AUTOMATIC" : "ON_DEMAND"}});
  }
  json::object out{{"Rotations", std::move(rotations)}};
  PageEnd(out, next);
  return AwsOk(json::serialize(out));
}

HttpResponse AwsDoor::RotateKeyOnDemand(Call& call) {
  if (Status st = Fields(call, {"KeyId"}); !st.ok()) return AwsErr(call, st);
  auto key = KeyOf(call, access::Operation::kKeyRotate);
  if (!key.ok()) return AwsErr(call, key.status());
  auto m = service_.RotateKey(call.ctx, *key);
  if (!m.ok()) return AwsErr(call, m.status());
  call.event.version = m->latest_version;
  return AwsOk(json::serialize(json::object{{"KeyId", KeyArn(*m)}}));
}

}  // namespace keep::http
