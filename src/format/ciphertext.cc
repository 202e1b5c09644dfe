#include "format/ciphertext.h"

#include <openssl/crypto.h>

#include <cstring>

#include "common/encoding.h"
#include "crypto/kdf.h"
#include "crypto/random.h"

namespace keep::format {
namespace {

constexpr std::string_view kInfoLabel = "keep ciphertext v1";
constexpr size_t kFixedPrefix = 22;  // version, algorithm, key id, key version
constexpr size_t kSaltOff = 22, kNonceOff = 38, kFpOff = 50;

Status Invalid() {
  return Status(Code::kInvalidArgument, "invalid_ciphertext", "invalid ciphertext");
}

struct MessageKeys {
  crypto::SecretBytes okm{64};
  ByteView enc() const { return okm.view().first(32); }
  ByteView fp() const { return okm.view().subspan(32, 32); }
};

Result<MessageKeys> Derive(const crypto::SecretBytes& version_key, ByteView prefix, ByteView salt) {
  Bytes info(kInfoLabel.begin(), kInfoLabel.end());
  Append(info, prefix);
  MessageKeys k;
  KEEP_RETURN_IF_ERROR(crypto::HkdfSha256(version_key.view(), salt, info, k.okm.mutable_view()));
  return k;
}

Status Fingerprint(const MessageKeys& k, ByteView canonical_context, uint8_t out[kFingerprintSize]) {
  uint8_t mac[crypto::kSha256Size];
  KEEP_RETURN_IF_ERROR(crypto::HmacSha256(k.fp(), canonical_context, mac));
  std::memcpy(out, mac, kFingerprintSize);
  return Status::Ok();
}

}  // namespace

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

Result<Bytes> detail::EncryptWith(const Header& header, const crypto::SecretBytes& version_key,
                                  ByteView canonical_context, ByteView plaintext, ByteView salt,
                                  ByteView nonce) {
  if (salt.size() != kSaltSize || nonce.size() != crypto::kAeadNonceSize ||
      version_key.size() != crypto::kAeadKeySize || header.key_version == 0) {
    return InvalidArgument("invalid encryption parameters");
  }
  Bytes out;
  out.reserve(kOverhead + plaintext.size());
  out.push_back(kFormatV1);
  out.push_back(static_cast<uint8_t>(header.algorithm));
  Append(out, header.key_id);
  PutU32(out, header.key_version);
  Append(out, salt);
  Append(out, nonce);
  KEEP_ASSIGN_OR_RETURN(MessageKeys k, Derive(version_key, ByteView(out).first(kFixedPrefix), salt));
  out.resize(kHeaderSize + plaintext.size() + crypto::kAeadTagSize);
  KEEP_RETURN_IF_ERROR(Fingerprint(k, canonical_context, out.data() + kFpOff));
  KEEP_RETURN_IF_ERROR(crypto::AeadSeal(header.algorithm, k.enc(), nonce,
                                        ByteView(out).first(kHeaderSize), plaintext,
                                        std::span<uint8_t>(out).subspan(kHeaderSize)));
  return out;
}

Result<Bytes> Encrypt(const Header& header, const crypto::SecretBytes& version_key,
                      ByteView canonical_context, ByteView plaintext) {
  uint8_t rnd[kSaltSize + crypto::kAeadNonceSize];
  KEEP_RETURN_IF_ERROR(crypto::RandomFill(rnd));
  return detail::EncryptWith(header, version_key, canonical_context, plaintext,
                             ByteView(rnd, kSaltSize), ByteView(rnd + kSaltSize, 12));
}

Result<crypto::SecretBytes> Decrypt(ByteView blob, const crypto::SecretBytes& version_key,
                                    ByteView canonical_context) {
  KEEP_ASSIGN_OR_RETURN(Header h, ParseHeader(blob));
  if (version_key.size() != crypto::kAeadKeySize) return Invalid();
  KEEP_ASSIGN_OR_RETURN(MessageKeys k, Derive(version_key, blob.first(kFixedPrefix),
                                              blob.subspan(kSaltOff, kSaltSize)));
  crypto::SecretBytes plain(blob.size() - kOverhead);
  Status s = crypto::AeadOpen(h.algorithm, k.enc(), blob.subspan(kNonceOff, crypto::kAeadNonceSize),
                              blob.first(kHeaderSize), blob.subspan(kHeaderSize),
                              plain.mutable_view());
  if (!s.ok()) return Invalid();
  uint8_t fp[kFingerprintSize];
  KEEP_RETURN_IF_ERROR(Fingerprint(k, canonical_context, fp));
  if (CRYPTO_memcmp(fp, blob.data() + kFpOff, kFingerprintSize) != 0) {
    return Status(Code::kInvalidArgument, "context_mismatch",
                  "the encryption context differs from the one used to encrypt");
  }
  return plain;
}

std::string ToText(ByteView blob) {
  std::string s(kTextPrefix);
  s += Base64UrlEncode(blob);
  return s;
}

Result<Bytes> FromText(std::string_view text) {
  if (text.substr(0, kTextPrefix.size()) != kTextPrefix) return Invalid();
  auto r = Base64UrlDecode(text.substr(kTextPrefix.size()));
  if (!r.ok()) return Invalid();
  return std::move(r).value();
}

}  // namespace keep::format
