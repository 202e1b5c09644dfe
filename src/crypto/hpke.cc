#include "crypto/hpke.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <string_view>

#include "crypto/aead.h"
#include "crypto/hpke_internal.h"
#include "crypto/kdf.h"
#include "crypto/ossl.h"
#include "crypto/pubkey.h"
#include "crypto/random.h"

namespace keep::crypto::hpke {
namespace {

constexpr std::string_view kVersion = "HPKE-v1";
constexpr size_t kNh = 32;  // HKDF-SHA256's output
constexpr size_t kNn = 12;

void Put16(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

void Append(Bytes& out, ByteView b) {
  out.insert(out.end(), b.begin(), b.end());
}
void Append(Bytes& out, std::string_view s) {
  out.insert(out.end(), s.begin(), s.end());
}

}  // namespace

namespace internal {

Bytes KemSuite(uint16_t kem) {
  Bytes s;
  Append(s, std::string_view("KEM"));
  Put16(s, kem);
  return s;
}

Bytes HpkeSuite(uint16_t kem, Aead aead) {
  Bytes s;
  Append(s, std::string_view("HPKE"));
  Put16(s, kem);
  Put16(s, kKdfHkdfSha256);
  Put16(s, static_cast<uint16_t>(aead));
  return s;
}

size_t KeySize(Aead aead) {
  return aead == Aead::kAes128Gcm ? 16 : 32;
}

AeadAlgorithm AlgorithmOf(Aead aead) {
  return aead == Aead::kChaCha20Poly1305 ? AeadAlgorithm::kChaCha20Poly1305
                                         : AeadAlgorithm::kAesGcm;
}

// HKDF-Extract (RFC 5869 §2.2): an empty salt is HashLen zero bytes.
Result<SecretBytes> Extract(ByteView salt, ByteView ikm) {
  static const uint8_t kZeros[kNh] = {};
  SecretBytes prk = SecretBytes::Locked(kNh);
  KEEP_RETURN_IF_ERROR(
      HmacSha256(salt.empty() ? ByteView(kZeros, kNh) : salt, ikm, prk.mutable_view()));
  return prk;
}

// HKDF-Expand (RFC 5869 §2.3).
Result<SecretBytes> Expand(ByteView prk, ByteView info, size_t length) {
  if (length == 0 || length > 255 * kNh) return InvalidArgument("HKDF output size out of range");
  SecretBytes out = SecretBytes::Locked(length);
  SecretBytes block = SecretBytes::Locked(kNh);
  size_t done = 0;
  for (uint8_t i = 1; done < length; ++i) {
    Bytes msg;
    if (i > 1) Append(msg, block.view());
    Append(msg, info);
    msg.push_back(i);
    Status st = HmacSha256(prk, msg, block.mutable_view());
    OPENSSL_cleanse(msg.data(), msg.size());
    KEEP_RETURN_IF_ERROR(st);
    const size_t n = std::min(kNh, length - done);
    std::copy_n(block.data(), n, out.data() + done);
    done += n;
  }
  return out;
}

Result<SecretBytes> LabeledExtract(const Bytes& suite, ByteView salt, std::string_view label,
                                   ByteView ikm) {
  Bytes labeled;
  Append(labeled, kVersion);
  Append(labeled, suite);
  Append(labeled, label);
  Append(labeled, ikm);
  auto prk = Extract(salt, labeled);
  OPENSSL_cleanse(labeled.data(), labeled.size());
  return prk;
}

Result<SecretBytes> LabeledExpand(const Bytes& suite, ByteView prk, std::string_view label,
                                  ByteView info, size_t length) {
  Bytes labeled;
  Put16(labeled, static_cast<uint16_t>(length));
  Append(labeled, kVersion);
  Append(labeled, suite);
  Append(labeled, label);
  Append(labeled, info);
  return Expand(prk, labeled, length);
}

// DHKEM's ExtractAndExpand (RFC 9180 §4.1).
Result<SecretBytes> SharedSecret(uint16_t kem, ByteView dh, ByteView enc,
                                 ByteView recipient_public) {
  const Bytes suite = KemSuite(kem);
  Bytes kem_context;
  Append(kem_context, enc);
  Append(kem_context, recipient_public);
  KEEP_ASSIGN_OR_RETURN(SecretBytes eae_prk, LabeledExtract(suite, {}, "eae_prk", dh));
  return LabeledExpand(suite, eae_prk.view(), "shared_secret", kem_context, kNh);
}

// KeySchedule (RFC 9180 §5.1), base mode: no PSK.
Result<Context> KeySchedule(uint16_t kem, Aead aead, ByteView shared_secret, ByteView info) {
  const Bytes suite = HpkeSuite(kem, aead);
  KEEP_ASSIGN_OR_RETURN(SecretBytes psk_id_hash, LabeledExtract(suite, {}, "psk_id_hash", {}));
  KEEP_ASSIGN_OR_RETURN(SecretBytes info_hash, LabeledExtract(suite, {}, "info_hash", info));
  Bytes ksc{0x00};  // mode_base
  Append(ksc, psk_id_hash.view());
  Append(ksc, info_hash.view());
  KEEP_ASSIGN_OR_RETURN(SecretBytes secret, LabeledExtract(suite, shared_secret, "secret", {}));
  Context c;
  KEEP_ASSIGN_OR_RETURN(c.key, LabeledExpand(suite, secret.view(), "key", ksc, KeySize(aead)));
  KEEP_ASSIGN_OR_RETURN(c.base_nonce, LabeledExpand(suite, secret.view(), "base_nonce", ksc, kNn));
  KEEP_ASSIGN_OR_RETURN(c.exporter_secret, LabeledExpand(suite, secret.view(), "exp", ksc, kNh));
  return c;
}

Result<Sealed> SealWithContext(Aead aead, const Context& c, ByteView aad, ByteView plaintext,
                               Bytes enc) {
  Sealed out;
  out.enc = std::move(enc);
  out.ciphertext.resize(plaintext.size() + kAeadTagSize);
  // Sequence number 0: the nonce is base_nonce itself.
  KEEP_RETURN_IF_ERROR(AeadSeal(AlgorithmOf(aead), c.key.view(), c.base_nonce.view(), aad,
                                plaintext, out.ciphertext));
  return out;
}

Result<SecretBytes> OpenWithContext(Aead aead, const Result<Context>& c, ByteView aad,
                                    ByteView ciphertext) {
  const Status refused(Code::kInvalidArgument, "invalid_ciphertext", "authentication failed");
  if (!c.ok() || ciphertext.size() < kAeadTagSize) return refused;
  SecretBytes out(ciphertext.size() - kAeadTagSize);
  if (!AeadOpen(AlgorithmOf(aead), c->key.view(), c->base_nonce.view(), aad, ciphertext,
                out.mutable_view())
           .ok()) {
    return refused;
  }
  return out;
}

Result<SecretBytes> ExportWithContext(uint16_t kem, Aead aead, const Context& c,
                                      ByteView exporter_context, size_t length) {
  return LabeledExpand(HpkeSuite(kem, aead), c.exporter_secret.view(), "sec", exporter_context,
                       length);
}

}  // namespace internal

namespace {

using namespace internal;

constexpr uint16_t kKem = kKemX25519HkdfSha256;

Result<SecretBytes> Dh(ByteView private_key, ByteView public_key) {
  KEEP_ASSIGN_OR_RETURN(SecretBytes dh, X25519(private_key, public_key));
  static const uint8_t kZero[32] = {};
  if (dh.size() != 32 || ConstantTimeEquals(dh.view(), ByteView(kZero, 32))) {
    return InvalidArgument("a low-order X25519 public key");
  }
  return dh;
}

Result<Context> ReceiverContext(Aead aead, ByteView recipient_private, ByteView enc,
                                ByteView info) {
  if (recipient_private.size() != 32 || enc.size() != kEncSize) {
    return InvalidArgument("HPKE X25519 keys and encapsulations are 32 bytes");
  }
  KEEP_ASSIGN_OR_RETURN(const Bytes recipient_public, PublicKeyOf(recipient_private));
  KEEP_ASSIGN_OR_RETURN(SecretBytes dh, Dh(recipient_private, enc));
  KEEP_ASSIGN_OR_RETURN(SecretBytes shared, SharedSecret(kKem, dh.view(), enc, recipient_public));
  return KeySchedule(kKem, aead, shared.view(), info);
}

}  // namespace

Result<Bytes> PublicKeyOf(ByteView private_key) {
  if (private_key.size() != 32) return InvalidArgument("an X25519 private key is 32 bytes");
  OsslPtr<EVP_PKEY> k(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, private_key.data(), 32));
  Bytes pub(32);
  size_t n = pub.size();
  if (!k || EVP_PKEY_get_raw_public_key(k.get(), pub.data(), &n) != 1 || n != 32) {
    DrainOpenSslErrors("x25519 public");
    return InvalidArgument("invalid X25519 private key");
  }
  return pub;
}

Result<KeyPair> GenerateKeyPair() {
  KeyPair kp;
  KEEP_ASSIGN_OR_RETURN(kp.private_key, RandomSecret(32));
  KEEP_ASSIGN_OR_RETURN(kp.public_key, PublicKeyOf(kp.private_key.view()));
  return kp;
}

Result<Sealed> SealWithEphemeral(Aead aead, ByteView ephemeral_private, ByteView recipient_public,
                                 ByteView info, ByteView aad, ByteView plaintext) {
  if (recipient_public.size() != 32) return InvalidArgument("an X25519 public key is 32 bytes");
  KEEP_ASSIGN_OR_RETURN(Bytes enc, PublicKeyOf(ephemeral_private));
  KEEP_ASSIGN_OR_RETURN(SecretBytes dh, Dh(ephemeral_private, recipient_public));
  KEEP_ASSIGN_OR_RETURN(SecretBytes shared, SharedSecret(kKem, dh.view(), enc, recipient_public));
  KEEP_ASSIGN_OR_RETURN(Context c, KeySchedule(kKem, aead, shared.view(), info));
  return SealWithContext(aead, c, aad, plaintext, std::move(enc));
}

Result<Sealed> Seal(Aead aead, ByteView recipient_public, ByteView info, ByteView aad,
                    ByteView plaintext) {
  KEEP_ASSIGN_OR_RETURN(const SecretBytes ephemeral, RandomSecret(32));
  return SealWithEphemeral(aead, ephemeral.view(), recipient_public, info, aad, plaintext);
}

Result<SecretBytes> Open(Aead aead, ByteView recipient_private, ByteView enc, ByteView info,
                         ByteView aad, ByteView ciphertext) {
  return OpenWithContext(aead, ReceiverContext(aead, recipient_private, enc, info), aad,
                         ciphertext);
}

Result<SecretBytes> Export(Aead aead, ByteView recipient_private, ByteView enc, ByteView info,
                           ByteView exporter_context, size_t length) {
  KEEP_ASSIGN_OR_RETURN(Context c, ReceiverContext(aead, recipient_private, enc, info));
  return ExportWithContext(kKem, aead, c, exporter_context, length);
}

}  // namespace keep::crypto::hpke
