// Service: bringing your own key material (docs/operations.md "Importing key material").
// An import token names a fresh RSA-3072 wrapping key kept under the barrier at
// "keyimport/<token>" for 24 hours, for one key, used once. The material arrives wrapped
// with RSA-OAEP-SHA256 alone (when it fits) or as RSA-OAEP-SHA256 of a fresh AES key
// followed by the material under AES key wrap with padding (RFC 5649), as Vault and AWS
// take it.
#include <cstring>

#include "common/encoding.h"
#include "common/log.h"
#include "crypto/random.h"
#include "service/service.h"

namespace keep::service {
namespace {

namespace asym = crypto::asym;

constexpr std::string_view kImportPrefix = "keyimport/";
constexpr int64_t kImportTtl = 24 * 3600;
constexpr int kWrappingBits = 3072;

// expires (8, big-endian) || name length (2) || name || PKCS#8 of the wrapping key.
crypto::SecretBytes EncodeEntry(int64_t expires, std::string_view key,
                                const crypto::SecretBytes& der) {
  crypto::SecretBytes out(10 + key.size() + der.size());
  uint8_t* p = out.data();
  for (int i = 0; i < 8; ++i)
    *p++ = static_cast<uint8_t>(static_cast<uint64_t>(expires) >> (56 - 8 * i));
  *p++ = static_cast<uint8_t>(key.size() >> 8);
  *p++ = static_cast<uint8_t>(key.size());
  std::memcpy(p, key.data(), key.size());
  std::memcpy(p + key.size(), der.data(), der.size());
  return out;
}

struct Entry {
  int64_t expires = 0;
  std::string key;
  ByteView der;
};

Result<Entry> DecodeEntry(const crypto::SecretBytes& b) {
  if (b.size() < 10) return DataLoss("a stored import token is malformed");
  Entry e;
  uint64_t t = 0;
  for (int i = 0; i < 8; ++i) t = t << 8 | b.data()[i];
  e.expires = static_cast<int64_t>(t);
  const size_t n = size_t{b.data()[8]} << 8 | b.data()[9];
  if (b.size() < 10 + n) return DataLoss("a stored import token is malformed");
  e.key.assign(reinterpret_cast<const char*>(b.data() + 10), n);
  e.der = b.view().subspan(10 + n);
  return e;
}

Status BadToken() {
  return InvalidArgument("the import token is unknown, used, expired or for another key");
}

}  // namespace

Result<ImportParams> Service::GetImportParams(const RequestContext&, std::string_view key) {
  return custody_.Guarded([&]() -> Result<ImportParams> {
    KEEP_ASSIGN_OR_RETURN(keys::KeyMeta meta, keys_.Get(key));
    if (meta.state == keys::KeyState::kPendingDeletion) {
      return FailedPrecondition("key_pending_deletion",
                                "key '" + meta.name + "' is scheduled for deletion");
    }
    const int64_t now = keys_.Now();
    // Expired tokens go first (a few at a time: this is not a maintenance pass).
    KEEP_ASSIGN_OR_RETURN(auto old, barrier_.List(kImportPrefix, "", 100));
    std::vector<keys::BarrierWrite> purge;
    for (const auto& rec : old) {
      auto e = DecodeEntry(rec.value);
      if (!e.ok() || e->expires <= now) {
        purge.push_back({store::WriteOp::Kind::kDelete, rec.path, {}});
      }
    }
    if (!purge.empty()) barrier_.Commit(purge).IgnoreError();
    KEEP_ASSIGN_OR_RETURN(asym::KeyPair wrapping,
                          asym::KeyPair::Generate(asym::Kind::kRsa, kWrappingBits));
    KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes der, wrapping.Pkcs8());
    uint8_t id[16];
    KEEP_RETURN_IF_ERROR(crypto::RandomFill(id));
    ImportParams p{wrapping.public_key().Pem(), HexEncode(id), now + kImportTtl};
    const crypto::SecretBytes entry = EncodeEntry(p.expires_at, meta.name, der);
    const keys::BarrierWrite w[] = {
        {store::WriteOp::Kind::kCreate, std::string(kImportPrefix) + p.import_token, entry.view()}};
    KEEP_RETURN_IF_ERROR(barrier_.Commit(w));
    return p;
  });
}

Result<keys::KeyMeta> Service::ImportKeyMaterial(const RequestContext&, std::string_view key,
                                                 std::string_view token, ByteView wrapped) {
  return custody_.Guarded([&]() -> Result<keys::KeyMeta> {
    if (token.size() != 32 || !HexDecode(token).ok()) return BadToken();
    const std::string path = std::string(kImportPrefix) + std::string(token);
    KEEP_ASSIGN_OR_RETURN(auto stored, barrier_.Get(path));
    if (!stored) return BadToken();
    KEEP_ASSIGN_OR_RETURN(Entry e, DecodeEntry(*stored));
    if (e.key != key || e.expires <= keys_.Now()) return BadToken();
    KEEP_ASSIGN_OR_RETURN(asym::KeyPair wrapping, asym::KeyPair::FromPkcs8(e.der));
    const size_t k = static_cast<size_t>(wrapping.bits() + 7) / 8;
    auto unwrap_failed = [] {
      return InvalidArgument("the wrapped material does not unwrap with this import token's key",
                             "invalid_ciphertext");
    };
    crypto::SecretBytes material;
    if (wrapped.size() == k) {
      auto m = asym::OaepDecrypt(wrapping, {}, wrapped);
      if (!m.ok()) return unwrap_failed();
      material = std::move(*m);
    } else if (wrapped.size() > k) {
      auto aes = asym::OaepDecrypt(wrapping, {}, wrapped.first(k));
      if (!aes.ok() || (aes->size() != 16 && aes->size() != 24 && aes->size() != 32)) {
        return unwrap_failed();
      }
      auto m = asym::KeyUnwrapPad(aes->view(), wrapped.subspan(k));
      if (!m.ok()) return unwrap_failed();
      material = std::move(*m);
    } else {
      return unwrap_failed();
    }
    KEEP_ASSIGN_OR_RETURN(keys::KeyMeta meta, keys_.ImportVersion(key, material));
    const keys::BarrierWrite done[] = {{store::WriteOp::Kind::kDelete, path, {}}};
    if (Status s = barrier_.Commit(done); !s.ok()) {
      log::Warn("keys: import token for '{}' could not be removed: {}", meta.name, s.ToString());
    }
    log::Info("keys: imported version {} of '{}'", meta.latest_version, meta.name);
    return meta;
  });
}

}  // namespace keep::service
