// Zero-knowledge proofs on P-256 for keys split between two peers (issue 21), made
// non-interactive with Fiat–Shamir: the challenge is crypto/p256.h's HashToScalar over a
// domain label, every public value and a caller's `context` (what the proof is for: key,
// version, peers, request id), so a proof made for one purpose verifies for no other.
//
//   Schnorr (knowledge of x, X = x·G):   R = k·G, c = H("keep schnorr v1", X, R, ctx),
//                                         s = k + c·x;   checks s·G == R + c·X
//   Chaum–Pedersen (log_G X == log_E P):  R1 = k·G, R2 = k·E,
//                                         c = H("keep dleq v1", X, E, P, R1, R2, ctx),
//                                         s = k + c·x;   checks s·G == R1 + c·X, s·E == R2 + c·P
//
// k is fresh randomness for every proof and wiped. Verify errors: kInvalidArgument
// ("the proof does not verify", or what is malformed). Pure functions; thread-safe.
#pragma once

#include "common/bytes.h"
#include "keep/result.h"

namespace keep::crypto::proofs {

struct SchnorrProof {
  Bytes r;  // 65-byte point
  Bytes s;  // 32-byte scalar
};
Result<SchnorrProof> ProveKnowledge(ByteView x, ByteView context);
Status VerifyKnowledge(ByteView x_public, const SchnorrProof& proof, ByteView context);

struct DleqProof {
  Bytes r1, r2;  // 65-byte points
  Bytes s;       // 32-byte scalar
};
// Proves that `partial` = x·E (returned with the proof) uses the x of X = x·G.
struct DleqResult {
  Bytes partial;
  DleqProof proof;
};
Result<DleqResult> ProveEqualLogs(ByteView x, ByteView e, ByteView context);
Status VerifyEqualLogs(ByteView x_public, ByteView e, ByteView partial, const DleqProof& proof,
                       ByteView context);

}  // namespace keep::crypto::proofs
