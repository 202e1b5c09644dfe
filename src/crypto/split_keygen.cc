// Joint generation of a split P-256 key (crypto/split_keygen.h).
#include "crypto/split_keygen.h"

#include <string_view>

#include "crypto/kdf.h"
#include "crypto/p256.h"

namespace keep::crypto::split {
namespace {

void Put(Bytes& out, ByteView b) {
  const auto n = static_cast<uint32_t>(b.size());
  for (int sh = 24; sh >= 0; sh -= 8) out.push_back(static_cast<uint8_t>(n >> sh));
  out.insert(out.end(), b.begin(), b.end());
}

}  // namespace

Bytes Commitment(ByteView x_public, const proofs::SchnorrProof& proof, ByteView context) {
  constexpr std::string_view kLabel = "keep split commit v1";
  Bytes msg(kLabel.begin(), kLabel.end());
  Put(msg, x_public);
  Put(msg, proof.r);
  Put(msg, proof.s);
  Put(msg, context);
  Bytes out(kSha256Size);
  // (SHA-256 cannot fail here; if it did, the empty answer would match no commitment.)
  if (!Sha256(msg, std::span<uint8_t, kSha256Size>(out.data(), kSha256Size)).ok()) return {};
  return out;
}

Result<Share> NewShare(ByteView context) {
  Share s;
  KEEP_ASSIGN_OR_RETURN(s.x, p256::RandomScalar());
  KEEP_ASSIGN_OR_RETURN(s.x_public, p256::MulBase(s.x.view()));
  KEEP_ASSIGN_OR_RETURN(s.proof, proofs::ProveKnowledge(s.x.view(), context));
  s.commitment = Commitment(s.x_public, s.proof, context);
  return s;
}

Result<Bytes> Join(const Share& mine, ByteView their_commitment, ByteView their_public,
                   const proofs::SchnorrProof& their_proof, ByteView context) {
  const Bytes expected = Commitment(their_public, their_proof, context);
  if (!ConstantTimeEquals(expected, their_commitment)) {
    return InvalidArgument("the peer's key share does not match what it committed to");
  }
  if (ConstantTimeEquals(their_public, mine.x_public)) {
    return InvalidArgument("the peer's key share is this peer's own (a reflected reveal)");
  }
  if (Status st = proofs::VerifyKnowledge(their_public, their_proof, context); !st.ok()) {
    return InvalidArgument("the peer's key share comes without a valid proof of knowledge: " +
                           st.message());
  }
  auto joint = p256::Add(mine.x_public, their_public);
  if (!joint.ok()) return InvalidArgument("the joint key would be the point at infinity");
  return joint;
}

}  // namespace keep::crypto::split
