#include "kmip/object.h"

#include <algorithm>

namespace keep::kmip {
namespace {

using S = Setter;
using T = Type;

constexpr AttributeSpec kSpecs[] = {
    {"Unique Identifier", tag::kUniqueIdentifier, T::kTextString, false, S::kServer},
    {"Name", tag::kName, T::kStructure, true, S::kClient},
    {"Object Type", tag::kObjectType, T::kEnumeration, false, S::kServer},
    {"Cryptographic Algorithm", tag::kCryptographicAlgorithm, T::kEnumeration, false, S::kCreate},
    {"Cryptographic Length", tag::kCryptographicLength, T::kInteger, false, S::kCreate},
    {"Cryptographic Parameters", tag::kCryptographicParameters, T::kStructure, true, S::kClient},
    {"Cryptographic Usage Mask", tag::kCryptographicUsageMask, T::kInteger, false, S::kCreate},
    {"Certificate Type", tag::kCertificateType, T::kEnumeration, false, S::kServer},
    {"Operation Policy Name", tag::kOperationPolicyName, T::kTextString, false, S::kClient},
    {"State", tag::kState, T::kEnumeration, false, S::kServer},
    {"Initial Date", tag::kInitialDate, T::kDateTime, false, S::kServer},
    {"Activation Date", tag::kActivationDate, T::kDateTime, false, S::kClient},
    {"Process Start Date", tag::kProcessStartDate, T::kDateTime, false, S::kClient},
    {"Protect Stop Date", tag::kProtectStopDate, T::kDateTime, false, S::kClient},
    {"Deactivation Date", tag::kDeactivationDate, T::kDateTime, false, S::kClient},
    {"Destroy Date", tag::kDestroyDate, T::kDateTime, false, S::kServer},
    {"Compromise Occurrence Date", tag::kCompromiseOccurrenceDate, T::kDateTime, false, S::kServer},
    {"Compromise Date", tag::kCompromiseDate, T::kDateTime, false, S::kServer},
    {"Revocation Reason", tag::kRevocationReason, T::kStructure, false, S::kServer},
    {"Object Group", tag::kObjectGroup, T::kTextString, true, S::kClient},
    {"Link", tag::kLink, T::kStructure, true, S::kClient},
    {"Application Specific Information", tag::kApplicationSpecificInformation, T::kStructure, true,
     S::kClient},
    {"Contact Information", tag::kContactInformation, T::kTextString, false, S::kClient},
    {"Last Change Date", tag::kLastChangeDate, T::kDateTime, false, S::kServer},
    {"Sensitive", tag::kSensitive, T::kBoolean, false, S::kClient},
    {"Extractable", tag::kExtractable, T::kBoolean, false, S::kClient},
    {"Description", tag::kDescription, T::kTextString, false, S::kClient},
    {"Comment", tag::kComment, T::kTextString, false, S::kClient},
    {"Original Creation Date", tag::kOriginalCreationDate, T::kDateTime, false, S::kServer},
};

Status Bad(std::string message) {
  return InvalidArgument(std::move(message));
}

bool Printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

// Structured attributes: the children each must have, with their types.
Status CheckStructure(const AttributeSpec& spec, const Item& v) {
  auto need = [&](uint32_t t, Type type, const char* what) -> Status {
    const Item* c = v.Find(t);
    if (c == nullptr || c->type != type) {
      return Bad(std::string(spec.name) + " needs " + what);
    }
    return Status::Ok();
  };
  switch (spec.tag) {
    case tag::kName:
      KEEP_RETURN_IF_ERROR(need(tag::kNameValue, T::kTextString, "a Name Value"));
      return need(tag::kNameType, T::kEnumeration, "a Name Type");
    case tag::kLink:
      KEEP_RETURN_IF_ERROR(need(tag::kLinkType, T::kEnumeration, "a Link Type"));
      return need(tag::kLinkedObjectIdentifier, T::kTextString, "a Linked Object Identifier");
    default:
      return Status::Ok();
  }
}

}  // namespace

const AttributeSpec* FindAttributeSpec(std::string_view name) {
  for (const auto& s : kSpecs) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const AttributeSpec* FindAttributeSpecByTag(uint32_t t) {
  for (const auto& s : kSpecs) {
    if (s.tag == t) return &s;
  }
  return nullptr;
}

bool IsClientCustom(std::string_view name) {
  return name.size() > 2 && name.size() <= 128 && name.substr(0, 2) == "x-" && Printable(name);
}

Attribute Attribute::Clone() const {
  return Attribute{name, index, value.Clone()};
}

Result<Attribute> ParseAttribute(const Item& item) {
  Attribute a;
  const Item* value = nullptr;
  if (item.tag == tag::kAttribute) {  // 1.x: Attribute Name, Attribute Index, Attribute Value
    const Item* name = item.Find(tag::kAttributeName);
    if (name == nullptr || name->type != T::kTextString) {
      return Bad("an Attribute needs an Attribute Name");
    }
    a.name = name->text;
    if (const Item* idx = item.Find(tag::kAttributeIndex); idx != nullptr) {
      if (idx->type != T::kInteger || idx->number < 0) {
        return Bad("an Attribute Index is a non-negative Integer");
      }
      a.index = static_cast<int32_t>(idx->number);
    }
    value = item.Find(tag::kAttributeValue);
    if (value == nullptr) return MissingData("attribute '" + a.name + "' has no Attribute Value");
  } else {  // 2.0: the attribute's own tag
    const AttributeSpec* spec = FindAttributeSpecByTag(item.tag);
    if (spec == nullptr) return Bad("unknown attribute tag " + std::to_string(item.tag));
    a.name = std::string(spec->name);
    value = &item;
  }
  if (const AttributeSpec* spec = FindAttributeSpec(a.name); spec != nullptr) {
    if (value->type != spec->type) {
      return Bad("attribute '" + a.name + "' has the wrong type");
    }
    KEEP_RETURN_IF_ERROR(CheckStructure(*spec, *value));
  } else if (!IsClientCustom(a.name) &&
             !(a.name.size() > 2 && a.name.substr(0, 2) == "y-" && Printable(a.name))) {
    return Bad("unknown attribute '" + a.name.substr(0, 64) + "'");
  }
  a.value = value->Clone(tag::kAttributeValue);
  return a;
}

Result<std::vector<Attribute>> ParseAttributes(const Item* container) {
  std::vector<Attribute> out;
  if (container == nullptr) return out;
  if (container->type != T::kStructure) return Bad("attributes must be a Structure");
  for (const Item& c : container->children) {
    if (c.tag == tag::kName && container->tag != tag::kAttributes) {
      // 1.x Template-Attribute: a Name of the (unsupported) template itself.
      return Bad("named templates are not supported (KMIP 1.x templates are deprecated)");
    }
    KEEP_ASSIGN_OR_RETURN(Attribute a, ParseAttribute(c));
    out.push_back(std::move(a));
  }
  return out;
}

Item AttributeItem(const Attribute& a, ProtocolVersion v) {
  if (v.major >= 2) {
    if (const AttributeSpec* spec = FindAttributeSpec(a.name); spec != nullptr) {
      return a.value.Clone(spec->tag);
    }
  }
  std::vector<Item> parts;
  parts.push_back(Item::Text(tag::kAttributeName, a.name));
  const AttributeSpec* spec = FindAttributeSpec(a.name);
  if (spec == nullptr || spec->multi) parts.push_back(Item::Integer(tag::kAttributeIndex, a.index));
  parts.push_back(a.value.Clone(tag::kAttributeValue));
  return Item::Structure(tag::kAttribute, std::move(parts));
}

const Attribute* ManagedObject::Find(std::string_view name, int32_t index) const {
  for (const auto& a : attributes) {
    if (a.name == name && (index < 0 || a.index == index)) return &a;
  }
  return nullptr;
}

std::vector<const Attribute*> ManagedObject::FindAll(std::string_view name) const {
  std::vector<const Attribute*> out;
  for (const auto& a : attributes) {
    if (a.name == name) out.push_back(&a);
  }
  return out;
}

int64_t ManagedObject::Number(std::string_view name, int64_t fallback) const {
  const Attribute* a = Find(name);
  return a == nullptr ? fallback : a->value.number;
}

void ManagedObject::Set(std::string_view name, Item value) {
  Remove(name);
  value.tag = tag::kAttributeValue;
  attributes.push_back(Attribute{std::string(name), 0, std::move(value)});
}

int32_t ManagedObject::Add(std::string_view name, Item value) {
  int32_t next = 0;
  for (const auto& a : attributes) {
    if (a.name == name) next = std::max(next, a.index + 1);
  }
  value.tag = tag::kAttributeValue;
  attributes.push_back(Attribute{std::string(name), next, std::move(value)});
  return next;
}

void ManagedObject::Remove(std::string_view name, int32_t index) {
  std::erase_if(attributes, [&](const Attribute& a) {
    return a.name == name && (index < 0 || a.index == index);
  });
}

crypto::SecretBytes EncodeObject(const ManagedObject& o) {
  std::vector<Item> f;
  f.push_back(Item::Text(tag::kUniqueIdentifier, o.uid));
  f.push_back(Item::Enumeration(tag::kObjectType, static_cast<uint32_t>(o.type)));
  f.push_back(Item::Text(tag::kKeepGroup, o.group));
  f.push_back(Item::Text(tag::kKeepOwner, o.owner));
  f.push_back(Item::Enumeration(tag::kKeyFormatType, static_cast<uint32_t>(o.format)));
  if (o.has_material) f.push_back(Item::Bytes(tag::kKeyMaterial, o.material.view()));
  switch (o.type) {
    case ObjectType::kSecretData:
      f.push_back(Item::Enumeration(tag::kSecretDataType, o.subtype));
      break;
    case ObjectType::kOpaqueData:
      f.push_back(Item::Enumeration(tag::kOpaqueDataType, o.subtype));
      break;
    case ObjectType::kCertificate:
      f.push_back(Item::Enumeration(tag::kCertificateType, o.subtype));
      break;
    case ObjectType::kSplitKey:
      f.push_back(Item::Integer(tag::kSplitKeyParts, o.split_parts));
      f.push_back(Item::Integer(tag::kKeyPartIdentifier, o.split_id));
      f.push_back(Item::Integer(tag::kSplitKeyThreshold, o.split_threshold));
      f.push_back(Item::Enumeration(tag::kSplitKeyMethod, o.split_method));
      if (!o.prime_field_size.empty()) {
        f.push_back(Item::BigInteger(tag::kPrimeFieldSize, o.prime_field_size));
      }
      break;
    default:
      break;
  }
  for (const auto& a : o.attributes) f.push_back(AttributeItem(a, {1, 4}));
  return Encode(Item::Structure(tag::kKeepObject, std::move(f)));
}

Result<ManagedObject> DecodeObject(ByteView stored) {
  KEEP_ASSIGN_OR_RETURN(Item root, Decode(stored));
  if (root.tag != tag::kKeepObject || root.type != T::kStructure) {
    return Bad("not a stored KMIP object");
  }
  ManagedObject o;
  for (Item& c : root.children) {
    switch (c.tag) {
      case tag::kUniqueIdentifier:
        o.uid = c.text;
        break;
      case tag::kObjectType:
        o.type = static_cast<ObjectType>(c.number);
        break;
      case tag::kKeepGroup:
        o.group = c.text;
        break;
      case tag::kKeepOwner:
        o.owner = c.text;
        break;
      case tag::kKeyFormatType:
        o.format = static_cast<KeyFormat>(c.number);
        break;
      case tag::kKeyMaterial:
        o.material = std::move(c.bytes);
        o.has_material = true;
        break;
      case tag::kSecretDataType:
      case tag::kOpaqueDataType:
      case tag::kCertificateType:
        o.subtype = static_cast<uint32_t>(c.number);
        break;
      case tag::kSplitKeyParts:
        o.split_parts = static_cast<int32_t>(c.number);
        break;
      case tag::kKeyPartIdentifier:
        o.split_id = static_cast<int32_t>(c.number);
        break;
      case tag::kSplitKeyThreshold:
        o.split_threshold = static_cast<int32_t>(c.number);
        break;
      case tag::kSplitKeyMethod:
        o.split_method = static_cast<uint32_t>(c.number);
        break;
      case tag::kPrimeFieldSize:
        o.prime_field_size.assign(c.bytes.view().begin(), c.bytes.view().end());
        break;
      case tag::kAttribute: {
        KEEP_ASSIGN_OR_RETURN(Attribute a, ParseAttribute(c));
        o.attributes.push_back(std::move(a));
        break;
      }
      default:
        return Bad("a stored KMIP object has an unknown field");
    }
  }
  if (o.uid.empty()) return Bad("a stored KMIP object has no Unique Identifier");
  return o;
}

bool ValidGroup(std::string_view g) {
  if (g.empty() || g.size() > 64) return false;
  return std::all_of(g.begin(), g.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

std::string ResourceOf(const ManagedObject& o) {
  return "kmip/" + o.group + "/" + o.uid;
}

Status MissingData(std::string message) {
  return Status(Code::kInvalidArgument, "kmip_missing_data", std::move(message));
}

Result<const Item*> Field(const Item& parent, uint32_t t, Type type, std::string_view name,
                          bool required) {
  const Item* c = parent.Find(t);
  if (c == nullptr) {
    if (required) return MissingData("the request has no " + std::string(name));
    return static_cast<const Item*>(nullptr);
  }
  if (c->type != type) return Bad(std::string(name) + " has the wrong type");
  return c;
}

}  // namespace keep::kmip
