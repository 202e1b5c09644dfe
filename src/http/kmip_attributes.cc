// The KMIP door: attributes — GetAttributes, GetAttributeList, AddAttribute,
// ModifyAttribute, DeleteAttribute — and Locate, which finds objects by them.
#include <algorithm>
#include <map>

#include "http/kmip_internal.h"

namespace keep::http::kmip_ops {
namespace {

using kmip::Attribute;

bool SameValue(const Item& a, const Item& b) {
  if (a.type != b.type || a.number != b.number || a.text != b.text || !(a.bytes == b.bytes) ||
      a.children.size() != b.children.size()) {
    return false;
  }
  for (size_t i = 0; i < a.children.size(); ++i) {
    if (a.children[i].tag != b.children[i].tag || !SameValue(a.children[i], b.children[i])) {
      return false;
    }
  }
  return true;
}

Status ReadOnly(const std::string& name) {
  return Status(Code::kInvalidArgument, "kmip_read_only_attribute",
                "attribute '" + name.substr(0, 64) + "' cannot be changed by clients");
}

// Whether a client may change `name` now, to `value` (nullptr: delete it).
Status MayChange(const ManagedObject& o, const std::string& name, const Item* value) {
  const kmip::AttributeSpec* spec = kmip::FindAttributeSpec(name);
  if (spec == nullptr ? !kmip::IsClientCustom(name) : spec->setter != kmip::Setter::kClient) {
    return ReadOnly(name);
  }
  const auto* old = o.Find(name);
  if (name == "Activation Date" && o.state() != State::kPreActive) {
    return Illegal("the Activation Date changes only while the object is Pre-Active");
  }
  if (name == "Extractable" && old != nullptr && old->value.number == 0 &&
      (value == nullptr || value->number != 0)) {
    return Illegal("an object that is not extractable stays so");
  }
  if (name == "Sensitive" && old != nullptr && old->value.number != 0 &&
      (value == nullptr || value->number == 0)) {
    return Illegal("a sensitive object stays so");
  }
  return Status::Ok();
}

Item WithUid(const std::string& uid, std::vector<Item> rest) {
  std::vector<Item> p;
  p.push_back(Item::Text(tag::kUniqueIdentifier, uid));
  for (Item& i : rest) p.push_back(std::move(i));
  return Item::Structure(tag::kResponsePayload, std::move(p));
}

// The attribute names a 2.0 Attribute Reference (an Enumeration of the tag) or a 1.x
// Attribute Name asks for.
Result<std::string> NameOf(const Item& ref) {
  if (ref.tag == tag::kAttributeName && ref.type == Type::kTextString) return ref.text;
  if (ref.tag == tag::kAttributeReference && ref.type == Type::kEnumeration) {
    const auto* spec = kmip::FindAttributeSpecByTag(static_cast<uint32_t>(ref.number));
    if (spec == nullptr) return InvalidArgument("unknown Attribute Reference");
    return std::string(spec->name);
  }
  return InvalidArgument("an attribute is named by an Attribute Name or Attribute Reference");
}

bool IsDate(const Item& v) {
  return v.type == Type::kDateTime;
}

// Whether `o` carries every filter attribute (dates given twice are a range; the usage
// mask matches when it holds every bit asked for).
bool Matches(const ManagedObject& o, const std::vector<Attribute>& filters) {
  std::map<std::string, std::vector<int64_t>> dates;
  for (const Attribute& f : filters) {
    if (IsDate(f.value)) {
      dates[f.name].push_back(f.value.number);
      continue;
    }
    const auto have = o.FindAll(f.name);
    bool found = false;
    for (const Attribute* a : have) {
      if (f.name == "Cryptographic Usage Mask") {
        found = found || (a->value.number & f.value.number) == f.value.number;
      } else {
        found = found || SameValue(a->value, f.value);
      }
    }
    if (!found) return false;
  }
  for (const auto& [name, bounds] : dates) {
    const auto* a = o.Find(name);
    if (a == nullptr) return false;
    const int64_t lo = *std::min_element(bounds.begin(), bounds.end());
    const int64_t hi = *std::max_element(bounds.begin(), bounds.end());
    if (a->value.number < lo || a->value.number > hi) return false;
  }
  return true;
}

}  // namespace

Result<Item> GetAttributes(Call& c) {
  KEEP_ASSIGN_OR_RETURN(ManagedObject o, Load(c, O::kKeyRead));
  std::vector<std::string> names;
  for (const Item& ch : c.payload.children) {
    if (ch.tag != tag::kAttributeName && ch.tag != tag::kAttributeReference) continue;
    KEEP_ASSIGN_OR_RETURN(std::string n, NameOf(ch));
    names.push_back(std::move(n));
  }
  std::vector<Item> attrs;
  for (const Attribute& a : o.attributes) {
    if (!names.empty() && std::find(names.begin(), names.end(), a.name) == names.end()) continue;
    if (c.version.major >= 2 && kmip::FindAttributeSpec(a.name) == nullptr) continue;
    attrs.push_back(kmip::AttributeItem(a, c.version));
  }
  std::vector<Item> rest;
  if (c.version.major >= 2) {
    rest.push_back(Item::Structure(tag::kAttributes, std::move(attrs)));
  } else {
    rest = std::move(attrs);
  }
  return WithUid(o.uid, std::move(rest));
}

Result<Item> GetAttributeList(Call& c) {
  KEEP_ASSIGN_OR_RETURN(ManagedObject o, Load(c, O::kKeyRead));
  std::vector<std::string> names;
  for (const Attribute& a : o.attributes) {
    if (std::find(names.begin(), names.end(), a.name) == names.end()) names.push_back(a.name);
  }
  std::vector<Item> rest;
  for (const auto& n : names) {
    if (c.version.major >= 2) {
      const auto* spec = kmip::FindAttributeSpec(n);
      if (spec != nullptr) rest.push_back(Item::Enumeration(tag::kAttributeReference, spec->tag));
    } else {
      rest.push_back(Item::Text(tag::kAttributeName, n));
    }
  }
  return WithUid(o.uid, std::move(rest));
}

Result<Item> AddAttribute(Call& c) {
  KEEP_ASSIGN_OR_RETURN(ManagedObject o, Load(c, O::kKeyUpdate));
  const Item* given = c.payload.Find(tag::kAttribute);
  if (given == nullptr) {
    const Item* wrapped = c.payload.Find(tag::kNewAttribute);  // 2.0
    if (wrapped != nullptr && wrapped->children.size() == 1) given = &wrapped->children[0];
  }
  if (given == nullptr) return kmip::MissingData("AddAttribute needs the attribute");
  KEEP_ASSIGN_OR_RETURN(Attribute a, kmip::ParseAttribute(*given));
  KEEP_RETURN_IF_ERROR(MayChange(o, a.name, &a.value));
  const auto* spec = kmip::FindAttributeSpec(a.name);
  if ((spec == nullptr || !spec->multi) && o.Find(a.name) != nullptr) {
    return InvalidArgument("attribute '" + a.name + "' is present already (ModifyAttribute)");
  }
  a.index = o.Add(a.name, std::move(a.value));
  Refresh(o, c.now);
  KEEP_RETURN_IF_ERROR(Store(c, o, false));
  std::vector<Item> rest;
  if (c.version.major < 2) rest.push_back(kmip::AttributeItem(*o.Find(a.name, a.index), c.version));
  return WithUid(o.uid, std::move(rest));
}

Result<Item> ModifyAttribute(Call& c) {
  KEEP_ASSIGN_OR_RETURN(ManagedObject o, Load(c, O::kKeyUpdate));
  std::optional<Attribute> current;  // 2.0: which instance
  const Item* given = c.payload.Find(tag::kAttribute);
  if (given == nullptr) {
    const Item* wrapped = c.payload.Find(tag::kNewAttribute);
    if (wrapped != nullptr && wrapped->children.size() == 1) given = &wrapped->children[0];
    const Item* cur = c.payload.Find(tag::kCurrentAttribute);
    if (cur != nullptr && cur->children.size() == 1) {
      KEEP_ASSIGN_OR_RETURN(current, kmip::ParseAttribute(cur->children[0]));
    }
  }
  if (given == nullptr) return kmip::MissingData("ModifyAttribute needs the attribute");
  KEEP_ASSIGN_OR_RETURN(Attribute a, kmip::ParseAttribute(*given));
  KEEP_RETURN_IF_ERROR(MayChange(o, a.name, &a.value));
  Attribute* target = nullptr;
  for (Attribute& have : o.attributes) {
    if (have.name != a.name) continue;
    if (current ? SameValue(have.value, current->value) : have.index == a.index) {
      target = &have;
      break;
    }
  }
  if (target == nullptr) {
    return Status(Code::kInvalidArgument, "kmip_index_out_of_bounds",
                  "the object has no such instance of '" + a.name + "'");
  }
  target->value = std::move(a.value);
  const Attribute changed = target->Clone();
  Refresh(o, c.now);
  KEEP_RETURN_IF_ERROR(Store(c, o, false));
  std::vector<Item> rest;
  if (c.version.major < 2) rest.push_back(kmip::AttributeItem(changed, c.version));
  return WithUid(o.uid, std::move(rest));
}

Result<Item> DeleteAttribute(Call& c) {
  KEEP_ASSIGN_OR_RETURN(ManagedObject o, Load(c, O::kKeyUpdate));
  std::string name;
  int32_t index = 0;
  std::optional<Attribute> current;
  if (const Item* n = c.payload.Find(tag::kAttributeName); n != nullptr) {
    KEEP_ASSIGN_OR_RETURN(name, NameOf(*n));
    if (const Item* i = c.payload.Find(tag::kAttributeIndex); i != nullptr) {
      index = static_cast<int32_t>(i->number);
    }
  } else if (const Item* cur = c.payload.Find(tag::kCurrentAttribute);
             cur != nullptr && cur->children.size() == 1) {
    KEEP_ASSIGN_OR_RETURN(current, kmip::ParseAttribute(cur->children[0]));
    name = current->name;
  } else if (const Item* ref = c.payload.Find(tag::kAttributeReference); ref != nullptr) {
    KEEP_ASSIGN_OR_RETURN(name, NameOf(*ref));
  } else {
    return kmip::MissingData("DeleteAttribute needs the attribute's name");
  }
  KEEP_RETURN_IF_ERROR(MayChange(o, name, nullptr));
  const Attribute* victim = nullptr;
  for (const Attribute& have : o.attributes) {
    if (have.name == name &&
        (current ? SameValue(have.value, current->value) : have.index == index)) {
      victim = &have;
      break;
    }
  }
  if (victim == nullptr) {
    return Status(Code::kInvalidArgument, "kmip_index_out_of_bounds",
                  "the object has no such instance of '" + name + "'");
  }
  const Attribute deleted = victim->Clone();
  o.Remove(deleted.name, deleted.index);
  KEEP_RETURN_IF_ERROR(Store(c, o, false));
  std::vector<Item> rest;
  if (c.version.major < 2) rest.push_back(kmip::AttributeItem(deleted, c.version));
  return WithUid(o.uid, std::move(rest));
}

Result<Item> Locate(Call& c) {
  KEEP_RETURN_IF_ERROR(c.gate.Authorize(c, O::kKeyList, ""));
  std::vector<Attribute> filters;
  for (const Item& ch : c.payload.children) {
    if (ch.tag == tag::kAttribute) {
      KEEP_ASSIGN_OR_RETURN(Attribute a, kmip::ParseAttribute(ch));
      filters.push_back(std::move(a));
    } else if (ch.tag == tag::kAttributes) {
      KEEP_ASSIGN_OR_RETURN(auto more, kmip::ParseAttributes(&ch));
      for (auto& a : more) filters.push_back(std::move(a));
    }
  }
  KEEP_ASSIGN_OR_RETURN(const Item* max, kmip::Field(c.payload, tag::kMaximumItems, Type::kInteger,
                                                     "Maximum Items", false));
  KEEP_ASSIGN_OR_RETURN(const Item* offset, kmip::Field(c.payload, tag::kOffsetItems,
                                                        Type::kInteger, "Offset Items", false));
  KEEP_ASSIGN_OR_RETURN(const Item* storage,
                        kmip::Field(c.payload, tag::kStorageStatusMask, Type::kInteger,
                                    "Storage Status Mask", false));
  const int64_t mask = storage != nullptr ? storage->number : 1;  // online only
  const int64_t limit = max != nullptr && max->number > 0 ? max->number : 100000;
  int64_t skip = offset != nullptr ? std::max<int64_t>(0, offset->number) : 0;
  std::vector<std::string> found;
  int64_t located = 0;
  std::string after;
  for (;;) {
    KEEP_ASSIGN_OR_RETURN(auto page, c.service.KmipList(after, 500));
    for (const auto& rec : page) {
      auto o = kmip::DecodeObject(rec.value.view());
      if (!o.ok()) continue;  // unreadable records are the operator's (keep kmip list)
      const State s = Refresh(*o, c.now);
      const bool destroyed = s == State::kDestroyed || s == State::kDestroyedCompromised;
      if (!(mask & (destroyed ? 4 : 1))) continue;
      if (!c.gate.CanReadKey(c.ctx.identity, kmip::ResourceOf(*o))) continue;
      if (!Matches(*o, filters)) continue;
      ++located;
      if (skip > 0) {
        --skip;
      } else if (static_cast<int64_t>(found.size()) < limit) {
        found.push_back(o->uid);
      }
    }
    if (page.size() < 500) break;
    after = page.back().path.substr(5);  // past "kmip/"
  }
  std::vector<Item> p;
  if (c.version.major >= 2 || (c.version.major == 1 && c.version.minor >= 3)) {
    p.push_back(Item::Integer(tag::kLocatedItems, static_cast<int32_t>(located)));
  }
  for (const auto& uid : found) p.push_back(Item::Text(tag::kUniqueIdentifier, uid));
  if (!found.empty()) c.placeholder = found.front();
  c.event.items = static_cast<uint32_t>(found.size());
  return Item::Structure(tag::kResponsePayload, std::move(p));
}

}  // namespace keep::http::kmip_ops
