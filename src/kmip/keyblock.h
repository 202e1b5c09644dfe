// The objects KMIP carries on the wire (Symmetric Key, Public Key, Private Key, Secret
// Data, Opaque Object, Certificate, Split Key; KMIP 1.4 §2.2) to and from the material of
// a ManagedObject. Register reads them (ReadObject), Get writes them in the key format the
// client asks for (ObjectItem): Raw or Transparent Symmetric Key for symmetric keys and
// split keys, Raw or Opaque for secret data, PKCS#1 or PKCS#8 for RSA private keys (PKCS#8
// for others), PKCS#1 or X.509 (SubjectPublicKeyInfo) for RSA public keys. Key material is
// checked when registered (an RSA key must parse, a symmetric key must have the length its
// attributes claim); wrapped key blocks (Key Wrapping Data) and compressed keys are refused
// as not supported.
//
// Errors: bad_request (Invalid Field) for malformed objects; kmip_missing_data;
// kmip_format_not_supported for a format keep cannot give for that object;
// kmip_feature_not_supported for wrapping. Pure functions; thread-safe.
#pragma once

#include <optional>

#include "crypto/ossl.h"
#include "kmip/object.h"

namespace keep::kmip {

// The structure tag of an object type on the wire (Symmetric Key → 0x42008F, ...).
uint32_t ObjectTag(ObjectType type);

// What a key block says about the key besides its material.
struct KeyFacts {
  std::optional<uint32_t> algorithm;  // Cryptographic Algorithm
  std::optional<int32_t> length;      // Cryptographic Length, bits
};

// Fills `o`'s material, format and type-specific fields from the object structure of a
// Register request (its tag must match `o.type`).
Result<KeyFacts> ReadObject(const Item& object, ManagedObject& o);

// The object structure a Get answers with, in `format` (nullopt: the stored one).
Result<Item> ObjectItem(const ManagedObject& o, std::optional<KeyFormat> format);

// The object's private key (private key objects) or public key (public keys, private
// keys, certificates), parsed. Errors: bad_request when the material does not parse.
Result<crypto::OsslPtr<EVP_PKEY>> PrivateKeyOf(const ManagedObject& o);
Result<crypto::OsslPtr<EVP_PKEY>> PublicKeyOf(const ManagedObject& o);
// DER encodings keep's crypto layer takes: PKCS#8 (in wiping memory) and SPKI.
Result<crypto::SecretBytes> Pkcs8Der(EVP_PKEY* key);
Result<Bytes> SpkiDer(EVP_PKEY* key);
// `key`'s private or public half in `f` (PKCS#1 for RSA, PKCS#8 or X.509). Errors:
// kmip_format_not_supported.
Result<crypto::SecretBytes> EncodeKey(EVP_PKEY* key, bool private_half, KeyFormat f);
// kmip_format_not_supported with `message`.
Status FormatNotSupported(std::string message);
// The KMIP algorithm of a parsed key (RSA, ECDSA, Ed25519) and its size in bits.
KeyFacts FactsOf(EVP_PKEY* key);

}  // namespace keep::kmip
