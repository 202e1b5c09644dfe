// Legacy constructions keep reads and never writes: only to import keas.kmi master storage
// (`keep import keas-kmi`) and open each imported entry once, after which it is
// re-protected in keep's format (http/keas_door.h). Nothing else may call these.
//
// - MD5, hex: keas.kmi names its entries by the MD5 of the key encrypting key's PEM; keep
//   uses it only to find an imported entry (a lookup, not a security property).
// - RSA PKCS#1 v1.5 decryption: keas.kmi wrapped each data key so. PKCS#1 v1.5 encryption
//   is malleable and invites padding-oracle attacks (Bleichenbacher); keep never encrypts
//   with it, and the door answers every failure the same way ("Key not found") without
//   saying why.
// Thread-safe.
#pragma once

#include <string>

#include "common/bytes.h"
#include "crypto/pubkey.h"
#include "keep/result.h"

namespace keep::crypto {

std::string Md5HexLegacy(ByteView data);
// Errors: kInvalidArgument (not an RSA key, or the blob does not decrypt).
Result<SecretBytes> RsaPkcs1v15DecryptLegacy(const PrivateKey& key, ByteView ciphertext);

}  // namespace keep::crypto
