#include "kmip/discovery.h"

namespace keep::kmip {
namespace {

constexpr ProtocolVersion kVersions[] = {{2, 0}, {1, 4}, {1, 3}, {1, 2}, {1, 1}, {1, 0}};

constexpr ObjectType kObjectTypes[] = {ObjectType::kCertificate, ObjectType::kSymmetricKey,
                                       ObjectType::kPublicKey,   ObjectType::kPrivateKey,
                                       ObjectType::kSplitKey,    ObjectType::kSecretData,
                                       ObjectType::kOpaqueData};

}  // namespace

std::span<const ProtocolVersion> SupportedVersions() {
  return kVersions;
}

Result<Item> DiscoverVersions(const Item& payload) {
  std::vector<Item> out;
  const auto asked = payload.FindAll(tag::kProtocolVersion);
  if (asked.empty()) {
    for (const ProtocolVersion& v : kVersions) out.push_back(VersionItem(v));
  }
  for (const Item* a : asked) {
    const Item* major = a->Find(tag::kProtocolVersionMajor);
    const Item* minor = a->Find(tag::kProtocolVersionMinor);
    if (a->type != Type::kStructure || major == nullptr || minor == nullptr ||
        major->type != Type::kInteger || minor->type != Type::kInteger) {
      return InvalidArgument("a Protocol Version is two Integers, major and minor");
    }
    const ProtocolVersion v{static_cast<int32_t>(major->number),
                            static_cast<int32_t>(minor->number)};
    for (const ProtocolVersion& s : kVersions) {
      if (s == v) out.push_back(VersionItem(v));
    }
  }
  return Item::Structure(tag::kResponsePayload, std::move(out));
}

Result<Item> Query(const Item& payload, std::span<const Operation> operations,
                   std::string_view vendor) {
  bool ops = false, objects = false, info = false;
  for (const Item* f : payload.FindAll(tag::kQueryFunction)) {
    if (f->type != Type::kEnumeration) return InvalidArgument("a Query Function is an Enumeration");
    switch (static_cast<QueryFunction>(f->number)) {
      case QueryFunction::kOperations:
        ops = true;
        break;
      case QueryFunction::kObjects:
        objects = true;
        break;
      case QueryFunction::kServerInformation:
        info = true;
        break;
    }
  }
  std::vector<Item> out;
  if (ops) {
    for (Operation op : operations) {
      out.push_back(Item::Enumeration(tag::kOperation, static_cast<uint32_t>(op)));
    }
  }
  if (objects) {
    for (ObjectType t : kObjectTypes) {
      out.push_back(Item::Enumeration(tag::kObjectType, static_cast<uint32_t>(t)));
    }
  }
  if (info) {
    out.push_back(Item::Text(tag::kVendorIdentification, std::string(vendor)));
  }
  return Item::Structure(tag::kResponsePayload, std::move(out));
}

}  // namespace keep::kmip
