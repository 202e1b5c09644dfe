#include "format/public_ciphertext.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "common/encoding.h"
#include "crypto/hpke.h"

namespace keep::format {
namespace {

namespace asym = crypto::asym;
namespace hpke = crypto::hpke;

constexpr std::string_view kLabel = "keep public-key ciphertext v2";
constexpr size_t kHpkeMin = kPublicHeaderSize + hpke::kEncSize + crypto::kAeadTagSize;
constexpr size_t kHpkeP256Min = kPublicHeaderSize + hpke::p256::kEncSize + crypto::kAeadTagSize;
// DER SubjectPublicKeyInfo of a P-256 key up to its 65-byte uncompressed point (RFC 5480).
constexpr uint8_t kP256SpkiPrefix[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                                       0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                       0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00};

Status Invalid() {
  return InvalidArgument("invalid ciphertext", "invalid_ciphertext");
}

uint32_t GetU32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

Bytes Bound(ByteView header) {
  Bytes out(kLabel.begin(), kLabel.end());
  out.insert(out.end(), header.begin(), header.end());
  return out;
}

Result<Bytes> RawX25519Public(const asym::PublicKeyRef& key) {
  Bytes raw(32);
  size_t n = raw.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), raw.data(), &n) != 1 || n != 32) {
    return Internal("cannot read an X25519 public key");
  }
  return raw;
}

}  // namespace

Result<std::pair<KeyId, uint32_t>> CiphertextKey(ByteView blob) {
  if (IsPublicCiphertext(blob)) {
    KEEP_ASSIGN_OR_RETURN(PublicHeader h, ParsePublicHeader(blob));
    return std::pair{h.key_id, h.key_version};
  }
  KEEP_ASSIGN_OR_RETURN(Header h, ParseHeader(blob));
  return std::pair{h.key_id, h.key_version};
}

Result<PublicHeader> ParsePublicHeader(ByteView blob) {
  if (blob.size() < kPublicHeaderSize || blob[0] != kFormatV2) return Invalid();
  PublicHeader h;
  if (blob[1] == static_cast<uint8_t>(PublicAlgorithm::kHpkeX25519)) {
    if (blob.size() < kHpkeMin) return Invalid();
  } else if (blob[1] == static_cast<uint8_t>(PublicAlgorithm::kHpkeP256)) {
    if (blob.size() < kHpkeP256Min) return Invalid();
  } else if (blob[1] == static_cast<uint8_t>(PublicAlgorithm::kRsaOaepSha256)) {
    if (blob.size() < kPublicHeaderSize + 256 || blob.size() > kPublicHeaderSize + 512) {
      return Invalid();
    }
  } else {
    return Invalid();
  }
  h.algorithm = static_cast<PublicAlgorithm>(blob[1]);
  std::memcpy(h.key_id.data(), blob.data() + 2, h.key_id.size());
  h.key_version = GetU32(blob.data() + 18);
  if (h.key_version == 0) return Invalid();
  return h;
}

namespace {

Bytes HeaderBytes(const PublicHeader& h) {
  Bytes out(kPublicHeaderSize);
  out[0] = kFormatV2;
  out[1] = static_cast<uint8_t>(h.algorithm);
  std::memcpy(out.data() + 2, h.key_id.data(), h.key_id.size());
  for (int i = 0; i < 4; ++i) out[18 + i] = static_cast<uint8_t>(h.key_version >> (24 - 8 * i));
  return out;
}

}  // namespace

Result<Bytes> detail::SealHpkeWith(const PublicHeader& h, ByteView recipient_public,
                                   ByteView ephemeral_private, ByteView canonical_context,
                                   ByteView plaintext) {
  if (h.algorithm != PublicAlgorithm::kHpkeX25519 || h.key_version == 0) {
    return InvalidArgument("test vectors are HPKE ciphertexts with a version");
  }
  Bytes out = HeaderBytes(h);
  KEEP_ASSIGN_OR_RETURN(
      hpke::Sealed s,
      hpke::SealWithEphemeral(hpke::Aead::kAes256Gcm, ephemeral_private, recipient_public,
                              Bound(out), canonical_context, plaintext));
  out.insert(out.end(), s.enc.begin(), s.enc.end());
  out.insert(out.end(), s.ciphertext.begin(), s.ciphertext.end());
  return out;
}

