// Service: the cryptographic operations (encrypt, decrypt, rewrap, datakey, random).
#include "crypto/random.h"
#include "format/ciphertext.h"
#include "format/public_ciphertext.h"
#include "service/service.h"

namespace keep::service {

Result<EncryptResult> Service::Encrypt(const RequestContext&, std::string_view key,
                                       ByteView plaintext, const format::EncryptionContext& context,
                                       std::optional<uint32_t> version) {
  return custody_.Guarded([&]() -> Result<EncryptResult> {
    KEEP_RETURN_IF_ERROR(format::ValidateContext(context));
    KEEP_ASSIGN_OR_RETURN(keys::KeyHandle h, keys_.ForEncrypt(key, version));
    const Bytes canonical = format::CanonicalContext(context);
    Bytes blob;
    if (keys::IsSymmetric(h.entry->meta.type)) {
      KEEP_ASSIGN_OR_RETURN(blob,
                            format::Encrypt(h.header(), h.version_key(), canonical, plaintext));
    } else {  // x25519 (HPKE) or an RSA encryption key (OAEP): the v2 format
      const keys::KeyType t = h.entry->meta.type;
      const format::PublicHeader ph{t == keys::KeyType::kX25519
                                        ? format::PublicAlgorithm::kHpkeX25519
                                    : keys::IsSplit(t) ? format::PublicAlgorithm::kHpkeP256
                                                       : format::PublicAlgorithm::kRsaOaepSha256,
                                    h.entry->meta.id, h.version};
      KEEP_ASSIGN_OR_RETURN(blob, format::SealPublic(ph, h.public_key(), canonical, plaintext));
    }
    return EncryptResult{format::ToText(blob), h.entry->meta.name, h.version};
  });
}

Result<DecryptResult> Service::Decrypt(const RequestContext& ctx, std::string_view key,
                                       std::string_view ciphertext,
                                       const format::EncryptionContext& context) {
  {  // A split key's ciphertext: both peers' partials (split.cc), the peer asked unguarded.
    KEEP_RETURN_IF_ERROR(format::ValidateContext(context));
    auto blob = format::FromText(ciphertext);
    if (blob.ok() && format::IsPublicCiphertext(*blob)) {
      auto header = format::ParsePublicHeader(*blob);
      if (header.ok() && header->algorithm == format::PublicAlgorithm::kHpkeP256) {
        const auto expected = key.empty() ? std::nullopt : std::optional<std::string_view>(key);
        return SplitDecrypt(ctx, expected, *blob, *header, format::CanonicalContext(context));
      }
    }
  }
  return custody_.Guarded([&]() -> Result<DecryptResult> {
    KEEP_RETURN_IF_ERROR(format::ValidateContext(context));
    KEEP_ASSIGN_OR_RETURN(Bytes blob, format::FromText(ciphertext));
    const auto expected = key.empty() ? std::nullopt : std::optional<std::string_view>(key);
    const Bytes canonical = format::CanonicalContext(context);
    if (format::IsPublicCiphertext(blob)) {
      KEEP_ASSIGN_OR_RETURN(format::PublicHeader header, format::ParsePublicHeader(blob));
      KEEP_ASSIGN_OR_RETURN(keys::KeyHandle h, keys_.ForDecrypt(header, expected));
      KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes plain,
                            format::OpenPublic(blob, h.key_pair(), canonical));
      return DecryptResult{std::move(plain), h.entry->meta.name, h.version};
    }
    KEEP_ASSIGN_OR_RETURN(format::Header header, format::ParseHeader(blob));
    KEEP_ASSIGN_OR_RETURN(keys::KeyHandle h, keys_.ForDecrypt(header, expected));
    KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes plain,
                          format::Decrypt(blob, h.version_key(), canonical));
    return DecryptResult{std::move(plain), h.entry->meta.name, h.version};
  });
}

Result<EncryptResult> Service::Rewrap(const RequestContext& ctx, std::string_view key,
                                      std::string_view ciphertext,
                                      const format::EncryptionContext& context) {
  KEEP_ASSIGN_OR_RETURN(DecryptResult d, Decrypt(ctx, key, ciphertext, context));
  return Encrypt(ctx, key, d.plaintext.view(), context);
}

Result<DataKeyResult> Service::DataKey(const RequestContext& ctx, std::string_view key, int bits,
                                       bool with_plaintext,
                                       const format::EncryptionContext& context) {
  if (bits != 128 && bits != 256 && bits != 512) {
    return InvalidArgument("bits must be 128, 256 or 512");
  }
  KEEP_RETURN_IF_ERROR(custody_.RequireUnsealed());
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes dek,
                        crypto::RandomSecret(static_cast<size_t>(bits / 8)));
  KEEP_ASSIGN_OR_RETURN(EncryptResult e, Encrypt(ctx, key, dek.view(), context));
  DataKeyResult out{std::nullopt, std::move(e.ciphertext), std::move(e.key), e.version};
  if (with_plaintext) out.plaintext = std::move(dek);
  return out;
}

Result<crypto::SecretBytes> Service::Random(const RequestContext&, int bytes) {
  if (bytes < 1 || bytes > 1024) return InvalidArgument("bytes must be between 1 and 1024");
  return custody_.Guarded([&] { return crypto::RandomSecret(static_cast<size_t>(bytes)); });
}

Result<std::string> Service::KeyOfId(const format::KeyId& id) {
  KEEP_RETURN_IF_ERROR(custody_.RequireUnsealed());
  return keys_.NameOf(id);
}

Result<format::KeyId> Service::IdOfKey(std::string_view name) {
  KEEP_RETURN_IF_ERROR(custody_.RequireUnsealed());
  return keys_.IdOf(name);
}

Result<std::string> Service::KeyOfCiphertext(std::string_view ciphertext) {
  KEEP_RETURN_IF_ERROR(custody_.RequireUnsealed());
  KEEP_ASSIGN_OR_RETURN(Bytes blob, format::FromText(ciphertext));
  KEEP_ASSIGN_OR_RETURN(auto id, format::CiphertextKey(blob));
  return keys_.NameOf(id.first);
}

}  // namespace keep::service
