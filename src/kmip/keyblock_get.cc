// Key blocks given out: the object structure a Get answers with, in the format asked for.
#include "kmip/keyblock.h"

namespace keep::kmip {
namespace {

Item KeyBlockItem(const ManagedObject& o, KeyFormat f, crypto::SecretBytes material) {
  std::vector<Item> value;
  if (f == KeyFormat::kTransparentSymmetric) {
    std::vector<Item> key;
    key.push_back(Item::Bytes(tag::kKey, material.view()));
    value.push_back(Item::Structure(tag::kKeyMaterial, std::move(key)));
  } else {
    value.push_back(Item::Bytes(tag::kKeyMaterial, material.view()));
  }
  std::vector<Item> block;
  block.push_back(Item::Enumeration(tag::kKeyFormatType, static_cast<uint32_t>(f)));
  block.push_back(Item::Structure(tag::kKeyValue, std::move(value)));
  if (const Attribute* a = o.Find("Cryptographic Algorithm"); a != nullptr) {
    block.push_back(a->value.Clone(tag::kCryptographicAlgorithm));
  }
  if (const Attribute* a = o.Find("Cryptographic Length"); a != nullptr) {
    block.push_back(a->value.Clone(tag::kCryptographicLength));
  }
  return Item::Structure(tag::kKeyBlock, std::move(block));
}

}  // namespace

Result<Item> ObjectItem(const ManagedObject& o, std::optional<KeyFormat> format) {
  if (!o.has_material) {
    return Status(Code::kInvalidArgument, "kmip_missing_data", "the object has no key value");
  }
  const KeyFormat f = format.value_or(o.format);
  std::vector<Item> out;
  switch (o.type) {
    case ObjectType::kSymmetricKey:
    case ObjectType::kSplitKey:
    case ObjectType::kSecretData: {
      const bool ok = o.type == ObjectType::kSecretData
                          ? (f == KeyFormat::kRaw || f == KeyFormat::kOpaque)
                          : (f == KeyFormat::kRaw || f == KeyFormat::kTransparentSymmetric);
      if (!ok) return FormatNotSupported("keep cannot give this object in that Key Format Type");
      if (o.type == ObjectType::kSecretData) {
        out.push_back(Item::Enumeration(tag::kSecretDataType, o.subtype));
      }
      if (o.type == ObjectType::kSplitKey) {
        out.push_back(Item::Integer(tag::kSplitKeyParts, o.split_parts));
        out.push_back(Item::Integer(tag::kKeyPartIdentifier, o.split_id));
        out.push_back(Item::Integer(tag::kSplitKeyThreshold, o.split_threshold));
        out.push_back(Item::Enumeration(tag::kSplitKeyMethod, o.split_method));
        if (!o.prime_field_size.empty()) {
          out.push_back(Item::BigInteger(tag::kPrimeFieldSize, o.prime_field_size));
        }
      }
      out.push_back(KeyBlockItem(o, f, crypto::SecretBytes::CopyOf(o.material.view())));
      break;
    }
    case ObjectType::kPrivateKey:
    case ObjectType::kPublicKey: {
      const bool private_half = o.type == ObjectType::kPrivateKey;
      crypto::SecretBytes der;
      if (f == o.format) {
        der = crypto::SecretBytes::CopyOf(o.material.view());
      } else {
        KEEP_ASSIGN_OR_RETURN(auto k, private_half ? PrivateKeyOf(o) : PublicKeyOf(o));
        KEEP_ASSIGN_OR_RETURN(der, EncodeKey(k.get(), private_half, f));
      }
      out.push_back(KeyBlockItem(o, f, std::move(der)));
      break;
    }
    case ObjectType::kOpaqueData:
      if (format && *format != KeyFormat::kOpaque) {
        return FormatNotSupported("opaque objects have no Key Format Type");
      }
      out.push_back(Item::Enumeration(tag::kOpaqueDataType, o.subtype));
      out.push_back(Item::Bytes(tag::kOpaqueDataValue, o.material.view()));
      break;
    case ObjectType::kCertificate:
      if (format && *format != KeyFormat::kX509) {
        return FormatNotSupported("certificates are given as X.509 only");
      }
      out.push_back(Item::Enumeration(tag::kCertificateType, o.subtype));
      out.push_back(Item::Bytes(tag::kCertificateValue, o.material.view()));
      break;
  }
  return Item::Structure(ObjectTag(o.type), std::move(out));
}

}  // namespace keep::kmip
