#include "format/ciphertext.h"

#include <openssl/crypto.h>

#include <cstring>

#include "common/encoding.h"
#include "crypto/kdf.h"
#include "crypto/random.h"

namespace keep::format {
namespace {

constexpr std::string_view kInfoLabel = "keep ciphertext v1";
constexpr size_t kSaltOff = 22, kNonceOff = 38, kFpOff = 50;

Status Invalid() {
  return Status(Code::kInvalidArgument, "invalid_ciphertext", "invalid ciphertext");
}

constexpr std::string_view kVersionInfo = "keep ciphertext v1 version keys";
constexpr size_t kDerivePrefix = 38;  // fixed prefix and salt

// enc_key = HKDF-Expand(K_enc, "keep ciphertext v1" || bytes 0..37, 32)
Status MessageKey(const VersionKey& vk, ByteView header, std::span<uint8_t, 32> out) {
  uint8_t info[kInfoLabel.size() + kDerivePrefix];
  std::memcpy(info, kInfoLabel.data(), kInfoLabel.size());
  std::memcpy(info + kInfoLabel.size(), header.data(), kDerivePrefix);
  return crypto::HkdfExpandSha256Block(vk.enc(), info, out);
}

// fingerprint = HMAC(K_fp, bytes 0..49 || canonical context)[0:16]
Status Fingerprint(const VersionKey& vk, ByteView header, ByteView canonical_context,
                   uint8_t out[kFingerprintSize]) {
  uint8_t mac[crypto::kSha256Size];
  KEEP_RETURN_IF_ERROR(vk.fingerprint().Compute({header.first(kFpOff), canonical_context}, mac));
  std::memcpy(out, mac, kFingerprintSize);
  return Status::Ok();
}

}  // namespace

Result<VersionKey> VersionKey::Derive(const crypto::SecretBytes& material) {
  if (material.size() != crypto::kAeadKeySize) return InvalidArgument("key versions are 32 bytes");
  crypto::SecretBytes okm(64);
  KEEP_RETURN_IF_ERROR(
      crypto::HkdfSha256(material.view(), {}, AsBytes(kVersionInfo), okm.mutable_view()));
  KEEP_ASSIGN_OR_RETURN(crypto::HmacKey enc, crypto::HmacKey::Create(okm.view().first(32)));
  KEEP_ASSIGN_OR_RETURN(crypto::HmacKey fp, crypto::HmacKey::Create(okm.view().subspan(32)));
  return VersionKey(std::move(enc), std::move(fp));
}

Result<Header> ParseHeader(ByteView blob) {
  if (blob.size() < kOverhead || blob[0] != kFormatV1) return Invalid();
  Header h;
  if (blob[1] != static_cast<uint8_t>(crypto::AeadAlgorithm::kAesGcm) &&
      blob[1] != static_cast<uint8_t>(crypto::AeadAlgorithm::kChaCha20Poly1305)) {
    return Invalid();
  }
  h.algorithm = static_cast<crypto::AeadAlgorithm>(blob[1]);
  std::memcpy(h.key_id.data(), blob.data() + 2, h.key_id.size());
  h.key_version = GetU32(blob.data() + 18);
  if (h.key_version == 0) return Invalid();
  return h;
}

Result<Bytes> detail::EncryptWith(const Header& header, const VersionKey& version_key,
                                  ByteView canonical_context, ByteView plaintext, ByteView salt,
                                  ByteView nonce) {
  if (salt.size() != kSaltSize || nonce.size() != crypto::kAeadNonceSize ||
      header.key_version == 0) {
    return InvalidArgument("invalid encryption parameters");
  }
  Bytes out(kHeaderSize + plaintext.size() + crypto::kAeadTagSize);
  out[0] = kFormatV1;
  out[1] = static_cast<uint8_t>(header.algorithm);
  std::memcpy(out.data() + 2, header.key_id.data(), header.key_id.size());
  out[18] = static_cast<uint8_t>(header.key_version >> 24);
  out[19] = static_cast<uint8_t>(header.key_version >> 16);
  out[20] = static_cast<uint8_t>(header.key_version >> 8);
  out[21] = static_cast<uint8_t>(header.key_version);
  std::memcpy(out.data() + kSaltOff, salt.data(), kSaltSize);
  std::memcpy(out.data() + kNonceOff, nonce.data(), crypto::kAeadNonceSize);
  crypto::SecretBytes key(32);
  KEEP_RETURN_IF_ERROR(MessageKey(version_key, out, key.mutable_view().first<32>()));
  KEEP_RETURN_IF_ERROR(Fingerprint(version_key, out, canonical_context, out.data() + kFpOff));
  KEEP_RETURN_IF_ERROR(crypto::AeadSeal(header.algorithm, key.view(), nonce,
                                        ByteView(out).first(kHeaderSize), plaintext,
                                        std::span<uint8_t>(out).subspan(kHeaderSize)));
  return out;
}

Result<Bytes> Encrypt(const Header& header, const VersionKey& version_key,
                      ByteView canonical_context, ByteView plaintext) {
  uint8_t rnd[kSaltSize + crypto::kAeadNonceSize];
  KEEP_RETURN_IF_ERROR(crypto::RandomFill(rnd));
  return detail::EncryptWith(header, version_key, canonical_context, plaintext,
                             ByteView(rnd, kSaltSize), ByteView(rnd + kSaltSize, 12));
}

Result<crypto::SecretBytes> Decrypt(ByteView blob, const VersionKey& version_key,
                                    ByteView canonical_context) {
  KEEP_ASSIGN_OR_RETURN(Header h, ParseHeader(blob));
  crypto::SecretBytes key(32);
  KEEP_RETURN_IF_ERROR(MessageKey(version_key, blob, key.mutable_view().first<32>()));
  crypto::SecretBytes plain(blob.size() - kOverhead);
  Status s =
      crypto::AeadOpen(h.algorithm, key.view(), blob.subspan(kNonceOff, crypto::kAeadNonceSize),
                       blob.first(kHeaderSize), blob.subspan(kHeaderSize), plain.mutable_view());
  if (!s.ok()) return Invalid();
  uint8_t fp[kFingerprintSize];
  KEEP_RETURN_IF_ERROR(Fingerprint(version_key, blob, canonical_context, fp));
  if (CRYPTO_memcmp(fp, blob.data() + kFpOff, kFingerprintSize) != 0) {
    return Status(Code::kInvalidArgument, "context_mismatch",
                  "the encryption context differs from the one used to encrypt");
  }
  return plain;
}

std::string ToText(ByteView blob) {
  std::string s;
  s.reserve(kTextPrefix.size() + (blob.size() * 4 + 2) / 3);
  s = kTextPrefix;
  AppendBase64Url(s, blob);
  return s;
}

Result<Bytes> FromText(std::string_view text) {
  if (text.substr(0, kTextPrefix.size()) != kTextPrefix) return Invalid();
  auto r = Base64UrlDecode(text.substr(kTextPrefix.size()));
  if (!r.ok()) return Invalid();
  return std::move(r).value();
}

}  // namespace keep::format
