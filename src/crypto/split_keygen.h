// Joint generation of a P-256 key split between two peers (issue 21), so that neither
// peer can choose or bias the joint public key X = X1 + X2:
//
//   1. each peer draws its share x_i, computes X_i = x_i·G and a Schnorr proof π_i of
//      knowing x_i (crypto/proofs.h), bound to the generation's context (key, version,
//      both peer names, a fresh session id);
//   2. each sends only commit_i = SHA-256("keep split commit v1" ‖ len ‖ X_i ‖ len ‖ π_i ‖
//      len ‖ context) and waits for the other's commitment;
//   3. then each reveals (X_i, π_i); the other checks it against the commitment and the
//      proof, and both compute X = X1 + X2.
//
// Committing first stops the second peer from picking X_2 after seeing X_1 (e.g.
// X_2 = Y − X_1 for a Y it knows the key of); the proof of knowledge stops a share whose
// key its sender does not know. Errors: kInvalidArgument naming what failed (a reveal
// that does not match its commitment, a proof that does not verify, a joint key that is
// the point at infinity). Pure functions; thread-safe.
#pragma once

#include "common/bytes.h"
#include "crypto/proofs.h"
#include "crypto/secret_bytes.h"
#include "keep/result.h"

namespace keep::crypto::split {

struct Share {
  SecretBytes x;               // this peer's scalar: stays under its barrier
  Bytes x_public;              // X_i (65-byte point)
  proofs::SchnorrProof proof;  // π_i
  Bytes commitment;            // what is sent first (32 bytes)
};

// Steps 1–2 for this peer.
Result<Share> NewShare(ByteView context);
// The commitment to a revealed (X_i, π_i).
Bytes Commitment(ByteView x_public, const proofs::SchnorrProof& proof, ByteView context);
// Step 3: checks the other peer's reveal against its earlier commitment and its proof,
// and returns the joint public key X1 + X2.
Result<Bytes> Join(const Share& mine, ByteView their_commitment, ByteView their_public,
                   const proofs::SchnorrProof& their_proof, ByteView context);

}  // namespace keep::crypto::split
