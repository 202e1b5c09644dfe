#include "kmip/keyblock.h"

#include <openssl/rsa.h>
#include <openssl/x509.h>

namespace keep::kmip {
namespace {

Status Bad(std::string m) {
  return InvalidArgument(std::move(m));
}

// i2d_* into wiping memory.
template <typename F>
Result<crypto::SecretBytes> Der(F&& encode) {
  const int n = encode(nullptr);
  if (n <= 0) return Internal("cannot encode a key");
  crypto::SecretBytes out(static_cast<size_t>(n));
  unsigned char* p = out.data();
  if (encode(&p) != n) return Internal("cannot encode a key");
  return out;
}

bool IsRsa(EVP_PKEY* k) {
  return EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA;
}

Result<crypto::OsslPtr<EVP_PKEY>> ParsePrivate(KeyFormat f, ByteView der) {
  const unsigned char* p = der.data();
  EVP_PKEY* k = nullptr;
  if (f == KeyFormat::kPkcs1) {
    k = d2i_PrivateKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(der.size()));
  } else if (f == KeyFormat::kPkcs8) {
    PKCS8_PRIV_KEY_INFO* info = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size()));
    if (info != nullptr) {
      k = EVP_PKCS82PKEY(info);
      PKCS8_PRIV_KEY_INFO_free(info);
    }
  } else {
    return FormatNotSupported("private keys are registered as PKCS#1 or PKCS#8");
  }
  if (k == nullptr || p != der.data() + der.size()) {
    EVP_PKEY_free(k);
    crypto::DrainOpenSslErrors("kmip private key");
    return Bad("the private key does not parse as its Key Format Type says");
  }
  return crypto::OsslPtr<EVP_PKEY>(k);
}

Result<crypto::OsslPtr<EVP_PKEY>> ParsePublic(KeyFormat f, ByteView der) {
  const unsigned char* p = der.data();
  EVP_PKEY* k = nullptr;
  if (f == KeyFormat::kPkcs1) {
    k = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(der.size()));
  } else if (f == KeyFormat::kX509) {
    k = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
  } else {
    return FormatNotSupported("public keys are registered as PKCS#1 or X.509");
  }
  if (k == nullptr || p != der.data() + der.size()) {
    EVP_PKEY_free(k);
    crypto::DrainOpenSslErrors("kmip public key");
    return Bad("the public key does not parse as its Key Format Type says");
  }
  return crypto::OsslPtr<EVP_PKEY>(k);
}

Result<crypto::OsslPtr<X509>> ParseCertificate(ByteView der) {
  const unsigned char* p = der.data();
  X509* c = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (c == nullptr || p != der.data() + der.size()) {
    X509_free(c);
    crypto::DrainOpenSslErrors("kmip certificate");
    return Bad("the certificate is not X.509 DER");
  }
  return crypto::OsslPtr<X509>(c);
}

// The Key Value's bytes of a key block, whatever its format (Transparent Symmetric Key's
// Key, or Key Material bytes).
Result<crypto::SecretBytes> KeyBytes(const Item& value, KeyFormat f) {
  const Item* m = value.Find(tag::kKeyMaterial);
  if (m == nullptr) return MissingData("the Key Value has no Key Material");
  if (f == KeyFormat::kTransparentSymmetric) {
    const Item* k = m->type == Type::kStructure ? m->Find(tag::kKey) : nullptr;
    if (k == nullptr || k->type != Type::kByteString) {
      return Bad("a Transparent Symmetric Key's material is a Structure holding its Key");
    }
    return crypto::SecretBytes::CopyOf(k->bytes.view());
  }
  if (m->type != Type::kByteString) {
    return FormatNotSupported("keep reads key material as bytes (or Transparent Symmetric Key)");
  }
  return crypto::SecretBytes::CopyOf(m->bytes.view());
}

