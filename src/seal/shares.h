// Share encoding and the seal record: how root-key shares travel and are checked.
//
// A share as text (docs/formats.md, "Unseal and recovery shares"):
//   "kshare1-" || base64url-nopad(48 bytes):
//     version (1) = 1 || kind (1: 1 unseal, 2 recovery) || set id (8) || threshold (1) ||
//     x (1) || y (32) || check (4)
//   check = first 4 bytes of SHA-256("keep share check v1" || the 44 bytes before it)
// The check catches a mistyped or truncated share before anything else. The set id
// (random per init/rekey) catches a share of another server or of an older share set.
// The seal record holds, per share, verifier = SHA-256("keep share verifier v1" ||
// set id || x || y), so a share that was altered consistently (a forged check) is
// still refused individually, before it is combined.
//
// A share encrypted to a custodian's public key:
//   "kshare1e-" || base64url-nopad(crypto::SealTo(recipient, 48-byte share,
//                                                   label "keep share v1"))
//
// The seal record ("core/seal", stored unencrypted: it is needed while sealed) is JSON:
//   {"version":1,"type":"shamir"|"pkcs11"|"dev-file","share_kind":"unseal"|"recovery"|"",
//    "shares":N,"threshold":M,"set_id":hex,"verifiers":[hex...],"wrapped":base64,
//    "created":unix}
// Tampering with it can only deny service: the combined key must still open the
// keyring key (AES-GCM).
// Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/pubkey.h"
#include "crypto/shamir.h"
#include "seal/provider.h"

namespace keep::seal {

inline constexpr size_t kSetIdSize = 8;

struct DecodedShare {
  ShareKind kind = ShareKind::kUnseal;
  Bytes set_id;
  int threshold = 0;
  crypto::Share share;  // y in locked memory
};

// The share as text (secret: returned in SecretBytes).
crypto::SecretBytes EncodeShare(ShareKind kind, ByteView set_id, int threshold,
                                const crypto::Share& share);
// Parses a share's text (surrounding whitespace ignored). Errors (kInvalidArgument,
// reason "invalid_share"), each with its own message: not a share, an encrypted share,
// mistyped (bad characters, length or checksum), unsupported version, bad x/threshold.
Result<DecodedShare> DecodeShare(std::string_view text);

// The verifier of a share, as kept in the seal record.
Bytes ShareVerifier(ByteView set_id, const crypto::Share& share);

// Encrypts a share's text to a custodian. Errors from crypto::SealTo.
Result<std::string> EncryptShare(const crypto::PublicKey& recipient,
                                 const crypto::SecretBytes& share_text);
// Decrypts "kshare1e-..." with the custodian's private key, giving the share's text.
// Errors: kInvalidArgument "invalid_share" (not an encrypted share, wrong key, altered).
Result<crypto::SecretBytes> DecryptShare(const crypto::PrivateKey& key, std::string_view text);

struct SealRecord {
  std::string type;
  std::optional<ShareKind> share_kind;
  int shares = 0;
  int threshold = 0;
  Bytes set_id;
  std::vector<Bytes> verifiers;  // verifiers[x - 1]
  Bytes wrapped;                 // the provider's auto-unseal blob
  int64_t created = 0;

  Bytes Serialize() const;
  // Errors: kDataLoss "the seal record is malformed: ...".
  static Result<SealRecord> Parse(ByteView stored);
};

// A new share set for `root_key`: the shares as text and the matching record fields
// (share_kind, shares, threshold, set_id, verifiers). 1 <= threshold <= n <= 255.
struct ShareSet {
  std::vector<crypto::SecretBytes> texts;
  SealRecord record;
};
Result<ShareSet> MakeShareSet(const crypto::SecretBytes& root_key, ShareKind kind, int n,
                              int threshold);

}  // namespace keep::seal
