#include "keys/key.h"

#include <boost/json.hpp>

#include "common/encoding.h"

namespace keep::keys {

namespace json = boost::json;

Result<std::shared_ptr<const VersionMaterial>> VersionMaterial::Make(crypto::SecretBytes raw) {
  // Long-lived: into locked memory (falls back to the normal heap when it is full).
  if (!raw.is_locked()) raw = crypto::SecretBytes::LockedCopyOf(raw.view());
  KEEP_ASSIGN_OR_RETURN(format::VersionKey derived, format::VersionKey::Derive(raw));
  return std::make_shared<const VersionMaterial>(
      VersionMaterial{std::move(raw), std::move(derived)});
}

std::string_view KeyTypeName(KeyType t) {
  return t == KeyType::kAes256Gcm ? "aes256-gcm" : "chacha20-poly1305";
}

Result<KeyType> ParseKeyType(std::string_view s) {
  if (s == "aes256-gcm") return KeyType::kAes256Gcm;
  if (s == "chacha20-poly1305") return KeyType::kChaCha20Poly1305;
  return InvalidArgument("type must be aes256-gcm or chacha20-poly1305");
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
  return t == KeyType::kAes256Gcm ? crypto::AeadAlgorithm::kAesGcm
                                  : crypto::AeadAlgorithm::kChaCha20Poly1305;
}

std::string EncodeKeyMeta(const KeyMeta& m) {
  json::array versions;
  for (const auto& v : m.versions) {
    json::object ver{{"version", v.version}, {"created_at", v.created_at}};
    if (v.automatic) ver["automatic"] = true;
    versions.push_back(std::move(ver));
  }
  json::object o{{"name", m.name},
                 {"id", HexEncode(m.id)},
                 {"type", KeyTypeName(m.type)},
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
      m.versions.push_back({ver.at("version").to_number<uint32_t>(),
                            ver.at("created_at").to_number<int64_t>(),
                            a != nullptr && a->as_bool()});
    }
    if (m.versions.size() != m.latest_version)
      return DataLoss("stored key versions are inconsistent");
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
