#include "keys/key.h"

#include <algorithm>
#include <boost/json.hpp>

#include "common/encoding.h"
#include "crypto/hpke.h"
#include "crypto/random.h"
#include "format/public_ciphertext.h"

namespace keep::keys {

namespace json = boost::json;

namespace {

struct TypeInfo {
  KeyType type;
  std::string_view name;
};

constexpr TypeInfo kTypes[] = {
    {KeyType::kAes256Gcm, "aes256-gcm"},   {KeyType::kChaCha20Poly1305, "chacha20-poly1305"},
    {KeyType::kRsa2048, "rsa-2048"},       {KeyType::kRsa3072, "rsa-3072"},
    {KeyType::kRsa4096, "rsa-4096"},       {KeyType::kEcdsaP256, "ecdsa-p256"},
    {KeyType::kEcdsaP384, "ecdsa-p384"},   {KeyType::kEd25519, "ed25519"},
    {KeyType::kX25519, "x25519"},          {KeyType::kHmacSha256, "hmac-sha256"},
    {KeyType::kHmacSha384, "hmac-sha384"}, {KeyType::kHmacSha512, "hmac-sha512"},
    {KeyType::kSplitP256, "split-p256"},
};

bool IsRsa(KeyType t) {
  return t == KeyType::kRsa2048 || t == KeyType::kRsa3072 || t == KeyType::kRsa4096;
}

}  // namespace

Result<std::shared_ptr<const VersionMaterial>> VersionMaterial::Make(KeyType type,
                                                                     crypto::SecretBytes raw) {
  // Long-lived: into locked memory (falls back to the normal heap when it is full).
  if (!raw.is_locked()) raw = crypto::SecretBytes::LockedCopyOf(raw.view());
  auto m = std::make_shared<VersionMaterial>();
  if (IsSymmetric(type)) {
    if (raw.size() != 32) return InvalidArgument("a symmetric key version has 32 bytes");
    KEEP_ASSIGN_OR_RETURN(format::VersionKey derived, format::VersionKey::Derive(raw));
    m->derived.emplace(std::move(derived));
  } else if (IsHmac(type)) {
    if (raw.size() != crypto::asym::HashSize(HmacHashOf(type))) {
      return InvalidArgument("an " + std::string(KeyTypeName(type)) + " key has " +
                             std::to_string(crypto::asym::HashSize(HmacHashOf(type))) + " bytes");
    }
  } else if (IsSplit(type)) {
    if (raw.size() != 32 + 65 + 65)
      return InvalidArgument("a split-p256 key version has 162 bytes");
    const ByteView v = raw.view();
    KEEP_ASSIGN_OR_RETURN(Bytes own, crypto::hpke::p256::PublicKeyOf(v.first(32)));
    if (!std::equal(own.begin(), own.end(), v.begin() + 32)) {
      return InvalidArgument("a split-p256 share does not match its public share");
    }
    SplitShare s;
    s.own_public = std::move(own);
    s.peer_public.assign(v.begin() + 97, v.end());
    KEEP_ASSIGN_OR_RETURN(s.joint, crypto::hpke::p256::AddPoints(s.own_public, s.peer_public));
    KEEP_ASSIGN_OR_RETURN(s.joint_key, format::P256PublicKey(s.joint));
    m->split.emplace(std::move(s));
  } else {
    KEEP_ASSIGN_OR_RETURN(crypto::asym::KeyPair pair, crypto::asym::KeyPair::FromPkcs8(raw.view()));
    if (pair.kind() != AsymKindOf(type) || (IsRsa(type) && pair.bits() != RsaBitsOf(type))) {
      return InvalidArgument("the private key is not an " + std::string(KeyTypeName(type)) +
                             " key");
    }
    m->pair.emplace(std::move(pair));
  }
  m->raw = std::move(raw);
  return std::shared_ptr<const VersionMaterial>(std::move(m));
}

Result<crypto::SecretBytes> VersionMaterial::Generate(KeyType type) {
  if (IsSplit(type)) {
    return FailedPrecondition("failed_precondition",
                              "a split-p256 version is generated jointly with its peer");
  }
  if (IsSymmetric(type)) return crypto::RandomSecret(32);
  if (IsHmac(type)) return crypto::RandomSecret(crypto::asym::HashSize(HmacHashOf(type)));
  KEEP_ASSIGN_OR_RETURN(auto pair,
                        crypto::asym::KeyPair::Generate(AsymKindOf(type), RsaBitsOf(type)));
  return pair.Pkcs8();
}

crypto::SecretBytes VersionMaterial::SplitRaw(ByteView scalar, ByteView own_public,
                                              ByteView peer_public) {
  crypto::SecretBytes raw(scalar.size() + own_public.size() + peer_public.size());
  uint8_t* p = raw.data();
  for (ByteView part : {scalar, own_public, peer_public}) {
    std::copy(part.begin(), part.end(), p);
    p += part.size();
  }
  return raw;
}

std::string_view KeyTypeName(KeyType t) {
  for (const auto& i : kTypes) {
    if (i.type == t) return i.name;
  }
  return "aes256-gcm";
}

Result<KeyType> ParseKeyType(std::string_view s) {
  for (const auto& i : kTypes) {
    if (i.name == s) return i.type;
  }
  if (s == "hmac-256") return KeyType::kHmacSha256;
  if (s == "hmac-384") return KeyType::kHmacSha384;
  if (s == "hmac-512") return KeyType::kHmacSha512;
  return InvalidArgument(
      "type must be one of aes256-gcm, chacha20-poly1305, rsa-2048, rsa-3072, rsa-4096, "
      "ecdsa-p256, ecdsa-p384, ed25519, x25519, hmac-sha256, hmac-sha384, hmac-sha512, "
      "split-p256");
}

std::string_view KeyPurposeName(KeyPurpose p) {
  return p == KeyPurpose::kEncrypt ? "encrypt" : p == KeyPurpose::kSign ? "sign" : "mac";
}

Result<KeyPurpose> ParseKeyPurpose(std::string_view s) {
  if (s == "encrypt") return KeyPurpose::kEncrypt;
  if (s == "sign") return KeyPurpose::kSign;
  if (s == "mac") return KeyPurpose::kMac;
  return InvalidArgument("purpose must be encrypt, sign or mac");
}

bool IsSymmetric(KeyType t) {
  return t == KeyType::kAes256Gcm || t == KeyType::kChaCha20Poly1305;
}

bool IsHmac(KeyType t) {
  return t == KeyType::kHmacSha256 || t == KeyType::kHmacSha384 || t == KeyType::kHmacSha512;
}

bool IsSplit(KeyType t) {
  return t == KeyType::kSplitP256;
}

bool IsAsymmetric(KeyType t) {
  return !IsSymmetric(t) && !IsHmac(t);
}

crypto::asym::Kind AsymKindOf(KeyType t) {
  switch (t) {
    case KeyType::kEcdsaP256:
    case KeyType::kSplitP256:
      return crypto::asym::Kind::kEcP256;
    case KeyType::kEcdsaP384:
      return crypto::asym::Kind::kEcP384;
    case KeyType::kEd25519:
      return crypto::asym::Kind::kEd25519;
    case KeyType::kX25519:
      return crypto::asym::Kind::kX25519;
    default:
      return crypto::asym::Kind::kRsa;
  }
}

int RsaBitsOf(KeyType t) {
  return t == KeyType::kRsa2048   ? 2048
         : t == KeyType::kRsa3072 ? 3072
         : t == KeyType::kRsa4096 ? 4096
                                  : 0;
}

crypto::asym::Hash HmacHashOf(KeyType t) {
  return t == KeyType::kHmacSha384   ? crypto::asym::Hash::kSha384
         : t == KeyType::kHmacSha512 ? crypto::asym::Hash::kSha512
                                     : crypto::asym::Hash::kSha256;
}

Result<KeyPurpose> PurposeFor(KeyType t, std::optional<KeyPurpose> requested) {
  if (IsRsa(t)) {
    if (!requested || *requested == KeyPurpose::kMac) {
      return InvalidArgument("an RSA key needs a purpose: encrypt or sign (fixed at creation)");
    }
    return *requested;
  }
  const KeyPurpose only = IsHmac(t) ? KeyPurpose::kMac
                          : (IsSymmetric(t) || t == KeyType::kX25519 || IsSplit(t))
                              ? KeyPurpose::kEncrypt
                              : KeyPurpose::kSign;
  if (requested && *requested != only) {
    return InvalidArgument("a " + std::string(KeyTypeName(t)) + " key's purpose is " +
                           std::string(KeyPurposeName(only)));
  }
  return only;
}

std::string_view KeyStateName(KeyState s) {
  switch (s) {
    case KeyState::kEnabled:
      return "enabled";
    case KeyState::kDisabled:
      return "disabled";
    case KeyState::kPendingDeletion:
      return "pending_deletion";
  }
  return "enabled";
}

crypto::AeadAlgorithm AlgorithmOf(KeyType t) {
  return t == KeyType::kChaCha20Poly1305 ? crypto::AeadAlgorithm::kChaCha20Poly1305
                                         : crypto::AeadAlgorithm::kAesGcm;
}

std::string EncodeKeyMeta(const KeyMeta& m) {
  json::array versions;
  for (const auto& v : m.versions) {
    json::object ver{{"version", v.version}, {"created_at", v.created_at}};
    if (v.automatic) ver["automatic"] = true;
    if (v.external) ver["origin"] = "external";
    versions.push_back(std::move(ver));
  }
  json::object o{{"name", m.name},
                 {"id", HexEncode(m.id)},
                 {"type", KeyTypeName(m.type)},
                 {"purpose", KeyPurposeName(m.purpose)},
                 {"description", m.description},
                 {"created_at", m.created_at},
                 {"state", KeyStateName(m.state)},
                 {"latest_version", m.latest_version},
                 {"min_decryption_version", m.min_decryption_version},
                 {"min_encryption_version", m.min_encryption_version},
                 {"auto_rotate_period", m.auto_rotate_period},
                 {"deletion_date", m.deletion_date},
                 {"revision", m.revision},
                 {"versions", std::move(versions)}};
  if (!m.peer.empty()) o["peer"] = m.peer;
  if (!m.tags.empty()) {
    json::object tags;
    for (const auto& [k, v] : m.tags) tags[k] = v;
    o["tags"] = std::move(tags);
  }
  return json::serialize(o);
}

Result<KeyMeta> DecodeKeyMeta(ByteView bytes) {
  boost::system::error_code ec;
  json::value v = json::parse(AsChars(bytes), ec);
  if (ec || !v.is_object()) return DataLoss("stored key metadata is malformed");
  try {
    const auto& o = v.as_object();
    KeyMeta m;
    m.name = json::value_to<std::string>(o.at("name"));
    auto id = HexDecode(o.at("id").as_string());
    if (!id.ok() || id->size() != m.id.size()) return DataLoss("stored key id is malformed");
    std::copy(id->begin(), id->end(), m.id.begin());
    KEEP_ASSIGN_OR_RETURN(m.type, ParseKeyType(o.at("type").as_string()));
    // Keys stored before purposes existed are symmetric: encrypt.
    if (const auto* p = o.if_contains("purpose")) {
      KEEP_ASSIGN_OR_RETURN(m.purpose, ParseKeyPurpose(p->as_string()));
    }
    m.description = json::value_to<std::string>(o.at("description"));
    m.created_at = o.at("created_at").to_number<int64_t>();
    const auto& st = o.at("state").as_string();
    m.state = st == "enabled"    ? KeyState::kEnabled
              : st == "disabled" ? KeyState::kDisabled
                                 : KeyState::kPendingDeletion;
    m.latest_version = o.at("latest_version").to_number<uint32_t>();
    m.min_decryption_version = o.at("min_decryption_version").to_number<uint32_t>();
    m.min_encryption_version = o.at("min_encryption_version").to_number<uint32_t>();
    m.auto_rotate_period = o.at("auto_rotate_period").to_number<int64_t>();
    m.deletion_date = o.at("deletion_date").to_number<int64_t>();
    if (const auto* rev = o.if_contains("revision")) m.revision = rev->to_number<uint64_t>();
    for (const auto& ver : o.at("versions").as_array()) {
      const auto* a = ver.as_object().if_contains("automatic");
      const auto* origin = ver.as_object().if_contains("origin");
      m.versions.push_back({ver.at("version").to_number<uint32_t>(),
                            ver.at("created_at").to_number<int64_t>(), a != nullptr && a->as_bool(),
                            origin != nullptr && origin->as_string() == "external"});
    }
    if (m.versions.size() != m.latest_version)
      return DataLoss("stored key versions are inconsistent");
    if (const auto* peer = o.if_contains("peer")) m.peer = json::value_to<std::string>(*peer);
    if (IsSplit(m.type) && m.peer.empty()) return DataLoss("stored split key has no peer");
    if (const auto* tags = o.if_contains("tags")) {
      for (const auto& kv : tags->as_object()) {
        m.tags.emplace(std::string(kv.key()), json::value_to<std::string>(kv.value()));
      }
    }
    return m;
  } catch (const std::exception&) {
    return DataLoss("stored key metadata is malformed");
  }
}

}  // namespace keep::keys
