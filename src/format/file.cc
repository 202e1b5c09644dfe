#include "format/file.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstring>

#include "common/encoding.h"
#include "crypto/aead.h"
#include "crypto/kdf.h"
#include "crypto/random.h"
#include "format/file_internal.h"

namespace keep::format::file {
namespace {

constexpr char kMagic[8] = {'K', 'E', 'E', 'P', 'F', 'I', 'L', 'E'};
constexpr uint8_t kVersion = 1;
constexpr std::string_view kStanzaLabel = "keep file v1";
constexpr std::string_view kMacInfo = "keep file v1 header mac";

}  // namespace

Status Bad(std::string message) {
  return InvalidArgument(std::move(message), "invalid_file");
}

Result<crypto::SecretBytes> Derive(const crypto::SecretBytes& file_key, const Header& h,
                                   std::string_view info) {
  if (file_key.size() != kFileKeySize) return InvalidArgument("a file key is 32 bytes");
  crypto::SecretBytes out = crypto::SecretBytes::Locked(32);
  KEEP_RETURN_IF_ERROR(
      crypto::HkdfSha256(file_key.view(), h.salt, AsBytes(info), out.mutable_view()));
  return out;
}

namespace {

void PutU16(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

// The header without its MAC.
Bytes HeaderBody(const Header& h) {
  Bytes out(kMagic, kMagic + sizeof kMagic);
  out.push_back(kVersion);
  out.push_back(h.segment_log2);
  out.insert(out.end(), h.salt.begin(), h.salt.end());
  PutU16(out, static_cast<uint16_t>(h.stanzas.size()));
  for (const auto& s : h.stanzas) {
    out.push_back(static_cast<uint8_t>(s.type));
    out.push_back(static_cast<uint8_t>(s.recipient.size()));
    Append(out, s.recipient);
    PutU16(out, static_cast<uint16_t>(s.body.size()));
    Append(out, s.body);
  }
  return out;
}

Status CheckStanza(const Stanza& s) {
  switch (s.type) {
    case StanzaType::kX25519:
    case StanzaType::kRsaOaep:
      if (s.recipient.size() != 32)
        return Bad("a public-key stanza names its recipient by 32 bytes");
      break;
    case StanzaType::kKeep:
      if (s.recipient.empty() || s.recipient.size() > 128) {
        return Bad("a keep stanza names a key of 1–128 bytes");
      }
      break;
    default:
      return Bad("unknown stanza type " + std::to_string(static_cast<int>(s.type)));
  }
  if (s.body.empty() || s.body.size() > kMaxStanzaBody) return Bad("a stanza body is 1–8192 bytes");
  return Status::Ok();
}

}  // namespace

Status CheckHeader(const Header& h) {
  if (h.segment_log2 < 12 || h.segment_log2 > 24) return Bad("segment size must be 4 KiB–16 MiB");
  if (h.stanzas.empty() || h.stanzas.size() > kMaxStanzas) return Bad("a file has 1–1024 stanzas");
  for (const auto& s : h.stanzas) KEEP_RETURN_IF_ERROR(CheckStanza(s));
  return Status::Ok();
}

std::array<uint8_t, crypto::kAeadNonceSize> SegmentNonce(uint64_t counter, bool last) {
  std::array<uint8_t, crypto::kAeadNonceSize> n{};
  for (int i = 0; i < 8; ++i) n[10 - i] = static_cast<uint8_t>(counter >> (8 * i));
  n[11] = last ? 1 : 0;
  return n;
}

Result<NewFile> NewFileKey(uint8_t segment_log2) {
  NewFile f;
  f.file_key = crypto::SecretBytes::Locked(kFileKeySize);
  KEEP_RETURN_IF_ERROR(crypto::RandomFill(f.file_key.mutable_view()));
  KEEP_RETURN_IF_ERROR(crypto::RandomFill(f.header.salt));
  f.header.segment_log2 = segment_log2;
  if (segment_log2 < 12 || segment_log2 > 24) return Bad("segment size must be 4 KiB–16 MiB");
  return f;
}

Bytes RecipientId(const crypto::PublicKey& key) {
  auto raw = HexDecode(key.fingerprint());
  return raw.ok() ? *raw : Bytes(32, 0);
}

Result<Stanza> WrapForRecipient(const crypto::PublicKey& recipient,
                                const crypto::SecretBytes& file_key) {
  if (file_key.size() != kFileKeySize) return InvalidArgument("a file key is 32 bytes");
  Stanza s;
  s.type =
      recipient.type() == crypto::KeyType::kX25519 ? StanzaType::kX25519 : StanzaType::kRsaOaep;
  s.recipient = RecipientId(recipient);
  KEEP_ASSIGN_OR_RETURN(s.body, crypto::SealTo(recipient, file_key.view(), kStanzaLabel));
  return s;
}

Result<crypto::SecretBytes> OpenStanza(const crypto::PrivateKey& identity, const Stanza& s) {
  const bool x = identity.type() == crypto::KeyType::kX25519;
  if ((s.type == StanzaType::kX25519) != x || s.type == StanzaType::kKeep ||
      !std::equal(s.recipient.begin(), s.recipient.end(),
                  RecipientId(identity.public_key()).begin())) {
    return InvalidArgument("this stanza is for another recipient", "wrong_key");
  }
  auto key = crypto::OpenWith(identity, s.body, kStanzaLabel);
  if (!key.ok()) return InvalidArgument("the stanza does not open with this key", "wrong_key");
  if (key->size() != kFileKeySize) return Bad("a stanza holds a file key of the wrong size");
  return crypto::SecretBytes::LockedCopyOf(key->view());
}

Status SealHeader(const crypto::SecretBytes& file_key, Header& h) {
  KEEP_RETURN_IF_ERROR(CheckHeader(h));
  KEEP_ASSIGN_OR_RETURN(auto mac_key, Derive(file_key, h, kMacInfo));
  return crypto::HmacSha256(mac_key.view(), HeaderBody(h), h.mac);
}

Status VerifyHeader(const crypto::SecretBytes& file_key, const Header& h) {
  KEEP_RETURN_IF_ERROR(CheckHeader(h));
  KEEP_ASSIGN_OR_RETURN(auto mac_key, Derive(file_key, h, kMacInfo));
  if (!crypto::HmacSha256Verify(mac_key.view(), HeaderBody(h), h.mac)) {
    return InvalidArgument(
        "the header does not authenticate under this file key (the header was altered, or "
        "the stanza was forged)",
        "wrong_key");
  }
  return Status::Ok();
}

Bytes SerializeHeader(const Header& h) {
  Bytes out = HeaderBody(h);
  out.insert(out.end(), h.mac.begin(), h.mac.end());
  return out;
}

Result<Header> ReadHeader(const ReadFn& read) {
  auto exact = [&](uint8_t* buf, size_t n, const char* what) -> Status {
    size_t got = 0;
    while (got < n) {
      KEEP_ASSIGN_OR_RETURN(size_t r, read(buf + got, n - got));
      if (r == 0) return Bad(std::string("the file ends inside its header (") + what + ")");
      got += r;
    }
    return Status::Ok();
  };
  uint8_t fixed[8 + 1 + 1 + 16 + 2];
  KEEP_RETURN_IF_ERROR(exact(fixed, sizeof fixed, "magic"));
  if (std::memcmp(fixed, kMagic, sizeof kMagic) != 0) return Bad("not a keep file (bad magic)");
  if (fixed[8] != kVersion) return Bad("unsupported keep file version " + std::to_string(fixed[8]));
  Header h;
  h.segment_log2 = fixed[9];
  std::copy(fixed + 10, fixed + 26, h.salt.begin());
  const size_t count = (size_t{fixed[26]} << 8) | fixed[27];
  if (count == 0 || count > kMaxStanzas) return Bad("a file has 1–1024 stanzas");
  for (size_t i = 0; i < count; ++i) {
    uint8_t head[2];
    KEEP_RETURN_IF_ERROR(exact(head, 2, "stanza"));
    Stanza s;
    s.type = static_cast<StanzaType>(head[0]);
    s.recipient.resize(head[1]);
    KEEP_RETURN_IF_ERROR(exact(s.recipient.data(), s.recipient.size(), "stanza recipient"));
    uint8_t len[2];
    KEEP_RETURN_IF_ERROR(exact(len, 2, "stanza length"));
    const size_t n = (size_t{len[0]} << 8) | len[1];
    if (n == 0 || n > kMaxStanzaBody) return Bad("a stanza body is 1–8192 bytes");
    s.body.resize(n);
    KEEP_RETURN_IF_ERROR(exact(s.body.data(), n, "stanza body"));
    KEEP_RETURN_IF_ERROR(CheckStanza(s));
    h.stanzas.push_back(std::move(s));
  }
  KEEP_RETURN_IF_ERROR(exact(h.mac.data(), h.mac.size(), "header MAC"));
  KEEP_RETURN_IF_ERROR(CheckHeader(h));
  return h;
}

// ---- body

}  // namespace keep::format::file
