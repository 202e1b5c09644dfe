// PeerLinks over HTTPS with mutual TLS (libkeep's transport): one client per [[peers]]
// entry, asking the peer's /v1/peer/… door (docs/api.md "Peer requests"). What the
// service sends is only what docs/threat-model.md says leaves: key name and id, version,
// session, commitments, public shares and proofs, the encapsulated key and the request
// id — never a ciphertext body, a plaintext or a share. Thread-safe.
#pragma once

#include <memory>
#include <vector>

#include "keep/result.h"
#include "peer/peer_config.h"
#include "service/peers.h"

namespace keep::peer {

// Errors: kInvalidArgument naming the entry (duplicate name or identity, an address or a
// file the client cannot use).
Result<std::shared_ptr<service::PeerLinks>> MakePeerLinks(const std::vector<PeerConfig>& peers);

}  // namespace keep::peer