Result<Bytes> SealPublic(const PublicHeader& h, const asym::PublicKeyRef& key,
                         ByteView canonical_context, ByteView plaintext) {
  if (h.key_version == 0) return InvalidArgument("key version must be at least 1");
  Bytes out(kPublicHeaderSize);
  out[0] = kFormatV2;
  out[1] = static_cast<uint8_t>(h.algorithm);
  std::memcpy(out.data() + 2, h.key_id.data(), h.key_id.size());
  for (int i = 0; i < 4; ++i) out[18 + i] = static_cast<uint8_t>(h.key_version >> (24 - 8 * i));
  Bytes bound = Bound(out);
  if (h.algorithm == PublicAlgorithm::kHpkeP256) {
    if (key.kind() != asym::Kind::kEcP256) {
      return InvalidArgument("P-256 HPKE ciphertexts need a P-256 key");
    }
    KEEP_ASSIGN_OR_RETURN(Bytes pub, P256Point(key));
    KEEP_ASSIGN_OR_RETURN(hpke::Sealed s, hpke::p256::Seal(hpke::Aead::kAes256Gcm, pub, bound,
                                                           canonical_context, plaintext));
    out.insert(out.end(), s.enc.begin(), s.enc.end());
    out.insert(out.end(), s.ciphertext.begin(), s.ciphertext.end());
    return out;
  }
  if (h.algorithm == PublicAlgorithm::kHpkeX25519) {
    if (key.kind() != asym::Kind::kX25519) {
      return InvalidArgument("HPKE ciphertexts need an x25519 key");
    }
    KEEP_ASSIGN_OR_RETURN(Bytes pub, RawX25519Public(key));
    KEEP_ASSIGN_OR_RETURN(hpke::Sealed s, hpke::Seal(hpke::Aead::kAes256Gcm, pub, bound,
                                                     canonical_context, plaintext));
    out.insert(out.end(), s.enc.begin(), s.enc.end());
    out.insert(out.end(), s.ciphertext.begin(), s.ciphertext.end());
    return out;
  }
  if (key.kind() != asym::Kind::kRsa) {
    return InvalidArgument("RSA-OAEP ciphertexts need an RSA key");
  }
  bound.insert(bound.end(), canonical_context.begin(), canonical_context.end());
  KEEP_ASSIGN_OR_RETURN(Bytes ct, asym::OaepEncrypt(key, bound, plaintext));
  out.insert(out.end(), ct.begin(), ct.end());
  return out;
}

Result<crypto::SecretBytes> OpenPublic(ByteView blob, const asym::KeyPair& key,
                                       ByteView canonical_context) {
  KEEP_ASSIGN_OR_RETURN(PublicHeader h, ParsePublicHeader(blob));
  Bytes bound = Bound(blob.first(kPublicHeaderSize));
  const ByteView body = blob.subspan(kPublicHeaderSize);
  if (h.algorithm == PublicAlgorithm::kHpkeX25519) {
    if (key.kind() != asym::Kind::kX25519) return Invalid();
    KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes priv, key.RawPrivate());
    auto plain = hpke::Open(hpke::Aead::kAes256Gcm, priv.view(), body.first(hpke::kEncSize), bound,
                            canonical_context, body.subspan(hpke::kEncSize));
    if (!plain.ok()) return Invalid();
    return plain;
  }
  if (key.kind() != asym::Kind::kRsa || body.size() != static_cast<size_t>(key.bits() + 7) / 8) {
    return Invalid();
  }
  bound.insert(bound.end(), canonical_context.begin(), canonical_context.end());
  return asym::OaepDecrypt(key, bound, body);
}

Result<Bytes> SplitEnc(ByteView blob) {
  KEEP_ASSIGN_OR_RETURN(PublicHeader h, ParsePublicHeader(blob));
  if (h.algorithm != PublicAlgorithm::kHpkeP256) return Invalid();
  const ByteView enc = blob.subspan(kPublicHeaderSize, hpke::p256::kEncSize);
  return Bytes(enc.begin(), enc.end());
}

Result<crypto::SecretBytes> OpenSplit(ByteView blob, ByteView dh_point, ByteView joint_public,
                                      ByteView canonical_context) {
  KEEP_ASSIGN_OR_RETURN(PublicHeader h, ParsePublicHeader(blob));
  if (h.algorithm != PublicAlgorithm::kHpkeP256) return Invalid();
  const Bytes bound = Bound(blob.first(kPublicHeaderSize));
  const ByteView body = blob.subspan(kPublicHeaderSize);
  auto plain = hpke::p256::OpenWithDhPoint(hpke::Aead::kAes256Gcm, dh_point,
                                           body.first(hpke::p256::kEncSize), joint_public, bound,
                                           canonical_context, body.subspan(hpke::p256::kEncSize));
  if (!plain.ok()) return Invalid();
  return plain;
}

