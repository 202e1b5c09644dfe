// Schnorr and Chaum–Pedersen proofs on P-256 (crypto/proofs.h).
#include "crypto/proofs.h"

#include <string_view>

#include "crypto/p256.h"
#include "crypto/secret_bytes.h"

namespace keep::crypto::proofs {
namespace {

constexpr std::string_view kSchnorr = "keep schnorr v1";
constexpr std::string_view kDleq = "keep dleq v1";

ByteView Label(std::string_view s) {
  return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

Status Refused() {
  return InvalidArgument("the proof does not verify");
}

// s·B == R + c·Y, with B the generator when empty.
Result<bool> Holds(ByteView s, ByteView base, ByteView r, ByteView c, ByteView y) {
  KEEP_ASSIGN_OR_RETURN(Bytes lhs, base.empty() ? p256::MulBase(s) : p256::Mul(s, base));
  KEEP_ASSIGN_OR_RETURN(Bytes cy, p256::Mul(c, y));
  auto rhs = p256::Add(r, cy);
  if (!rhs.ok()) return false;  // R = -c·Y: the sum is the point at infinity
  return lhs == *rhs;
}

}  // namespace

Result<SchnorrProof> ProveKnowledge(ByteView x, ByteView context) {
  KEEP_ASSIGN_OR_RETURN(Bytes x_public, p256::MulBase(x));
  KEEP_ASSIGN_OR_RETURN(SecretBytes k, p256::RandomScalar());
  SchnorrProof p;
  KEEP_ASSIGN_OR_RETURN(p.r, p256::MulBase(k.view()));
  KEEP_ASSIGN_OR_RETURN(Bytes c, p256::HashToScalar({Label(kSchnorr), x_public, p.r, context}));
  KEEP_ASSIGN_OR_RETURN(SecretBytes s, p256::MulAdd(k.view(), c, x));
  p.s.assign(s.view().begin(), s.view().end());
  return p;
}

Status VerifyKnowledge(ByteView x_public, const SchnorrProof& proof, ByteView context) {
  KEEP_RETURN_IF_ERROR(p256::CheckPoint(x_public));
  if (!p256::CheckPoint(proof.r).ok() || !p256::CheckScalar(proof.s).ok()) {
    return InvalidArgument("the proof is malformed");
  }
  KEEP_ASSIGN_OR_RETURN(Bytes c, p256::HashToScalar({Label(kSchnorr), x_public, proof.r, context}));
  KEEP_ASSIGN_OR_RETURN(bool ok, Holds(proof.s, {}, proof.r, c, x_public));
  return ok ? Status::Ok() : Refused();
}

Result<DleqResult> ProveEqualLogs(ByteView x, ByteView e, ByteView context) {
  KEEP_ASSIGN_OR_RETURN(Bytes x_public, p256::MulBase(x));
  DleqResult out;
  KEEP_ASSIGN_OR_RETURN(out.partial, p256::Mul(x, e));
  KEEP_ASSIGN_OR_RETURN(SecretBytes k, p256::RandomScalar());
  KEEP_ASSIGN_OR_RETURN(out.proof.r1, p256::MulBase(k.view()));
  KEEP_ASSIGN_OR_RETURN(out.proof.r2, p256::Mul(k.view(), e));
  KEEP_ASSIGN_OR_RETURN(Bytes c, p256::HashToScalar({Label(kDleq), x_public, e, out.partial,
                                                     out.proof.r1, out.proof.r2, context}));
  KEEP_ASSIGN_OR_RETURN(SecretBytes s, p256::MulAdd(k.view(), c, x));
  out.proof.s.assign(s.view().begin(), s.view().end());
  return out;
}

Status VerifyEqualLogs(ByteView x_public, ByteView e, ByteView partial, const DleqProof& proof,
                       ByteView context) {
  KEEP_RETURN_IF_ERROR(p256::CheckPoint(x_public));
  KEEP_RETURN_IF_ERROR(p256::CheckPoint(e));
  if (!p256::CheckPoint(partial).ok() || !p256::CheckPoint(proof.r1).ok() ||
      !p256::CheckPoint(proof.r2).ok() || !p256::CheckScalar(proof.s).ok()) {
    return InvalidArgument("the partial or its proof is malformed");
  }
  KEEP_ASSIGN_OR_RETURN(Bytes c, p256::HashToScalar({Label(kDleq), x_public, e, partial, proof.r1,
                                                     proof.r2, context}));
  KEEP_ASSIGN_OR_RETURN(bool g_ok, Holds(proof.s, {}, proof.r1, c, x_public));
  KEEP_ASSIGN_OR_RETURN(bool e_ok, Holds(proof.s, e, proof.r2, c, partial));
  return g_ok && e_ok ? Status::Ok() : Refused();
}

}  // namespace keep::crypto::proofs