Result<KeyFacts> ReadKeyBlock(const Item& object, ManagedObject& o) {
  const Item* block = object.Find(tag::kKeyBlock);
  if (block == nullptr || block->type != Type::kStructure) return MissingData("no Key Block");
  KEEP_ASSIGN_OR_RETURN(const Item* fmt, Field(*block, tag::kKeyFormatType, Type::kEnumeration,
                                               "Key Format Type", true));
  if (block->Find(tag::kKeyWrappingData) != nullptr) {
    return Status(Code::kInvalidArgument, "kmip_feature_not_supported",
                  "wrapped key blocks are not supported: register the key unwrapped over TLS");
  }
  if (block->Find(tag::kKeyCompressionType) != nullptr) {
    return Status(Code::kInvalidArgument, "kmip_feature_not_supported",
                  "compressed keys are not supported");
  }
  KEEP_ASSIGN_OR_RETURN(const Item* value,
                        Field(*block, tag::kKeyValue, Type::kStructure, "Key Value", true));
  KeyFacts facts;
  KEEP_ASSIGN_OR_RETURN(const Item* alg,
                        Field(*block, tag::kCryptographicAlgorithm, Type::kEnumeration,
                              "Cryptographic Algorithm", false));
  KEEP_ASSIGN_OR_RETURN(const Item* len, Field(*block, tag::kCryptographicLength, Type::kInteger,
                                               "Cryptographic Length", false));
  if (alg != nullptr) facts.algorithm = static_cast<uint32_t>(alg->number);
  if (len != nullptr) facts.length = static_cast<int32_t>(len->number);
  const auto f = static_cast<KeyFormat>(fmt->number);
  KEEP_ASSIGN_OR_RETURN(o.material, KeyBytes(*value, f));
  o.has_material = true;
  switch (o.type) {
    case ObjectType::kSymmetricKey:
    case ObjectType::kSplitKey:
      if (f != KeyFormat::kRaw && f != KeyFormat::kTransparentSymmetric) {
        return FormatNotSupported("symmetric keys are Raw or Transparent Symmetric Key");
      }
      if (o.material.empty() || o.material.size() > 512) {
        return Bad("a symmetric key is 1 to 512 bytes");
      }
      if (facts.length && *facts.length != static_cast<int32_t>(o.material.size() * 8)) {
        return Bad("the Cryptographic Length does not match the key's size");
      }
      o.format = KeyFormat::kRaw;
      facts.length = static_cast<int32_t>(o.material.size() * 8);
      break;
    case ObjectType::kSecretData:
      if (f != KeyFormat::kRaw && f != KeyFormat::kOpaque) {
        return FormatNotSupported("secret data is Raw or Opaque");
      }
      o.format = f;
      break;
    case ObjectType::kPrivateKey:
    case ObjectType::kPublicKey: {
      KEEP_ASSIGN_OR_RETURN(auto k, o.type == ObjectType::kPrivateKey
                                        ? ParsePrivate(f, o.material.view())
                                        : ParsePublic(f, o.material.view()));
      o.format = f;
      const KeyFacts parsed = FactsOf(k.get());
      if (facts.length && parsed.length && *facts.length != *parsed.length) {
        return Bad("the Cryptographic Length does not match the key");
      }
      facts.length = parsed.length;
      if (!facts.algorithm) facts.algorithm = parsed.algorithm;
      break;
    }
    default:
      break;
  }
  return facts;
}

}  // namespace

Status FormatNotSupported(std::string m) {
  return Status(Code::kInvalidArgument, "kmip_format_not_supported", std::move(m));
}

uint32_t ObjectTag(ObjectType type) {
  switch (type) {
    case ObjectType::kCertificate:
      return tag::kCertificate;
    case ObjectType::kSymmetricKey:
      return tag::kSymmetricKey;
    case ObjectType::kPublicKey:
      return tag::kPublicKey;
    case ObjectType::kPrivateKey:
      return tag::kPrivateKey;
    case ObjectType::kSplitKey:
      return tag::kSplitKey;
    case ObjectType::kSecretData:
      return tag::kSecretData;
    case ObjectType::kOpaqueData:
      return tag::kOpaqueObject;
  }
  return 0;
}

KeyFacts FactsOf(EVP_PKEY* key) {
  KeyFacts f;
  f.length = EVP_PKEY_get_bits(key);
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      f.algorithm = static_cast<uint32_t>(Algorithm::kRsa);
      break;
    case EVP_PKEY_EC:
      f.algorithm = static_cast<uint32_t>(Algorithm::kEcdsa);
      break;
    case EVP_PKEY_ED25519:
      f.algorithm = static_cast<uint32_t>(Algorithm::kEd25519);
      break;
    default:
      break;
  }
  return f;
}

