// age recipient stanzas (format/age_stanza.h): X25519 from the age specification,
// ssh-ed25519 and ssh-rsa as age's SSH recipients define them.
#include "format/age_stanza.h"

#include <cstring>

#include "crypto/aead.h"
#include "crypto/kdf.h"
#include "crypto/pubkey.h"
#include "format/age_text.h"

namespace keep::format::age::internal {
namespace {

constexpr std::string_view kX25519Label = "age-encryption.org/v1/X25519";
constexpr std::string_view kEd25519Label = "age-encryption.org/v1/ssh-ed25519";
constexpr std::string_view kRsaLabel = "age-encryption.org/v1/ssh-rsa";
constexpr size_t kFileKeySize = 16;
constexpr size_t kTag = 16;

Status Bad(std::string what) {
  return Status(Code::kInvalidArgument, "invalid_file", "not a valid age file: " + what);
}

// The stanza tag of an SSH key: base64 of the first 4 bytes of SHA-256(wire encoding).
Result<std::string> SshTag(ByteView ssh_key) {
  std::array<uint8_t, crypto::kSha256Size> h{};
  KEEP_RETURN_IF_ERROR(crypto::Sha256(ssh_key, h));
  return B64(ByteView(h).first(4));
}

Result<Bytes> Seal(const crypto::SecretBytes& wrap, ByteView file_key) {
  Bytes body(kFileKeySize + kTag);
  const uint8_t zero[12] = {};
  KEEP_RETURN_IF_ERROR(crypto::AeadSeal(crypto::AeadAlgorithm::kChaCha20Poly1305, wrap.view(), zero,
                                        {}, file_key, body));
  return body;
}

std::optional<crypto::SecretBytes> Open(const crypto::SecretBytes& wrap, ByteView body) {
  crypto::SecretBytes key(kFileKeySize);
  const uint8_t zero[12] = {};
  if (!crypto::AeadOpen(crypto::AeadAlgorithm::kChaCha20Poly1305, wrap.view(), zero, {}, body,
                        key.mutable_view())
           .ok()) {
    return std::nullopt;
  }
  return key;
}

Bytes Concat(ByteView a, ByteView b) {
  Bytes out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

// The X25519 shared secret for ssh-ed25519: X25519(tweak, X25519(scalar, point)) with
// tweak = HKDF(ikm = "", salt = ssh key, info = label).
Result<crypto::SecretBytes> Ed25519Shared(ByteView scalar, ByteView point, ByteView ssh_key) {
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes shared, crypto::X25519(scalar, point));
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes tweak, Hkdf({}, ssh_key, kEd25519Label));
  return crypto::X25519(tweak.view(), shared.view());
}

Result<Bytes> Share(const Stanza& s, size_t index, std::string_view type) {
  Bytes share;
  if (!UnB64(s.args[index], &share) || share.size() != 32) {
    return Bad("an " + std::string(type) + " share is not 32 bytes");
  }
  if (s.body.size() != kFileKeySize + kTag) {
    return Bad("an " + std::string(type) + " stanza body is not 32 bytes");
  }
  return share;
}

Status Arity(const Stanza& s, size_t n) {
  if (s.args.size() == n) return Status::Ok();
  return Bad("an " + s.args[0] + " stanza has " + std::to_string(s.args.size() - 1) + " arguments");
}

}  // namespace

Result<crypto::SecretBytes> Hkdf(ByteView ikm, ByteView salt, std::string_view info) {
  crypto::SecretBytes key(32);
  KEEP_RETURN_IF_ERROR(crypto::HkdfSha256(ikm, salt, AsBytes(info), key.mutable_view()));
  return key;
}

Result<Stanza> Wrap(const Recipient& r, ByteView file_key) {
  Stanza s;
  if (r.kind == KeyKind::kSshRsa) {
    if (!r.rsa)
      return Status(Code::kInvalidArgument, "usage", "an ssh-rsa recipient needs its key");
    KEEP_ASSIGN_OR_RETURN(std::string tag, SshTag(r.ssh_key));
    s.args = {"ssh-rsa", tag};
    KEEP_ASSIGN_OR_RETURN(s.body,
                          crypto::RsaOaepSha256Encrypt(*r.rsa, file_key, AsBytes(kRsaLabel)));
    return s;
  }
  KEEP_ASSIGN_OR_RETURN(Identity eph, GenerateIdentity());
  crypto::SecretBytes shared;
  std::string_view label = kX25519Label;
  if (r.kind == KeyKind::kSshEd25519) {
    KEEP_ASSIGN_OR_RETURN(shared, Ed25519Shared(eph.scalar.view(), r.x25519, r.ssh_key));
    KEEP_ASSIGN_OR_RETURN(std::string tag, SshTag(r.ssh_key));
    s.args = {"ssh-ed25519", tag, B64(eph.public_key)};
    label = kEd25519Label;
  } else {
    KEEP_ASSIGN_OR_RETURN(shared, crypto::X25519(eph.scalar.view(), r.x25519));
    s.args = {"X25519", B64(eph.public_key)};
  }
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes wrap,
                        Hkdf(shared.view(), Concat(eph.public_key, r.x25519), label));
  KEEP_ASSIGN_OR_RETURN(s.body, Seal(wrap, file_key));
  return s;
}

Result<std::optional<crypto::SecretBytes>> Unwrap(const Stanza& s, const Identity& id) {
  using Key = std::optional<crypto::SecretBytes>;
  const std::string& type = s.args[0];
  if (type == "X25519" && id.kind == KeyKind::kX25519) {
    KEEP_RETURN_IF_ERROR(Arity(s, 2));
    KEEP_ASSIGN_OR_RETURN(Bytes share, Share(s, 1, "X25519"));
    auto shared = crypto::X25519(id.scalar.view(), share);
    if (!shared.ok()) return Bad("an X25519 share is a low-order point");
    KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes wrap,
                          Hkdf(shared->view(), Concat(share, id.public_key), kX25519Label));
    return Open(wrap, s.body);
  }
  if (type == "ssh-ed25519" && id.kind == KeyKind::kSshEd25519) {
    KEEP_RETURN_IF_ERROR(Arity(s, 3));
    KEEP_ASSIGN_OR_RETURN(std::string tag, SshTag(id.ssh_key));
    if (s.args[1] != tag) return Key();
    KEEP_ASSIGN_OR_RETURN(Bytes share, Share(s, 2, "ssh-ed25519"));
    auto shared = Ed25519Shared(id.scalar.view(), share, id.ssh_key);
    if (!shared.ok()) return Bad("an ssh-ed25519 share is a low-order point");
    KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes wrap,
                          Hkdf(shared->view(), Concat(share, id.public_key), kEd25519Label));
    return Open(wrap, s.body);
  }
  if (type == "ssh-rsa" && id.kind == KeyKind::kSshRsa && id.rsa) {
    KEEP_RETURN_IF_ERROR(Arity(s, 2));
    KEEP_ASSIGN_OR_RETURN(std::string tag, SshTag(id.ssh_key));
    if (s.args[1] != tag) return Key();
    auto key = crypto::RsaOaepSha256Decrypt(*id.rsa, s.body, AsBytes(kRsaLabel));
    if (!key.ok()) return Key();
    if (key->size() != kFileKeySize) return Bad("an ssh-rsa stanza holds no 16-byte file key");
    return Key(std::move(*key));
  }
  return Key();
}

}  // namespace keep::format::age::internal
