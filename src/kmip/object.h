// KMIP managed objects as keep holds them: the object (type, key material in one stored
// format, the type's own fields) and its attributes, with the rules of the attributes
// keep knows (KMIP 1.4 §3, 2.0 §4): their names, tags and types, whether one object may
// carry several instances, and who may set them — the server only (Unique Identifier,
// State, the dates the state machine sets), the client at creation only (Cryptographic
// Algorithm, Length, Usage Mask), or the client at any time (Name, Object Group, Link,
// Contact Information, custom "x-" attributes, ...).
//
// Attributes are held in KMIP 1.x form (name, index, an Attribute Value item); KMIP 2.0
// requests and answers carry them as tagged items, converted at the edge
// (ParseAttributes, AttributeItem). An object is stored as one TTLV structure under
// keep's own tag 0x540001 (EncodeObject/DecodeObject), inside the barrier.
//
// Failures are Statuses whose reasons the door translates to KMIP Result Reasons
// ("bad_request" → Invalid Field, "kmip_missing_data" → Missing Data, ...). Pure values
// and functions; thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kmip/message.h"
#include "kmip/tags.h"
#include "kmip/ttlv.h"

namespace keep::kmip {

// Who may set an attribute.
enum class Setter {
  kServer,  // only the server (read-only to clients)
  kCreate,  // the client when the object is made, never after
  kClient,  // the client at creation and later (Add/Modify/Delete Attribute)
};

struct AttributeSpec {
  std::string_view name;  // KMIP 1.x Attribute Name
  uint32_t tag;           // KMIP 2.0's tag for it
  Type type;
  bool multi;  // several instances per object
  Setter setter;
};

// The spec of a known attribute by name or 2.0 tag; custom attributes ("x-…" set by
// clients, "y-…" by the server) have none. nullptr when unknown.
const AttributeSpec* FindAttributeSpec(std::string_view name);
const AttributeSpec* FindAttributeSpecByTag(uint32_t tag);
// Whether `name` is a client custom attribute ("x-" and 1–128 printable characters).
bool IsClientCustom(std::string_view name);

struct Attribute {
  std::string name;
  int32_t index = 0;  // among the instances of the same name; stable (never renumbered)
  Item value;         // tagged kAttributeValue, of the attribute's type
  Attribute Clone() const;
};

// One attribute from a KMIP 1.x Attribute structure or a KMIP 2.0 tagged item. Checks the
// name and type against the spec. Errors: bad_request naming the attribute.
Result<Attribute> ParseAttribute(const Item& item);
// Every attribute of a Template-Attribute (1.x; Names and Attributes) or Attributes (2.0)
// structure. Errors as ParseAttribute.
Result<std::vector<Attribute>> ParseAttributes(const Item* container);
// The attribute as a 1.x Attribute structure or as a 2.0 tagged item.
Item AttributeItem(const Attribute& a, ProtocolVersion v);

struct ManagedObject {
  std::string uid;
  ObjectType type = ObjectType::kSymmetricKey;
  std::string group;  // keep's policy group (the first Object Group at creation)
  std::string owner;  // the identity that made it
  // The material in its stored format: Raw bytes (symmetric keys, secret data, opaque
  // data, split key parts), PKCS#8 (private keys), X.509 SubjectPublicKeyInfo (public
  // keys), the certificate's DER. Empty once destroyed.
  KeyFormat format = KeyFormat::kRaw;
  crypto::SecretBytes material;
  bool has_material = false;
  uint32_t subtype = 0;  // Secret Data Type, Opaque Data Type or Certificate Type
  // Split keys.
  int32_t split_parts = 0, split_id = 0, split_threshold = 0;
  uint32_t split_method = 0;
  Bytes prime_field_size;  // Big Integer bytes, or empty
  std::vector<Attribute> attributes;

  const Attribute* Find(std::string_view name, int32_t index = -1) const;
  std::vector<const Attribute*> FindAll(std::string_view name) const;
  // The value of a single-instance number/date/enumeration attribute, or `fallback`.
  int64_t Number(std::string_view name, int64_t fallback = 0) const;
  State state() const { return static_cast<State>(Number("State", 1)); }
  // Replaces every instance of `name` with one holding `value` (tagged as needed).
  void Set(std::string_view name, Item value);
  // Adds an instance; returns its index.
  int32_t Add(std::string_view name, Item value);
  void Remove(std::string_view name, int32_t index = -1);  // -1: every instance
};

// The stored form (wiping memory: it holds the material) and back. Errors (decode):
// bad_request for a record that is not a keep KMIP object.
crypto::SecretBytes EncodeObject(const ManagedObject& o);
Result<ManagedObject> DecodeObject(ByteView stored);

// A group name (keep's policy resource "kmip/<group>/<uid>"): 1–64 of [A-Za-z0-9_.-].
bool ValidGroup(std::string_view group);
// The policy resource of an object.
std::string ResourceOf(const ManagedObject& o);

// Reads a tag's text/number child or fails: helpers the operations share. Errors:
// kmip_missing_data when required and absent, bad_request for a wrong type.
Result<const Item*> Field(const Item& parent, uint32_t tag, Type type, std::string_view name,
                          bool required);
Status MissingData(std::string message);

}  // namespace keep::kmip

namespace keep::kmip {

// Operator-facing text (keep kmip show): names for State, Object Type and Cryptographic
// Algorithm, RFC 3339 for dates, a Name's value, "Link Type uid" for links, hex for bytes.
std::string ValueText(const Attribute& a);
std::string_view StateName(State s);
std::string_view ObjectTypeName(ObjectType t);

}  // namespace keep::kmip
