// The KMIP door: making and reading objects — Create, CreateKeyPair, Register, Get — and
// the helpers every operation shares (Activate, Revoke, Destroy: kmip_lifecycle.cc).
#include <algorithm>

#include "common/encoding.h"
#include "crypto/asymmetric.h"
#include "crypto/random.h"
#include "http/kmip_internal.h"

namespace keep::http::kmip_ops {
namespace {

// A random version-4 UUID.
Result<std::string> NewUid() {
  uint8_t b[16];
  KEEP_RETURN_IF_ERROR(crypto::RandomFill(b));
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);
  const std::string h = HexEncode(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

Result<std::string> UidOf(Call& c) {
  KEEP_ASSIGN_OR_RETURN(const Item* uid,
                        kmip::Field(c.payload, tag::kUniqueIdentifier, Type::kTextString,
                                    "Unique Identifier", false));
  if (uid != nullptr) return uid->text;
  if (!c.placeholder.empty()) return c.placeholder;
  return kmip::MissingData("the request names no object (Unique Identifier)");
}

// The client's attributes of a Create/Register: Template-Attribute (1.x) or Attributes (2.0).
Result<std::vector<kmip::Attribute>> RequestAttributes(const Item& payload, uint32_t v1_tag,
                                                       uint32_t v2_tag) {
  const Item* t = payload.Find(v1_tag);
  if (t == nullptr) t = payload.Find(v2_tag);
  return kmip::ParseAttributes(t);
}

Result<ObjectType> ObjectTypeOf(const Item& payload) {
  KEEP_ASSIGN_OR_RETURN(const Item* t, kmip::Field(payload, tag::kObjectType, Type::kEnumeration,
                                                   "Object Type", true));
  const auto type = static_cast<ObjectType>(t->number);
  switch (type) {
    case ObjectType::kCertificate:
    case ObjectType::kSymmetricKey:
    case ObjectType::kPublicKey:
    case ObjectType::kPrivateKey:
    case ObjectType::kSplitKey:
    case ObjectType::kSecretData:
    case ObjectType::kOpaqueData:
      return type;
  }
  return InvalidArgument("unknown Object Type");
}

Item CreatedPayload(ObjectType type, const std::string& uid) {
  std::vector<Item> p;
  p.push_back(Item::Enumeration(tag::kObjectType, static_cast<uint32_t>(type)));
  p.push_back(Item::Text(tag::kUniqueIdentifier, uid));
  return Item::Structure(tag::kResponsePayload, std::move(p));
}

// The cryptographic facts a key block reported, as attributes (the client's must agree).
Status ApplyFacts(ManagedObject& o, const kmip::KeyFacts& f) {
  if (f.algorithm) {
    if (const auto* a = o.Find("Cryptographic Algorithm"); a && a->value.number != *f.algorithm) {
      return InvalidArgument("the Cryptographic Algorithm attribute contradicts the key");
    }
    o.Set("Cryptographic Algorithm", Item::Enumeration(0, *f.algorithm));
  }
  if (f.length) {
    if (const auto* a = o.Find("Cryptographic Length"); a && a->value.number != *f.length) {
      return InvalidArgument("the Cryptographic Length attribute contradicts the key");
    }
    o.Set("Cryptographic Length", Item::Integer(0, *f.length));
  }
  return Status::Ok();
}

}  // namespace

Item UidPayload(const std::string& uid) {
  std::vector<Item> p;
  p.push_back(Item::Text(tag::kUniqueIdentifier, uid));
  return Item::Structure(tag::kResponsePayload, std::move(p));
}

Status Illegal(std::string message) {
  return FailedPrecondition("failed_precondition", std::move(message));
}

Status CheckUsage(const ManagedObject& o, uint32_t bit, std::string_view what) {
  const auto* mask = o.Find("Cryptographic Usage Mask");
  if (mask != nullptr && (static_cast<uint32_t>(mask->value.number) & bit) == 0) {
    return InvalidArgument(
        "the object's Cryptographic Usage Mask does not allow " + std::string(what),
        "invalid_key_usage");
  }
  return Status::Ok();
}

State Refresh(ManagedObject& o, int64_t now) {
  State s = o.state();
  if (s == State::kPreActive) {
    const auto* at = o.Find("Activation Date");
    if (at != nullptr && at->value.number <= now) {
      s = State::kActive;
      o.Set("State", Item::Enumeration(0, static_cast<uint32_t>(s)));
    }
  }
  if (s == State::kActive) {
    const auto* at = o.Find("Deactivation Date");
    if (at != nullptr && at->value.number <= now) {
      s = State::kDeactivated;
      o.Set("State", Item::Enumeration(0, static_cast<uint32_t>(s)));
    }
  }
  return s;
}

Result<ManagedObject> Load(Call& c, O op) {
  KEEP_ASSIGN_OR_RETURN(const std::string uid, UidOf(c));
  c.event.target = "kmip:" + uid.substr(0, 64);
  KEEP_ASSIGN_OR_RETURN(auto stored, c.service.KmipGet(uid));
  if (!stored) return NotFound("no KMIP object '" + uid.substr(0, 64) + "'");
  KEEP_ASSIGN_OR_RETURN(ManagedObject o, kmip::DecodeObject(stored->view()));
  Refresh(o, c.now);
  KEEP_RETURN_IF_ERROR(c.gate.Authorize(c, op, kmip::ResourceOf(o)));
  c.placeholder = o.uid;
  return o;
}

Status Store(Call& c, ManagedObject& o, bool create) {
  o.Set("Last Change Date", Item::DateTime(0, c.now));
  const crypto::SecretBytes record = kmip::EncodeObject(o);
  const service::Service::KmipRecord r{o.uid, record.view()};
  return c.service.KmipPut({&r, 1}, create);
}

Result<ManagedObject> NewObject(Call& c, ObjectType type, std::vector<kmip::Attribute> attrs) {
  ManagedObject o;
  o.type = type;
  o.group = c.options.default_group;
  for (const auto& a : attrs) {
    if (a.name == "Object Group" && kmip::ValidGroup(a.value.text)) {
      o.group = a.value.text;
      break;
    }
  }
  c.event.key = "kmip/" + o.group + "/";
  KEEP_RETURN_IF_ERROR(c.gate.Authorize(c, O::kKeyCreate, c.event.key));
  KEEP_ASSIGN_OR_RETURN(o.uid, NewUid());
  o.owner = c.ctx.identity.id;
  o.Set("Unique Identifier", Item::Text(0, o.uid));
  o.Set("Object Type", Item::Enumeration(0, static_cast<uint32_t>(type)));
  o.Set("State", Item::Enumeration(0, static_cast<uint32_t>(State::kPreActive)));
  o.Set("Initial Date", Item::DateTime(0, c.now));
  for (auto& a : attrs) {
    const kmip::AttributeSpec* spec = kmip::FindAttributeSpec(a.name);
    if ((spec == nullptr && !kmip::IsClientCustom(a.name)) ||
        (spec != nullptr && spec->setter == kmip::Setter::kServer)) {
      return Status(Code::kInvalidArgument, "kmip_read_only_attribute",
                    "attribute '" + a.name + "' is set by the server");
    }
    if (spec != nullptr && !spec->multi) {
      if (o.Find(a.name) != nullptr) {
        return InvalidArgument("attribute '" + a.name + "' is given twice");
      }
      o.Set(a.name, std::move(a.value));
    } else {
      o.Add(a.name, std::move(a.value));
    }
  }
  Refresh(o, c.now);
  c.event.key = kmip::ResourceOf(o);
  c.event.target = "kmip:" + o.uid;
  return o;
}

Result<Item> Create(Call& c) {
  KEEP_ASSIGN_OR_RETURN(ObjectType type, ObjectTypeOf(c.payload));
  if (type != ObjectType::kSymmetricKey) {
    return Status(Code::kInvalidArgument, "kmip_feature_not_supported",
                  "Create makes symmetric keys; CreateKeyPair makes key pairs, Register the rest");
  }
  KEEP_ASSIGN_OR_RETURN(auto attrs,
                        RequestAttributes(c.payload, tag::kTemplateAttribute, tag::kAttributes));
  KEEP_ASSIGN_OR_RETURN(ManagedObject o, NewObject(c, type, std::move(attrs)));
  const auto* alg = o.Find("Cryptographic Algorithm");
  const auto* len = o.Find("Cryptographic Length");
  if (alg == nullptr || len == nullptr) {
    return kmip::MissingData("Create needs a Cryptographic Algorithm and Length");
  }
  const auto a = static_cast<kmip::Algorithm>(alg->value.number);
  const int64_t bits = len->value.number;
  uint32_t usage = 0;
  if (a == kmip::Algorithm::kAes) {
    if (bits != 128 && bits != 192 && bits != 256) {
      return InvalidArgument("AES keys are 128, 192 or 256 bits");
    }
    usage = kmip::kUsageEncrypt | kmip::kUsageDecrypt;
  } else if (a >= kmip::Algorithm::kHmacSha1 && a <= kmip::Algorithm::kHmacSha512) {
    if (bits < 128 || bits > 4096 || bits % 8 != 0) {
      return InvalidArgument("HMAC keys are 128 to 4096 bits, whole bytes");
    }
    usage = kmip::kUsageMacGenerate | kmip::kUsageMacVerify;
  } else {
    return Status(Code::kInvalidArgument, "kmip_feature_not_supported",
                  "Create makes AES and HMAC keys");
  }
  if (o.Find("Cryptographic Usage Mask") == nullptr) {
    o.Set("Cryptographic Usage Mask", Item::Integer(0, static_cast<int32_t>(usage)));
  }
  KEEP_ASSIGN_OR_RETURN(o.material, crypto::RandomSecret(static_cast<size_t>(bits / 8)));
  o.has_material = true;
  o.format = kmip::KeyFormat::kRaw;
  KEEP_RETURN_IF_ERROR(Store(c, o, true));
  c.placeholder = o.uid;
  return CreatedPayload(type, o.uid);
}

Result<Item> CreateKeyPair(Call& c) {
  KEEP_ASSIGN_OR_RETURN(auto common, RequestAttributes(c.payload, tag::kCommonTemplateAttribute,
                                                       tag::kCommonAttributes));
  KEEP_ASSIGN_OR_RETURN(auto priv, RequestAttributes(c.payload, tag::kPrivateKeyTemplateAttribute,
                                                     tag::kPrivateKeyAttributes));
  KEEP_ASSIGN_OR_RETURN(auto pub, RequestAttributes(c.payload, tag::kPublicKeyTemplateAttribute,
                                                    tag::kPublicKeyAttributes));
  for (const auto& a : common) {
    priv.insert(priv.begin(), a.Clone());
    pub.insert(pub.begin(), a.Clone());
  }
  KEEP_ASSIGN_OR_RETURN(ManagedObject sk, NewObject(c, ObjectType::kPrivateKey, std::move(priv)));
  KEEP_ASSIGN_OR_RETURN(ManagedObject pk, NewObject(c, ObjectType::kPublicKey, std::move(pub)));
  const auto* alg = sk.Find("Cryptographic Algorithm");
  const auto* len = sk.Find("Cryptographic Length");
  if (alg == nullptr || len == nullptr) {
    return kmip::MissingData("CreateKeyPair needs a Cryptographic Algorithm and Length");
  }
  if (alg->value.number != static_cast<int64_t>(kmip::Algorithm::kRsa)) {
    return Status(Code::kInvalidArgument, "kmip_feature_not_supported",
                  "CreateKeyPair makes RSA keys");
  }
  const int64_t bits = len->value.number;
  if (bits != 2048 && bits != 3072 && bits != 4096) {
    return InvalidArgument("RSA keys are 2048, 3072 or 4096 bits");
  }
  KEEP_ASSIGN_OR_RETURN(
      auto pair, crypto::asym::KeyPair::Generate(crypto::asym::Kind::kRsa, static_cast<int>(bits)));
  KEEP_ASSIGN_OR_RETURN(sk.material, kmip::EncodeKey(pair.get(), true, kmip::KeyFormat::kPkcs1));
  KEEP_ASSIGN_OR_RETURN(pk.material, kmip::EncodeKey(pair.get(), false, kmip::KeyFormat::kPkcs1));
  sk.has_material = pk.has_material = true;
  sk.format = pk.format = kmip::KeyFormat::kPkcs1;
  for (ManagedObject* o : {&sk, &pk}) {
    o->Set("Cryptographic Algorithm",
           Item::Enumeration(0, static_cast<uint32_t>(kmip::Algorithm::kRsa)));
    o->Set("Cryptographic Length", Item::Integer(0, static_cast<int32_t>(bits)));
  }
  if (sk.Find("Cryptographic Usage Mask") == nullptr) {
    sk.Set("Cryptographic Usage Mask",
           Item::Integer(0, static_cast<int32_t>(kmip::kUsageSign | kmip::kUsageDecrypt)));
  }
  if (pk.Find("Cryptographic Usage Mask") == nullptr) {
    pk.Set("Cryptographic Usage Mask",
           Item::Integer(0, static_cast<int32_t>(kmip::kUsageVerify | kmip::kUsageEncrypt)));
  }
  auto link = [](kmip::LinkType type, const std::string& uid) {
    std::vector<Item> l;
    l.push_back(Item::Enumeration(tag::kLinkType, static_cast<uint32_t>(type)));
    l.push_back(Item::Text(tag::kLinkedObjectIdentifier, uid));
    return Item::Structure(0, std::move(l));
  };
  sk.Add("Link", link(kmip::LinkType::kPublicKeyLink, pk.uid));
  pk.Add("Link", link(kmip::LinkType::kPrivateKeyLink, sk.uid));
  for (ManagedObject* o : {&sk, &pk}) o->Set("Last Change Date", Item::DateTime(0, c.now));
  const crypto::SecretBytes a = kmip::EncodeObject(sk), b = kmip::EncodeObject(pk);
  const service::Service::KmipRecord records[] = {{sk.uid, a.view()}, {pk.uid, b.view()}};
  KEEP_RETURN_IF_ERROR(c.service.KmipPut(records, true));
  c.event.target = "kmip:" + sk.uid + "+" + pk.uid;
  c.placeholder = sk.uid;
  std::vector<Item> p;
  p.push_back(Item::Text(tag::kPrivateKeyUniqueIdentifier, sk.uid));
  p.push_back(Item::Text(tag::kPublicKeyUniqueIdentifier, pk.uid));
  return Item::Structure(tag::kResponsePayload, std::move(p));
}

Result<Item> Register(Call& c) {
  KEEP_ASSIGN_OR_RETURN(ObjectType type, ObjectTypeOf(c.payload));
  KEEP_ASSIGN_OR_RETURN(auto attrs,
                        RequestAttributes(c.payload, tag::kTemplateAttribute, tag::kAttributes));
  const Item* object = c.payload.Find(kmip::ObjectTag(type));
  if (object == nullptr) return kmip::MissingData("Register needs the object itself");
  KEEP_ASSIGN_OR_RETURN(ManagedObject o, NewObject(c, type, std::move(attrs)));
  KEEP_ASSIGN_OR_RETURN(const kmip::KeyFacts facts, kmip::ReadObject(*object, o));
  KEEP_RETURN_IF_ERROR(ApplyFacts(o, facts));
  if (IsAes(o) && o.material.size() != 16 && o.material.size() != 24 && o.material.size() != 32) {
    return InvalidArgument("an AES key is 128, 192 or 256 bits");
  }
  KEEP_RETURN_IF_ERROR(Store(c, o, true));
  c.placeholder = o.uid;
  return UidPayload(o.uid);
}

Result<Item> Get(Call& c) {
  KEEP_ASSIGN_OR_RETURN(ManagedObject o, Load(c, O::kExport));
  KEEP_ASSIGN_OR_RETURN(const Item* fmt, kmip::Field(c.payload, tag::kKeyFormatType,
                                                     Type::kEnumeration, "Key Format Type", false));
  if (c.payload.Find(tag::kKeyWrappingSpecification) != nullptr ||
      c.payload.Find(tag::kKeyCompressionType) != nullptr) {
    return Status(Code::kInvalidArgument, "kmip_feature_not_supported",
                  "keep returns keys unwrapped and uncompressed, over TLS");
  }
  if (!o.has_material) return Illegal("the object is destroyed: its key material is gone");
  if (const auto* x = o.Find("Extractable"); x != nullptr && x->value.number == 0) {
    return Status(Code::kInvalidArgument, "kmip_not_extractable", "the object is not extractable");
  }
  if (const auto* x = o.Find("Sensitive"); x != nullptr && x->value.number != 0) {
    return Status(Code::kInvalidArgument, "kmip_not_extractable",
                  "the object is sensitive: keep does not export it");
  }
  std::optional<kmip::KeyFormat> format;
  if (fmt != nullptr) format = static_cast<kmip::KeyFormat>(fmt->number);
  KEEP_ASSIGN_OR_RETURN(Item object, kmip::ObjectItem(o, format));
  // Key material leaving keep counts as a decryption (budgets and lockdown).
  KEEP_RETURN_IF_ERROR(c.gate.CountDecrypts(c, 1));
  std::vector<Item> p;
  p.push_back(Item::Enumeration(tag::kObjectType, static_cast<uint32_t>(o.type)));
  p.push_back(Item::Text(tag::kUniqueIdentifier, o.uid));
  p.push_back(std::move(object));
  return Item::Structure(tag::kResponsePayload, std::move(p));
}

}  // namespace keep::http::kmip_ops