Result<Bytes> P256Point(const asym::PublicKeyRef& key) {
  const Bytes& der = key.der();
  if (key.kind() != asym::Kind::kEcP256 || der.size() != sizeof kP256SpkiPrefix + 65 ||
      !std::equal(std::begin(kP256SpkiPrefix), std::end(kP256SpkiPrefix), der.begin())) {
    return InvalidArgument("not an uncompressed P-256 public key");
  }
  return Bytes(der.end() - 65, der.end());
}

Result<asym::PublicKeyRef> P256PublicKey(ByteView point) {
  if (point.size() != 65) return InvalidArgument("a P-256 point has 65 bytes");
  Bytes der(std::begin(kP256SpkiPrefix), std::end(kP256SpkiPrefix));
  der.insert(der.end(), point.begin(), point.end());
  return asym::PublicKeyRef::Parse(der);
}

std::string WritePublicKeyFile(const PublicKeyFile& f) {
  std::string out = "keep-key: " + f.key + "\nkeep-key-id: " + HexEncode(f.key_id) +
                    "\nkeep-key-version: " + std::to_string(f.version) +
                    "\nkeep-key-type: " + f.type + "\nkeep-key-purpose: " + f.purpose + "\n";
  out += f.public_key.Pem();
  return out;
}

Result<PublicKeyFile> ReadPublicKeyFile(std::string_view text) {
  PublicKeyFile f;
  const size_t begin = text.find("-----BEGIN");
  if (begin == std::string_view::npos) {
    return InvalidArgument("not a keep public key file: no PEM block");
  }
  bool have_id = false;
  std::string_view head = text.substr(0, begin);
  while (!head.empty()) {
    const size_t nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    head = nl == std::string_view::npos ? std::string_view() : head.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const size_t colon = line.find(": ");
    if (colon == std::string_view::npos) continue;  // other explanatory text
    const std::string_view name = line.substr(0, colon), value = line.substr(colon + 2);
    if (name == "keep-key") {
      f.key = std::string(value);
    } else if (name == "keep-key-id") {
      auto id = HexDecode(value);
      if (!id.ok() || id->size() != f.key_id.size()) {
        return InvalidArgument("keep-key-id must be 32 hex digits");
      }
      std::memcpy(f.key_id.data(), id->data(), f.key_id.size());
      have_id = true;
    } else if (name == "keep-key-version") {
      const auto r = std::from_chars(value.data(), value.data() + value.size(), f.version);
      if (r.ec != std::errc() || r.ptr != value.data() + value.size() || f.version == 0) {
        return InvalidArgument("keep-key-version must be a number of at least 1");
      }
    } else if (name == "keep-key-type") {
      f.type = std::string(value);
    } else if (name == "keep-key-purpose") {
      f.purpose = std::string(value);
    }
  }
  if (f.key.empty() || !have_id || f.version == 0 || f.type.empty() || f.purpose.empty()) {
    return InvalidArgument(
        "not a keep public key file: it needs keep-key, keep-key-id, keep-key-version, "
        "keep-key-type and keep-key-purpose lines before the PEM block (keep key public makes "
        "one)");
  }
  KEEP_ASSIGN_OR_RETURN(f.public_key, asym::PublicKeyRef::Parse(AsBytes(text.substr(begin))));
  return f;
}

Result<PublicHeader> HeaderFor(const PublicKeyFile& f) {
  if (f.purpose != "encrypt") {
    return InvalidArgument("key '" + f.key + "' is a " + f.purpose + " key: it cannot encrypt");
  }
  PublicHeader h{PublicAlgorithm::kHpkeX25519, f.key_id, f.version};
  if (f.public_key.kind() == asym::Kind::kRsa) {
    h.algorithm = PublicAlgorithm::kRsaOaepSha256;
  } else if (f.type == "split-p256" && f.public_key.kind() == asym::Kind::kEcP256) {
    h.algorithm = PublicAlgorithm::kHpkeP256;
  } else if (f.public_key.kind() != asym::Kind::kX25519) {
    return InvalidArgument("key '" + f.key + "' cannot encrypt (type " + f.type + ")");
  }
  return h;
}

}  // namespace keep::format
