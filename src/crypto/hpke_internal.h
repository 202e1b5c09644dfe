// What the HPKE KEMs share (internal to src/crypto/hpke*.cc): RFC 9180's labeled HKDF
// with the KEM and HPKE suite ids, DHKEM's ExtractAndExpand, the base-mode key schedule,
// and single-shot seal/open/export once the context is known. Pure functions.
#pragma once

#include <cstdint>

#include "common/bytes.h"
#include "crypto/hpke.h"
#include "crypto/secret_bytes.h"
#include "keep/result.h"

namespace keep::crypto::hpke::internal {

struct Context {
  SecretBytes key, base_nonce, exporter_secret;
};

// DHKEM's ExtractAndExpand (§4.1): the KEM shared secret from a DH output.
Result<SecretBytes> SharedSecret(uint16_t kem, ByteView dh, ByteView enc,
                                 ByteView recipient_public);
// KeySchedule (§5.1), mode_base.
Result<Context> KeySchedule(uint16_t kem, Aead aead, ByteView shared_secret, ByteView info);
// Seal/Open with sequence number 0; Open answers "invalid_ciphertext" for anything that
// does not authenticate (also when `c` is an error), without saying why.
Result<Sealed> SealWithContext(Aead aead, const Context& c, ByteView aad, ByteView plaintext,
                               Bytes enc);
Result<SecretBytes> OpenWithContext(Aead aead, const Result<Context>& c, ByteView aad,
                                    ByteView ciphertext);
// The exporter (§5.3).
Result<SecretBytes> ExportWithContext(uint16_t kem, Aead aead, const Context& c,
                                      ByteView exporter_context, size_t length);

}  // namespace keep::crypto::hpke::internal
