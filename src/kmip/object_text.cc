// Managed objects as operators read them (keep kmip show): attribute values as text.
#include "common/encoding.h"
#include "common/time.h"
#include "kmip/object.h"

namespace keep::kmip {
namespace {

std::string_view AlgorithmName(int64_t a) {
  switch (static_cast<Algorithm>(a)) {
    case Algorithm::kAes:
      return "AES";
    case Algorithm::kRsa:
      return "RSA";
    case Algorithm::kEcdsa:
      return "ECDSA";
    case Algorithm::kHmacSha1:
      return "HMAC-SHA1";
    case Algorithm::kHmacSha224:
      return "HMAC-SHA224";
    case Algorithm::kHmacSha256:
      return "HMAC-SHA256";
    case Algorithm::kHmacSha384:
      return "HMAC-SHA384";
    case Algorithm::kHmacSha512:
      return "HMAC-SHA512";
    case Algorithm::kEc:
      return "EC";
    case Algorithm::kChaCha20:
      return "ChaCha20";
    case Algorithm::kEd25519:
      return "Ed25519";
  }
  return "";
}

std::string Generic(const Item& v) {
  switch (v.type) {
    case Type::kStructure: {
      std::string s = "{";
      for (const Item& c : v.children) s += (s.size() > 1 ? " " : "") + Generic(c);
      return s + "}";
    }
    case Type::kTextString:
      return v.text;
    case Type::kByteString:
    case Type::kBigInteger:
      return HexEncode(v.bytes.view());
    case Type::kBoolean:
      return v.number != 0 ? "true" : "false";
    case Type::kDateTime:
      return FormatRfc3339(v.number);
    default:
      return std::to_string(v.number);
  }
}

}  // namespace

std::string_view StateName(State s) {
  switch (s) {
    case State::kPreActive:
      return "Pre-Active";
    case State::kActive:
      return "Active";
    case State::kDeactivated:
      return "Deactivated";
    case State::kCompromised:
      return "Compromised";
    case State::kDestroyed:
      return "Destroyed";
    case State::kDestroyedCompromised:
      return "Destroyed Compromised";
  }
  return "unknown";
}

std::string_view ObjectTypeName(ObjectType t) {
  switch (t) {
    case ObjectType::kCertificate:
      return "Certificate";
    case ObjectType::kSymmetricKey:
      return "Symmetric Key";
    case ObjectType::kPublicKey:
      return "Public Key";
    case ObjectType::kPrivateKey:
      return "Private Key";
    case ObjectType::kSplitKey:
      return "Split Key";
    case ObjectType::kSecretData:
      return "Secret Data";
    case ObjectType::kOpaqueData:
      return "Opaque Object";
  }
  return "unknown";
}

std::string ValueText(const Attribute& a) {
  const Item& v = a.value;
  if (a.name == "State") return std::string(StateName(static_cast<State>(v.number)));
  if (a.name == "Object Type")
    return std::string(ObjectTypeName(static_cast<ObjectType>(v.number)));
  if (a.name == "Cryptographic Algorithm") {
    const std::string_view n = AlgorithmName(v.number);
    if (!n.empty()) return std::string(n);
  }
  if (a.name == "Name") {
    if (const Item* n = v.Find(tag::kNameValue); n != nullptr) return n->text;
  }
  if (a.name == "Link") {
    const Item* t = v.Find(tag::kLinkType);
    const Item* u = v.Find(tag::kLinkedObjectIdentifier);
    if (t != nullptr && u != nullptr) return std::to_string(t->number) + " " + u->text;
  }
  return Generic(v);
}

}  // namespace keep::kmip
