// Service: what keys beyond AES do — signatures, MACs and public keys.
#include "service/service.h"

namespace keep::service {
namespace {

namespace asym = crypto::asym;
using keys::KeyPurpose;

Status UnfitAlgorithm(const keys::KeyMeta& m, SignAlgorithm a) {
  return InvalidArgument("algorithm " + SignAlgorithmName(a) + " does not fit key '" + m.name +
                             "' (" + std::string(keys::KeyTypeName(m.type)) + ")",
                         "invalid_key_usage");
}

}  // namespace

std::string SignAlgorithmName(SignAlgorithm a) {
  const std::string hash(asym::HashName(a.hash));
  switch (a.scheme) {
    case asym::Scheme::kRsaPss:
      return "rsa-pss-" + hash;
    case asym::Scheme::kRsaPkcs1:
      return "rsa-pkcs1-" + hash;
    case asym::Scheme::kEcdsa:
      return "ecdsa-" + hash;
    case asym::Scheme::kEd25519:
      return "ed25519";
  }
  return "ed25519";
}

Result<SignAlgorithm> ParseSignAlgorithm(std::string_view s) {
  if (s == "ed25519") return SignAlgorithm{asym::Scheme::kEd25519, asym::Hash::kSha512};
  const std::pair<std::string_view, asym::Scheme> prefixes[] = {
      {"rsa-pss-", asym::Scheme::kRsaPss},
      {"rsa-pkcs1-", asym::Scheme::kRsaPkcs1},
      {"ecdsa-", asym::Scheme::kEcdsa}};
  for (const auto& [prefix, scheme] : prefixes) {
    if (s.substr(0, prefix.size()) != prefix) continue;
    auto hash = asym::ParseHash(s.substr(prefix.size()));
    if (hash.ok()) return SignAlgorithm{scheme, *hash};
  }
  return InvalidArgument(
      "algorithm must be rsa-pss-sha256|384|512, rsa-pkcs1-sha256|384|512, "
      "ecdsa-sha256|384|512 or ed25519");
}

SignAlgorithm DefaultSignAlgorithm(keys::KeyType t) {
  switch (t) {
    case keys::KeyType::kEcdsaP256:
      return {asym::Scheme::kEcdsa, asym::Hash::kSha256};
    case keys::KeyType::kEcdsaP384:
      return {asym::Scheme::kEcdsa, asym::Hash::kSha384};
    case keys::KeyType::kEd25519:
      return {asym::Scheme::kEd25519, asym::Hash::kSha512};
    default:
      return {asym::Scheme::kRsaPss, asym::Hash::kSha256};
  }
}

Result<SignResult> Service::Sign(const RequestContext&, std::string_view key,
                                 std::optional<uint32_t> version, ByteView input, bool prehashed,
                                 std::optional<SignAlgorithm> algorithm) {
  return custody_.Guarded([&]() -> Result<SignResult> {
    KEEP_ASSIGN_OR_RETURN(keys::KeyHandle h, keys_.ForUse(key, KeyPurpose::kSign, version));
    const SignAlgorithm a = algorithm.value_or(DefaultSignAlgorithm(h.entry->meta.type));
    if (!asym::SchemeFits(h.key_pair().kind(), a.scheme)) return UnfitAlgorithm(h.entry->meta, a);
    KEEP_ASSIGN_OR_RETURN(Bytes sig, asym::Sign(h.key_pair(), a.scheme, a.hash, input, prehashed));
    return SignResult{std::move(sig), h.entry->meta.name, h.version, a};
  });
}

Result<VerifyResult> Service::Verify(const RequestContext&, std::string_view key, uint32_t version,
                                     ByteView input, bool prehashed,
                                     std::optional<SignAlgorithm> algorithm, ByteView signature) {
  return custody_.Guarded([&]() -> Result<VerifyResult> {
    KEEP_ASSIGN_OR_RETURN(keys::KeyHandle h, keys_.ForVerify(key, KeyPurpose::kSign, version));
    const SignAlgorithm a = algorithm.value_or(DefaultSignAlgorithm(h.entry->meta.type));
    if (!asym::SchemeFits(h.key_pair().kind(), a.scheme)) return UnfitAlgorithm(h.entry->meta, a);
    if (a.scheme == asym::Scheme::kEd25519 && prehashed) {
      return InvalidArgument("Ed25519 verifies the message itself, not a digest");
    }
    if (prehashed && input.size() != asym::HashSize(a.hash)) {
      return InvalidArgument("a " + std::string(asym::HashName(a.hash)) + " digest has " +
                             std::to_string(asym::HashSize(a.hash)) + " bytes");
    }
    const bool ok =
        asym::Verify(h.key_pair().public_key(), a.scheme, a.hash, input, prehashed, signature);
    return VerifyResult{ok, h.entry->meta.name, h.version};
  });
}

Result<MacResult> Service::Mac(const RequestContext&, std::string_view key,
                               std::optional<uint32_t> version, ByteView message) {
  return custody_.Guarded([&]() -> Result<MacResult> {
    KEEP_ASSIGN_OR_RETURN(keys::KeyHandle h, keys_.ForUse(key, KeyPurpose::kMac, version));
    KEEP_ASSIGN_OR_RETURN(
        Bytes mac, asym::Hmac(keys::HmacHashOf(h.entry->meta.type), h.material().view(), message));
    return MacResult{std::move(mac), h.entry->meta.name, h.version};
  });
}

Result<VerifyResult> Service::MacVerify(const RequestContext&, std::string_view key,
                                        uint32_t version, ByteView message, ByteView mac) {
  return custody_.Guarded([&]() -> Result<VerifyResult> {
    KEEP_ASSIGN_OR_RETURN(keys::KeyHandle h, keys_.ForVerify(key, KeyPurpose::kMac, version));
    const bool ok =
        asym::HmacVerify(keys::HmacHashOf(h.entry->meta.type), h.material().view(), message, mac);
    return VerifyResult{ok, h.entry->meta.name, h.version};
  });
}

Result<DecryptResult> Service::DecryptBareOaep(const RequestContext&, std::string_view key,
                                               ByteView ciphertext) {
  return custody_.Guarded([&]() -> Result<DecryptResult> {
    KEEP_ASSIGN_OR_RETURN(keys::KeyMeta meta, keys_.Get(key));
    if (!keys::IsAsymmetric(meta.type) || keys::AsymKindOf(meta.type) != asym::Kind::kRsa ||
        meta.purpose != KeyPurpose::kEncrypt) {
      return InvalidArgument("key '" + meta.name + "' is not an RSA encryption key",
                             "invalid_key_usage");
    }
    for (uint32_t v = meta.latest_version; v >= std::max(1u, meta.min_decryption_version); --v) {
      const format::PublicHeader h{format::PublicAlgorithm::kRsaOaepSha256, meta.id, v};
      KEEP_ASSIGN_OR_RETURN(keys::KeyHandle k, keys_.ForDecrypt(h, meta.name));
      if (auto plain = asym::OaepDecrypt(k.key_pair(), {}, ciphertext); plain.ok()) {
        return DecryptResult{std::move(*plain), meta.name, v};
      }
    }
    return InvalidArgument("invalid ciphertext", "invalid_ciphertext");
  });
}

Result<DataKeyPairResult> Service::DataKeyPair(const RequestContext& ctx, std::string_view key,
                                               asym::Kind kind, int rsa_bits, bool with_plaintext,
                                               const format::EncryptionContext& context) {
  KEEP_RETURN_IF_ERROR(custody_.RequireUnsealed());
  KEEP_ASSIGN_OR_RETURN(asym::KeyPair pair, asym::KeyPair::Generate(kind, rsa_bits));
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes der, pair.Pkcs8());
  KEEP_ASSIGN_OR_RETURN(EncryptResult e, Encrypt(ctx, key, der.view(), context));
  DataKeyPairResult out{std::nullopt, std::move(e.ciphertext), pair.public_key().der(),
                        std::move(e.key), e.version};
  if (with_plaintext) out.private_key = std::move(der);
  return out;
}

Result<PublicKeyResult> Service::PublicKey(const RequestContext&, std::string_view key,
                                           std::optional<uint32_t> version) {
  return custody_.Guarded([&]() -> Result<PublicKeyResult> {
    KEEP_ASSIGN_OR_RETURN(keys::KeyHandle h, keys_.ForPublicKey(key, version));
    return PublicKeyResult{h.entry->meta, h.version, h.public_key()};
  });
}

}  // namespace keep::service
