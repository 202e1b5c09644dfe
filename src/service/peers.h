// Peers: the other keep deployment that holds the second share of split keys (issue 21),
// as the service sees it. The service decides what to ask and checks every answer; a
// PeerLinks implementation (peer/peer_links.h: HTTPS with mutual TLS to the peer's
// /v1/peer/… door) only carries the questions. Implementations are thread-safe.
//
// Errors every call may return: kUnavailable with reason "peer_unavailable" (unknown
// peer, no connection, timeout) or "peer_refused" (the peer answered with an error: its
// code and message are in the message), never the peer's own status as ours.
#pragma once

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "crypto/proofs.h"
#include "format/ciphertext.h"
#include "keep/result.h"

namespace keep::service {

// Keygen round 1 (initiator → responder): the initiator's commitment to its share.
struct KeygenOffer {
  std::string key;  // the key's name (the same on both sides)
  format::KeyId id{};
  uint32_t version = 0;  // 1: a new key; n > 1: a rotation
  std::string session;   // 32 hex digits, fresh for each generation
  Bytes commitment;      // crypto/split_keygen.h
};

// A revealed public share with its Schnorr proof.
struct KeygenReveal {
  Bytes x_public;
  crypto::proofs::SchnorrProof proof;
};

// A partial decryption's question and answer.
struct PartialRequest {
  std::string key;
  format::KeyId id{};
  uint32_t version = 0;
  Bytes enc;               // the ciphertext's encapsulated key (65 bytes); nothing else
  std::string request_id;  // the serving node's request id: both trails record it
};
struct PartialAnswer {
  Bytes partial;  // the peer's share · enc
  crypto::proofs::DleqProof proof;
};

class PeerLinks {
 public:
  virtual ~PeerLinks() = default;
  // Whether `peer` is a configured [[peers]] name.
  virtual bool Known(std::string_view peer) const = 0;
  // The [[peers]] name whose requests arrive as identity `identity_id` ("cert:<name>"),
  // or "" when that identity is no peer.
  virtual std::string PeerOf(std::string_view identity_id) const = 0;

  // Keygen round 1: sends the offer; the answer is the responder's reveal.
  virtual Result<KeygenReveal> KeygenCommit(std::string_view peer, const KeygenOffer& offer) = 0;
  // Keygen round 2: sends the initiator's reveal; the answer is the joint public key the
  // responder stored.
  virtual Result<Bytes> KeygenFinish(std::string_view peer, std::string_view key,
                                     std::string_view session, const KeygenReveal& reveal) = 0;
  // A partial decryption.
  virtual Result<PartialAnswer> Partial(std::string_view peer, const PartialRequest& request) = 0;
};

// The contexts the proofs are bound to (docs/formats.md "Split keys").
Bytes KeygenContext(const format::KeyId& id, uint32_t version, std::string_view session,
                    bool initiator);
Bytes PartialContext(const format::KeyId& id, uint32_t version, std::string_view request_id);

}  // namespace keep::service