Result<KeyFacts> ReadObject(const Item& object, ManagedObject& o) {
  if (object.tag != ObjectTag(o.type) || object.type != Type::kStructure) {
    return Bad("the object does not match the Object Type");
  }
  switch (o.type) {
    case ObjectType::kSymmetricKey:
    case ObjectType::kPublicKey:
    case ObjectType::kPrivateKey:
      return ReadKeyBlock(object, o);
    case ObjectType::kSecretData: {
      KEEP_ASSIGN_OR_RETURN(const Item* t, Field(object, tag::kSecretDataType, Type::kEnumeration,
                                                 "Secret Data Type", true));
      o.subtype = static_cast<uint32_t>(t->number);
      return ReadKeyBlock(object, o);
    }
    case ObjectType::kSplitKey: {
      KEEP_ASSIGN_OR_RETURN(const Item* parts, Field(object, tag::kSplitKeyParts, Type::kInteger,
                                                     "Split Key Parts", true));
      KEEP_ASSIGN_OR_RETURN(const Item* id, Field(object, tag::kKeyPartIdentifier, Type::kInteger,
                                                  "Key Part Identifier", true));
      KEEP_ASSIGN_OR_RETURN(
          const Item* threshold,
          Field(object, tag::kSplitKeyThreshold, Type::kInteger, "Split Key Threshold", true));
      KEEP_ASSIGN_OR_RETURN(
          const Item* method,
          Field(object, tag::kSplitKeyMethod, Type::kEnumeration, "Split Key Method", true));
      KEEP_ASSIGN_OR_RETURN(const Item* prime, Field(object, tag::kPrimeFieldSize,
                                                     Type::kBigInteger, "Prime Field Size", false));
      if (parts->number < 1 || parts->number > 255 || threshold->number < 1 ||
          threshold->number > parts->number || id->number < 1 || id->number > parts->number) {
        return Bad("a split key needs 1 <= threshold <= parts <= 255 and 1 <= part <= parts");
      }
      o.split_parts = static_cast<int32_t>(parts->number);
      o.split_id = static_cast<int32_t>(id->number);
      o.split_threshold = static_cast<int32_t>(threshold->number);
      o.split_method = static_cast<uint32_t>(method->number);
      if (prime != nullptr) {
        o.prime_field_size.assign(prime->bytes.view().begin(), prime->bytes.view().end());
      }
      return ReadKeyBlock(object, o);
    }
    case ObjectType::kOpaqueData: {
      KEEP_ASSIGN_OR_RETURN(const Item* t, Field(object, tag::kOpaqueDataType, Type::kEnumeration,
                                                 "Opaque Data Type", true));
      KEEP_ASSIGN_OR_RETURN(const Item* v, Field(object, tag::kOpaqueDataValue, Type::kByteString,
                                                 "Opaque Data Value", true));
      o.subtype = static_cast<uint32_t>(t->number);
      o.format = KeyFormat::kOpaque;
      o.material = crypto::SecretBytes::CopyOf(v->bytes.view());
      o.has_material = true;
      return KeyFacts{};
    }
    case ObjectType::kCertificate: {
      KEEP_ASSIGN_OR_RETURN(const Item* t, Field(object, tag::kCertificateType, Type::kEnumeration,
                                                 "Certificate Type", true));
      KEEP_ASSIGN_OR_RETURN(const Item* v, Field(object, tag::kCertificateValue, Type::kByteString,
                                                 "Certificate Value", true));
      if (t->number != kCertificateTypeX509) {
        return Status(Code::kInvalidArgument, "kmip_feature_not_supported",
                      "only X.509 certificates are supported");
      }
      KEEP_ASSIGN_OR_RETURN(auto cert, ParseCertificate(v->bytes.view()));
      o.subtype = kCertificateTypeX509;
      o.format = KeyFormat::kX509;
      o.material = crypto::SecretBytes::CopyOf(v->bytes.view());
      o.has_material = true;
      return FactsOf(X509_get0_pubkey(cert.get()));
    }
  }
  return Bad("unknown Object Type");
}

Result<crypto::OsslPtr<EVP_PKEY>> PrivateKeyOf(const ManagedObject& o) {
  if (o.type != ObjectType::kPrivateKey || !o.has_material) {
    return InvalidArgument("not a private key", "invalid_key_usage");
  }
  return ParsePrivate(o.format, o.material.view());
}

Result<crypto::OsslPtr<EVP_PKEY>> PublicKeyOf(const ManagedObject& o) {
  if (!o.has_material) return InvalidArgument("the object has no key", "invalid_key_usage");
  switch (o.type) {
    case ObjectType::kPublicKey:
      return ParsePublic(o.format, o.material.view());
    case ObjectType::kPrivateKey:
      return ParsePrivate(o.format, o.material.view());  // EVP_PKEY holds both halves
    case ObjectType::kCertificate: {
      KEEP_ASSIGN_OR_RETURN(auto cert, ParseCertificate(o.material.view()));
      EVP_PKEY* k = X509_get_pubkey(cert.get());
      if (k == nullptr) return Bad("the certificate's public key does not parse");
      return crypto::OsslPtr<EVP_PKEY>(k);
    }
    default:
      return InvalidArgument("not a public key", "invalid_key_usage");
  }
}

Result<crypto::SecretBytes> Pkcs8Der(EVP_PKEY* key) {
  crypto::OsslPtr<PKCS8_PRIV_KEY_INFO> info(EVP_PKEY2PKCS8(key));
  if (!info) return Internal("cannot encode a private key as PKCS#8");
  return Der([&](unsigned char** p) { return i2d_PKCS8_PRIV_KEY_INFO(info.get(), p); });
}

Result<Bytes> SpkiDer(EVP_PKEY* key) {
  KEEP_ASSIGN_OR_RETURN(auto der, Der([&](unsigned char** p) { return i2d_PUBKEY(key, p); }));
  return Bytes(der.view().begin(), der.view().end());
}

Result<crypto::SecretBytes> EncodeKey(EVP_PKEY* key, bool private_half, KeyFormat f) {
  if (private_half) {
    if (f == KeyFormat::kPkcs8) return Pkcs8Der(key);
    if (f == KeyFormat::kPkcs1 && IsRsa(key)) {
      return Der([&](unsigned char** p) { return i2d_PrivateKey(key, p); });
    }
    return FormatNotSupported("private keys are given as PKCS#8, or PKCS#1 for RSA");
  }
  if (f == KeyFormat::kX509) return Der([&](unsigned char** p) { return i2d_PUBKEY(key, p); });
  if (f == KeyFormat::kPkcs1 && IsRsa(key)) {
    return Der([&](unsigned char** p) { return i2d_PublicKey(key, p); });
  }
  return FormatNotSupported("public keys are given as X.509, or PKCS#1 for RSA");
}

}  // namespace keep::kmip
