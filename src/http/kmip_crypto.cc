// The KMIP door: cryptographic operations with managed objects — Encrypt and Decrypt
// (AES-GCM with a nonce keep makes; RSA-OAEP-SHA256), Sign and SignatureVerify (RSA-PSS,
// RSA PKCS#1 v1.5, ECDSA, Ed25519) and MAC (HMAC-SHA-256/384/512); DeriveKey is in
// kmip_derive.cc. Unauthenticated modes (CBC, ECB, CTR), PKCS#1 v1.5 encryption and
// client-chosen nonces are refused as not supported.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "crypto/aead.h"
#include "crypto/asymmetric.h"
#include "crypto/random.h"
#include "http/kmip_internal.h"

namespace keep::http::kmip_ops {

namespace asym = crypto::asym;

Status NotSupported(std::string m) {
  return Status(Code::kInvalidArgument, "kmip_feature_not_supported", std::move(m));
}

// The parameters a request gives, else the object's first Cryptographic Parameters.
const Item* ParamsOf(const Call& c, const ManagedObject& o) {
  if (const Item* p = c.payload.Find(tag::kCryptographicParameters); p != nullptr) return p;
  const auto* a = o.Find("Cryptographic Parameters");
  return a != nullptr ? &a->value : nullptr;
}

int64_t ParamOr(const Item* params, uint32_t t, int64_t fallback) {
  const Item* v = params != nullptr ? params->Find(t) : nullptr;
  return v != nullptr ? v->number : fallback;
}

// RSA encryption: OAEP with SHA-256 (the default), nothing else.
Status CheckOaep(const Item* params) {
  const int64_t padding =
      ParamOr(params, tag::kPaddingMethod, static_cast<int64_t>(kmip::PaddingMethod::kOaep));
  const int64_t hash = ParamOr(params, tag::kHashingAlgorithm,
                               static_cast<int64_t>(kmip::HashingAlgorithm::kSha256));
  if (padding != static_cast<int64_t>(kmip::PaddingMethod::kOaep) ||
      hash != static_cast<int64_t>(kmip::HashingAlgorithm::kSha256)) {
    return NotSupported("keep encrypts to RSA keys with OAEP and SHA-256 only");
  }
  return Status::Ok();
}

Result<asym::Hash> HashOf(int64_t kmip_hash) {
  switch (static_cast<kmip::HashingAlgorithm>(kmip_hash)) {
    case kmip::HashingAlgorithm::kSha256:
      return asym::Hash::kSha256;
    case kmip::HashingAlgorithm::kSha384:
      return asym::Hash::kSha384;
    case kmip::HashingAlgorithm::kSha512:
      return asym::Hash::kSha512;
    default:
      return NotSupported("keep hashes with SHA-256, SHA-384 or SHA-512");
  }
}

bool UsableForUse(State s) {
  return s == State::kActive;
}

bool UsableForProcess(State s) {
  return s == State::kActive || s == State::kDeactivated || s == State::kCompromised;
}

Result<Bytes> DataOf(const Call& c) {
  KEEP_ASSIGN_OR_RETURN(const Item* d,
                        kmip::Field(c.payload, tag::kData, Type::kByteString, "Data", true));
  return Bytes(d->bytes.view().begin(), d->bytes.view().end());
}

Result<asym::KeyPair> KeyPairOf(const ManagedObject& o) {
  KEEP_ASSIGN_OR_RETURN(auto k, kmip::PrivateKeyOf(o));
  KEEP_ASSIGN_OR_RETURN(auto der, kmip::Pkcs8Der(k.get()));
  return asym::KeyPair::FromPkcs8(der.view());
}

Result<asym::PublicKeyRef> PublicRefOf(const ManagedObject& o) {
  KEEP_ASSIGN_OR_RETURN(auto k, kmip::PublicKeyOf(o));
  return asym::PublicKeyRef::Of(k.get());
}

bool IsAes(const ManagedObject& o) {
  return o.type == ObjectType::kSymmetricKey &&
         o.Number("Cryptographic Algorithm") == static_cast<int64_t>(kmip::Algorithm::kAes);
}

// The signature scheme and hash the parameters ask for, for a key of `kind`.
Result<std::pair<asym::Scheme, asym::Hash>> SchemeOf(const Item* params, asym::Kind kind) {
  using SA = kmip::SignatureAlgorithm;
  const int64_t dsa = ParamOr(params, tag::kDigitalSignatureAlgorithm, 0);
  int64_t hash = ParamOr(params, tag::kHashingAlgorithm,
                         static_cast<int64_t>(kmip::HashingAlgorithm::kSha256));
  asym::Scheme scheme = kind == asym::Kind::kRsa       ? asym::Scheme::kRsaPss
                        : kind == asym::Kind::kEd25519 ? asym::Scheme::kEd25519
                                                       : asym::Scheme::kEcdsa;
  const int64_t padding = ParamOr(params, tag::kPaddingMethod, 0);
  if (padding == static_cast<int64_t>(kmip::PaddingMethod::kPkcs1v15)) {
    scheme = asym::Scheme::kRsaPkcs1;
  }
  switch (static_cast<SA>(dsa)) {
    case SA::kSha256WithRsa:
    case SA::kSha384WithRsa:
    case SA::kSha512WithRsa:
      scheme = asym::Scheme::kRsaPkcs1;
      hash = dsa - static_cast<int64_t>(SA::kSha256WithRsa) + 6;
      break;
    case SA::kRsassaPss:
      scheme = asym::Scheme::kRsaPss;
      break;
    case SA::kEcdsaWithSha256:
    case SA::kEcdsaWithSha384:
    case SA::kEcdsaWithSha512:
      scheme = asym::Scheme::kEcdsa;
      hash = dsa - static_cast<int64_t>(SA::kEcdsaWithSha256) + 6;
      break;
    default:
      if (dsa != 0) return NotSupported("keep does not offer that Digital Signature Algorithm");
  }
  KEEP_ASSIGN_OR_RETURN(asym::Hash h, HashOf(hash));
  if (!asym::SchemeFits(kind, scheme)) {
    return InvalidArgument("the signature algorithm does not suit the key", "invalid_key_usage");
  }
  return std::make_pair(scheme, h);
}

Result<Item> Encrypt(Call& c) {
  KEEP_ASSIGN_OR_RETURN(ManagedObject o, Load(c, O::kEncrypt));
  if (!UsableForUse(o.state())) return Illegal("Encrypt needs an Active object");
  KEEP_RETURN_IF_ERROR(CheckUsage(o, kmip::kUsageEncrypt, "Encrypt"));
  KEEP_ASSIGN_OR_RETURN(Bytes data, DataOf(c));
  const Item* params = ParamsOf(c, o);
  std::vector<Item> out;
  out.push_back(Item::Text(tag::kUniqueIdentifier, o.uid));
  if (IsAes(o)) {
    const int64_t mode =
        ParamOr(params, tag::kBlockCipherMode, static_cast<int64_t>(kmip::BlockCipherMode::kGcm));
    if (mode != static_cast<int64_t>(kmip::BlockCipherMode::kGcm)) {
      return NotSupported("keep encrypts with AES-GCM only (CBC, ECB and CTR are unauthenticated)");
    }
    if (c.payload.Find(tag::kIvCounterNonce) != nullptr) {
      return NotSupported("keep makes the nonce: omit IV/Counter/Nonce (it is returned)");
    }
    if (ParamOr(params, tag::kTagLength, 16) != 16) return NotSupported("GCM tags are 16 bytes");
    const Item* aad = c.payload.Find(tag::kAuthenticatedEncryptionAdditionalData);
    uint8_t nonce[crypto::kAeadNonceSize];
    KEEP_RETURN_IF_ERROR(crypto::RandomFill(nonce));
    Bytes sealed(data.size() + crypto::kAeadTagSize);
    KEEP_RETURN_IF_ERROR(crypto::AeadSeal(crypto::AeadAlgorithm::kAesGcm, o.material.view(), nonce,
                                          aad != nullptr ? aad->bytes.view() : ByteView{}, data,
                                          sealed));
    // KMIP 1.4 added the tag's own field; before it the tag ends the Data.
    const bool tag_field = c.version.major >= 2 || c.version.minor >= 4;
    const ByteView body = ByteView(sealed).first(tag_field ? data.size() : sealed.size());
    out.push_back(Item::Bytes(tag::kData, body));
    out.push_back(Item::Bytes(tag::kIvCounterNonce, nonce));
    if (tag_field) {
      out.push_back(
          Item::Bytes(tag::kAuthenticatedEncryptionTag, ByteView(sealed).subspan(data.size())));
    }
  } else if (o.type == ObjectType::kPublicKey || o.type == ObjectType::kPrivateKey) {
    KEEP_RETURN_IF_ERROR(CheckOaep(params));
    KEEP_ASSIGN_OR_RETURN(auto pub, PublicRefOf(o));
    if (pub.kind() != asym::Kind::kRsa) {
      return InvalidArgument("only RSA keys encrypt", "invalid_key_usage");
    }
    KEEP_ASSIGN_OR_RETURN(Bytes ct, asym::OaepEncrypt(pub, {}, data));
    out.push_back(Item::Bytes(tag::kData, ct));
  } else {
    return InvalidArgument("this object does not encrypt", "invalid_key_usage");
  }
  OPENSSL_cleanse(data.data(), data.size());
  return Item::Structure(tag::kResponsePayload, std::move(out));
}

Result<Item> Decrypt(Call& c) {
  KEEP_ASSIGN_OR_RETURN(ManagedObject o, Load(c, O::kDecrypt));
  if (!UsableForProcess(o.state())) return Illegal("Decrypt needs an Active or revoked object");
  KEEP_RETURN_IF_ERROR(CheckUsage(o, kmip::kUsageDecrypt, "Decrypt"));
  KEEP_ASSIGN_OR_RETURN(Bytes data, DataOf(c));
  const Item* params = ParamsOf(c, o);
  KEEP_RETURN_IF_ERROR(c.gate.CountDecrypts(c, 1));
  crypto::SecretBytes plain;
  if (IsAes(o)) {
    const int64_t mode =
        ParamOr(params, tag::kBlockCipherMode, static_cast<int64_t>(kmip::BlockCipherMode::kGcm));
    if (mode != static_cast<int64_t>(kmip::BlockCipherMode::kGcm)) {
      return NotSupported("keep decrypts AES-GCM only");
    }
    const Item* iv = c.payload.Find(tag::kIvCounterNonce);
    if (iv == nullptr || iv->bytes.size() != crypto::kAeadNonceSize) {
      return kmip::MissingData("AES-GCM decryption needs the 12-byte IV/Counter/Nonce");
    }
    const Item* aad = c.payload.Find(tag::kAuthenticatedEncryptionAdditionalData);
    if (const Item* t = c.payload.Find(tag::kAuthenticatedEncryptionTag); t != nullptr) {
      data.insert(data.end(), t->bytes.view().begin(), t->bytes.view().end());
    }
    if (data.size() < crypto::kAeadTagSize) {
      return InvalidArgument("the ciphertext has no GCM tag", "invalid_ciphertext");
    }
    plain = crypto::SecretBytes(data.size() - crypto::kAeadTagSize);
    Status st = crypto::AeadOpen(crypto::AeadAlgorithm::kAesGcm, o.material.view(),
                                 iv->bytes.view(), aad != nullptr ? aad->bytes.view() : ByteView{},
                                 data, plain.mutable_view());
    if (!st.ok()) return InvalidArgument("the ciphertext does not open", "invalid_ciphertext");
  } else if (o.type == ObjectType::kPrivateKey) {
    KEEP_RETURN_IF_ERROR(CheckOaep(params));
    KEEP_ASSIGN_OR_RETURN(auto pair, KeyPairOf(o));
    auto opened = asym::OaepDecrypt(pair, {}, data);
    if (!opened.ok()) return InvalidArgument("the ciphertext does not open", "invalid_ciphertext");
    plain = std::move(*opened);
  } else {
    return InvalidArgument("this object does not decrypt", "invalid_key_usage");
  }
  std::vector<Item> out;
  out.push_back(Item::Text(tag::kUniqueIdentifier, o.uid));
  out.push_back(Item::Bytes(tag::kData, plain.view()));
  return Item::Structure(tag::kResponsePayload, std::move(out));
}

Result<Item> Sign(Call& c) {
  KEEP_ASSIGN_OR_RETURN(ManagedObject o, Load(c, O::kSign));
  if (!UsableForUse(o.state())) return Illegal("Sign needs an Active object");
  KEEP_RETURN_IF_ERROR(CheckUsage(o, kmip::kUsageSign, "Sign"));
  KEEP_ASSIGN_OR_RETURN(auto pair, KeyPairOf(o));
  KEEP_ASSIGN_OR_RETURN(auto scheme, SchemeOf(ParamsOf(c, o), pair.kind()));
  const Item* digest = c.payload.Find(tag::kDigestedData);
  const Item* data = c.payload.Find(tag::kData);
  if ((digest == nullptr) == (data == nullptr)) {
    return kmip::MissingData("Sign needs Data or Digested Data (one of them)");
  }
  const Item& input = digest != nullptr ? *digest : *data;
  KEEP_ASSIGN_OR_RETURN(Bytes sig, asym::Sign(pair, scheme.first, scheme.second, input.bytes.view(),
                                              digest != nullptr));
  std::vector<Item> out;
  out.push_back(Item::Text(tag::kUniqueIdentifier, o.uid));
  out.push_back(Item::Bytes(tag::kSignatureData, sig));
  return Item::Structure(tag::kResponsePayload, std::move(out));
}

Result<Item> SignatureVerify(Call& c) {
  KEEP_ASSIGN_OR_RETURN(ManagedObject o, Load(c, O::kVerify));
  if (!UsableForProcess(o.state()))
    return Illegal("SignatureVerify needs an Active or revoked object");
  KEEP_RETURN_IF_ERROR(CheckUsage(o, kmip::kUsageVerify, "SignatureVerify"));
  KEEP_ASSIGN_OR_RETURN(auto pub, PublicRefOf(o));
  KEEP_ASSIGN_OR_RETURN(auto scheme, SchemeOf(ParamsOf(c, o), pub.kind()));
  KEEP_ASSIGN_OR_RETURN(const Item* sig, kmip::Field(c.payload, tag::kSignatureData,
                                                     Type::kByteString, "Signature Data", true));
  const Item* digest = c.payload.Find(tag::kDigestedData);
  const Item* data = c.payload.Find(tag::kData);
  if ((digest == nullptr) == (data == nullptr)) {
    return kmip::MissingData("SignatureVerify needs Data or Digested Data (one of them)");
  }
  const Item& input = digest != nullptr ? *digest : *data;
  const bool valid = asym::Verify(pub, scheme.first, scheme.second, input.bytes.view(),
                                  digest != nullptr, sig->bytes.view());
  std::vector<Item> out;
  out.push_back(Item::Text(tag::kUniqueIdentifier, o.uid));
  out.push_back(Item::Enumeration(
      tag::kValidityIndicator, static_cast<uint32_t>(valid ? kmip::ValidityIndicator::kValid
                                                           : kmip::ValidityIndicator::kInvalid)));
  return Item::Structure(tag::kResponsePayload, std::move(out));
}

Result<Item> Mac(Call& c) {
  KEEP_ASSIGN_OR_RETURN(ManagedObject o, Load(c, O::kHmac));
  if (!UsableForUse(o.state())) return Illegal("MAC needs an Active object");
  KEEP_RETURN_IF_ERROR(CheckUsage(o, kmip::kUsageMacGenerate, "MAC"));
  if (o.type != ObjectType::kSymmetricKey || !o.has_material) {
    return InvalidArgument("MAC needs a symmetric key", "invalid_key_usage");
  }
  int64_t alg = o.Number("Cryptographic Algorithm");
  alg = ParamOr(ParamsOf(c, o), tag::kCryptographicAlgorithm, alg);
  asym::Hash h;
  switch (static_cast<kmip::Algorithm>(alg)) {
    case kmip::Algorithm::kHmacSha256:
      h = asym::Hash::kSha256;
      break;
    case kmip::Algorithm::kHmacSha384:
      h = asym::Hash::kSha384;
      break;
    case kmip::Algorithm::kHmacSha512:
      h = asym::Hash::kSha512;
      break;
    default:
      return NotSupported("keep makes HMAC-SHA-256, -384 and -512 MACs");
  }
  KEEP_ASSIGN_OR_RETURN(Bytes data, DataOf(c));
  KEEP_ASSIGN_OR_RETURN(Bytes mac, asym::Hmac(h, o.material.view(), data));
  std::vector<Item> out;
  out.push_back(Item::Text(tag::kUniqueIdentifier, o.uid));
  out.push_back(Item::Bytes(tag::kMacData, mac));
  return Item::Structure(tag::kResponsePayload, std::move(out));
}

}  // namespace keep::http::kmip_ops
