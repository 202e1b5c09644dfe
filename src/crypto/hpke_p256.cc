// HPKE with DHKEM(P-256, HKDF-SHA256) (crypto/hpke.h, namespace p256), RFC 9180 §7.1, on
// the P-256 group of crypto/p256.h, sharing the key schedule with the X25519 KEM
// (hpke_internal.h).
#include "crypto/hpke.h"
#include "crypto/hpke_internal.h"
#include "crypto/p256.h"

namespace keep::crypto::hpke::p256 {
namespace {

using namespace internal;
namespace group = crypto::p256;

Result<SecretBytes> Dh(ByteView private_key, ByteView public_key) {
  KEEP_ASSIGN_OR_RETURN(Bytes shared, group::Mul(private_key, public_key));
  return group::XOf(shared);
}

Result<Context> ReceiverContext(Aead aead, ByteView recipient_private, ByteView enc,
                                ByteView info) {
  KEEP_ASSIGN_OR_RETURN(const Bytes recipient_public, PublicKeyOf(recipient_private));
  KEEP_ASSIGN_OR_RETURN(SecretBytes dh, Dh(recipient_private, enc));
  KEEP_ASSIGN_OR_RETURN(SecretBytes shared, SharedSecret(kKem, dh.view(), enc, recipient_public));
  return KeySchedule(kKem, aead, shared.view(), info);
}

}  // namespace

Result<Bytes> PublicKeyOf(ByteView private_key) {
  return group::MulBase(private_key);
}

Result<KeyPair> GenerateKeyPair() {
  KEEP_ASSIGN_OR_RETURN(SecretBytes sk, group::RandomScalar());
  KEEP_ASSIGN_OR_RETURN(Bytes pub, group::MulBase(sk.view()));
  return KeyPair{std::move(sk), std::move(pub)};
}

Result<Sealed> SealWithEphemeral(Aead aead, ByteView ephemeral_private, ByteView recipient_public,
                                 ByteView info, ByteView aad, ByteView plaintext) {
  KEEP_ASSIGN_OR_RETURN(Bytes enc, PublicKeyOf(ephemeral_private));
  KEEP_ASSIGN_OR_RETURN(SecretBytes dh, Dh(ephemeral_private, recipient_public));
  KEEP_ASSIGN_OR_RETURN(SecretBytes shared, SharedSecret(kKem, dh.view(), enc, recipient_public));
  KEEP_ASSIGN_OR_RETURN(Context c, KeySchedule(kKem, aead, shared.view(), info));
  return SealWithContext(aead, c, aad, plaintext, std::move(enc));
}

Result<Sealed> Seal(Aead aead, ByteView recipient_public, ByteView info, ByteView aad,
                    ByteView plaintext) {
  KEEP_ASSIGN_OR_RETURN(const KeyPair eph, GenerateKeyPair());
  return p256::SealWithEphemeral(aead, eph.private_key.view(), recipient_public, info, aad,
                                 plaintext);
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

Result<Bytes> PartialDh(ByteView share_private, ByteView enc) {
  return group::Mul(share_private, enc);
}

Result<Bytes> AddPoints(ByteView a, ByteView b) {
  return group::Add(a, b);
}

Result<SecretBytes> OpenWithDhPoint(Aead aead, ByteView dh_point, ByteView enc,
                                    ByteView recipient_public, ByteView info, ByteView aad,
                                    ByteView ciphertext) {
  const auto context = [&]() -> Result<Context> {
    KEEP_RETURN_IF_ERROR(group::CheckPoint(enc));
    KEEP_RETURN_IF_ERROR(group::CheckPoint(recipient_public));
    KEEP_ASSIGN_OR_RETURN(SecretBytes dh, group::XOf(dh_point));
    KEEP_ASSIGN_OR_RETURN(SecretBytes shared, SharedSecret(kKem, dh.view(), enc, recipient_public));
    return KeySchedule(kKem, aead, shared.view(), info);
  };
  return OpenWithContext(aead, context(), aad, ciphertext);
}

}  // namespace keep::crypto::hpke::p256
