// Service: split keys (issue 21) — joint generation with the peer, partial decryptions
// for the peer, and decryption with both partials. The protocol is in docs/formats.md
// ("Split keys"); the peer is reached through PeerLinks (service/peers.h).
#include <string.h>
#include <algorithm>

#include "common/encoding.h"
#include "common/log.h"
#include "common/time.h"
#include "crypto/hpke.h"
#include "crypto/random.h"
#include "crypto/split_keygen.h"
#include "format/public_ciphertext.h"
#include "service/service.h"

namespace keep::service {
namespace {

namespace split = crypto::split;
namespace proofs = crypto::proofs;

constexpr size_t kMaxPending = 64;
constexpr int64_t kPendingMs = 60'000;

void Put(Bytes& out, ByteView part) {
  const uint32_t n = static_cast<uint32_t>(part.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(n >> (24 - 8 * i)));
  out.insert(out.end(), part.begin(), part.end());
}

Bytes Context(std::string_view label, const format::KeyId& id, uint32_t version,
              std::string_view extra) {
  Bytes out;
  Put(out, AsBytes(label));
  Put(out, id);
  const uint8_t v[4] = {static_cast<uint8_t>(version >> 24), static_cast<uint8_t>(version >> 16),
                        static_cast<uint8_t>(version >> 8), static_cast<uint8_t>(version)};
  Put(out, v);
  Put(out, AsBytes(extra));
  return out;
}

void Wipe(Bytes& b) {
  if (!b.empty()) explicit_bzero(b.data(), b.size());
  b.clear();
}

Status NoPeers() {
  return Status(Code::kUnavailable, "peer_unavailable", "no [[peers]] are configured");
}

Status NotAPeer(const RequestContext& ctx) {
  return PermissionDenied("identity '" + ctx.identity.display_name +
                          "' is not a configured peer ([[peers]] identity)");
}

}  // namespace

Bytes KeygenContext(const format::KeyId& id, uint32_t version, std::string_view session,
                    bool initiator) {
  return Context(initiator ? "keep split keygen v1 initiator" : "keep split keygen v1 responder",
                 id, version, session);
}

Bytes PartialContext(const format::KeyId& id, uint32_t version, std::string_view request_id) {
  return Context("keep split partial v1", id, version, request_id);
}

void Service::SetPeers(std::shared_ptr<PeerLinks> peers) {
  std::lock_guard lock(split_mu_);
  peers_ = std::move(peers);
}

std::shared_ptr<PeerLinks> Service::Peers() const {
  std::lock_guard lock(split_mu_);
  return peers_;
}

// The initiator's side of a joint generation: version `version` of `name` (1: a new key).
Result<crypto::SecretBytes> Service::GenerateJointly(std::string_view peer, std::string_view name,
                                                     const format::KeyId& id, uint32_t version) {
  auto links = Peers();
  if (!links) return NoPeers();
  if (!links->Known(peer)) {
    return InvalidArgument("no peer named '" + std::string(peer) + "' is configured ([[peers]])");
  }
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes sid, crypto::RandomSecret(16));
  const std::string session = HexEncode(sid.view());
  const Bytes mine_ctx = KeygenContext(id, version, session, true);
  const Bytes their_ctx = KeygenContext(id, version, session, false);
  KEEP_ASSIGN_OR_RETURN(split::Share share, split::NewShare(mine_ctx));
  KeygenOffer offer{std::string(name), id, version, session, share.commitment};
  KEEP_ASSIGN_OR_RETURN(KeygenReveal theirs, links->KeygenCommit(peer, offer));
  // The responder revealed after seeing only our commitment: no commitment of its own.
  auto joint = split::Join(share, split::Commitment(theirs.x_public, theirs.proof, their_ctx),
                           theirs.x_public, theirs.proof, their_ctx);
  if (!joint.ok()) {
    return Status(
        Code::kUnavailable, "peer_misbehaved",
        "peer '" + std::string(peer) + "' sent a bad key share: " + joint.status().message());
  }
  KEEP_ASSIGN_OR_RETURN(Bytes their_joint,
                        links->KeygenFinish(peer, name, session, {share.x_public, share.proof}));
  if (their_joint != *joint) {
    return Status(Code::kUnavailable, "peer_misbehaved",
                  "peer '" + std::string(peer) + "' computed another joint key");
  }
  return keys::VersionMaterial::SplitRaw(share.x.view(), share.x_public, theirs.x_public);
}

Result<keys::KeyMeta> Service::CreateSplitKey(keys::CreateKeyOptions o) {
  KEEP_RETURN_IF_ERROR(ValidateKeyName(o.name));
  KEEP_RETURN_IF_ERROR(custody_.RequireUnsealed());
  if (keys_.Get(o.name).ok()) {
    return AlreadyExists("a key named '" + o.name + "' already exists");
  }
  format::KeyId id{};
  KEEP_RETURN_IF_ERROR(crypto::RandomFill(id));
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes material, GenerateJointly(o.peer, o.name, id, 1));
  o.id = id;
  o.material = &material;
  auto made = custody_.Guarded([&] { return keys_.Create(o); });
  if (!made.ok()) {
    log::Error("split key '{}': the peer stored version 1 but this side could not: {}", o.name,
               made.status().ToString());
  }
  return made;
}

Result<keys::KeyMeta> Service::RotateSplitKey(const keys::KeyMeta& meta) {
  const uint32_t version = meta.latest_version + 1;
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes material,
                        GenerateJointly(meta.peer, meta.name, meta.id, version));
  auto made = custody_.Guarded([&] { return keys_.AddJointVersion(meta.name, version, material); });
  if (!made.ok()) {
    log::Error("split key '{}': the peer stored version {} but this side could not: {}", meta.name,
               version, made.status().ToString());
  }
  return made;
}

Result<KeygenReveal> Service::SplitKeygenCommit(const RequestContext& ctx,
                                                const KeygenOffer& offer) {
  auto links = Peers();
  if (!links) return NoPeers();
  const std::string peer = links->PeerOf(ctx.identity.id);
  if (peer.empty()) return NotAPeer(ctx);
  KEEP_RETURN_IF_ERROR(ValidateKeyName(offer.key));
  if (offer.version == 0) return InvalidArgument("version must be at least 1");
  if (offer.session.size() != 32 || !HexDecode(offer.session).ok()) {
    return InvalidArgument("session must be 32 hex digits");
  }
  if (offer.commitment.size() != 32) return InvalidArgument("commitment must be 32 bytes");
  KEEP_RETURN_IF_ERROR(custody_.RequireUnsealed());
  // The key must be where the initiator says it is: absent for version 1, else a split key
  // of this peer, with this id, one version behind.
  auto meta = keys_.Get(offer.key);
  if (offer.version == 1) {
    if (meta.ok()) return AlreadyExists("a key named '" + offer.key + "' already exists here");
  } else {
    KEEP_RETURN_IF_ERROR(meta.status());
    if (!keys::IsSplit(meta->type) || meta->peer != peer || meta->id != offer.id) {
      return FailedPrecondition("conflict", "key '" + offer.key +
                                                "' here is not the split key "
                                                "shared with peer '" +
                                                peer + "'");
    }
    if (meta->latest_version + 1 != offer.version) {
      return FailedPrecondition("conflict", "key '" + offer.key + "' is at version " +
                                                std::to_string(meta->latest_version) + " here");
    }
  }
  KEEP_ASSIGN_OR_RETURN(split::Share share, split::NewShare(KeygenContext(offer.id, offer.version,
                                                                          offer.session, false)));
  KeygenReveal reveal{share.x_public, share.proof};
  const int64_t now = NowUnixMs();
  std::lock_guard lock(split_mu_);
  std::erase_if(pending_, [now](const auto& kv) { return kv.second.expires_ms < now; });
  if (pending_.size() >= kMaxPending) {
    return Status(Code::kResourceExhausted, "rate_limited",
                  "too many key generations in progress with peers");
  }
  if (pending_.contains(offer.session)) return AlreadyExists("session already in use");
  pending_.emplace(offer.session, PendingKeygen{peer, offer, std::move(share), now + kPendingMs});
  return reveal;
}

Result<Bytes> Service::SplitKeygenFinish(const RequestContext& ctx, std::string_view key,
                                         std::string_view session, const KeygenReveal& reveal) {
  auto links = Peers();
  if (!links) return NoPeers();
  const std::string peer = links->PeerOf(ctx.identity.id);
  if (peer.empty()) return NotAPeer(ctx);
  std::optional<PendingKeygen> p;
  {
    std::lock_guard lock(split_mu_);
    auto it = pending_.find(std::string(session));
    // Another peer's session, or another key's, is not this caller's to finish.
    if (it == pending_.end() || it->second.peer != peer || it->second.offer.key != key ||
        it->second.expires_ms < NowUnixMs()) {
      return NotFound("no key generation '" + std::string(session) + "' is pending for key '" +
                      std::string(key) + "'");
    }
    p.emplace(std::move(it->second));
    pending_.erase(it);  // one attempt: a bad reveal ends the session
  }
  const KeygenOffer& offer = p->offer;
  KEEP_ASSIGN_OR_RETURN(Bytes joint,
                        split::Join(p->share, offer.commitment, reveal.x_public, reveal.proof,
                                    KeygenContext(offer.id, offer.version, offer.session, true)));
  const crypto::SecretBytes material =
      keys::VersionMaterial::SplitRaw(p->share.x.view(), p->share.x_public, reveal.x_public);
  if (offer.version == 1) {
    keys::CreateKeyOptions o;
    o.name = offer.key;
    o.type = keys::KeyType::kSplitP256;
    o.description = "split with peer " + peer;
    o.id = offer.id;
    o.peer = peer;
    o.material = &material;
    KEEP_RETURN_IF_ERROR(custody_.Guarded([&] { return keys_.Create(o); }).status());
  } else {
    KEEP_RETURN_IF_ERROR(
        custody_.Guarded([&] { return keys_.AddJointVersion(offer.key, offer.version, material); })
            .status());
  }
  return joint;
}

Result<PartialAnswer> Service::SplitPartial(const RequestContext& ctx, const PartialRequest& req) {
  auto links = Peers();
  if (!links) return NoPeers();
  const std::string peer = links->PeerOf(ctx.identity.id);
  if (peer.empty()) return NotAPeer(ctx);
  if (req.request_id.empty() || req.request_id.size() > 128) {
    return InvalidArgument("request_id must be 1 to 128 bytes");
  }
  return custody_.Guarded([&]() -> Result<PartialAnswer> {
    const format::PublicHeader header{format::PublicAlgorithm::kHpkeP256, req.id, req.version};
    KEEP_ASSIGN_OR_RETURN(keys::KeyHandle h, keys_.ForDecrypt(header, req.key));
    if (h.entry->meta.peer != peer) {
      return PermissionDenied("key '" + req.key + "' is not split with peer '" + peer + "'");
    }
    const crypto::SecretBytes& raw = h.material();
    KEEP_ASSIGN_OR_RETURN(
        proofs::DleqResult r,
        proofs::ProveEqualLogs(h.split().scalar(raw), req.enc,
                               PartialContext(req.id, req.version, req.request_id)));
    return PartialAnswer{std::move(r.partial), std::move(r.proof)};
  });
}

Result<DecryptResult> Service::SplitDecrypt(const RequestContext& ctx,
                                            std::optional<std::string_view> expected, ByteView blob,
                                            const format::PublicHeader& header,
                                            ByteView canonical) {
  auto links = Peers();
  if (!links) return NoPeers();
  // This side's partial under custody's guard; the peer is asked outside it, so a seal
  // does not wait for the network. The handle keeps the version alive until we are done.
  keys::KeyHandle h;
  Bytes enc, own;
  KEEP_RETURN_IF_ERROR(custody_.Guarded([&]() -> Status {
    KEEP_ASSIGN_OR_RETURN(h, keys_.ForDecrypt(header, expected));
    KEEP_ASSIGN_OR_RETURN(enc, format::SplitEnc(blob));
    auto p = crypto::hpke::p256::PartialDh(h.split().scalar(h.material()), enc);
    if (!p.ok()) return InvalidArgument("invalid ciphertext", "invalid_ciphertext");
    own = std::move(p).value();
    return Status::Ok();
  }));
  const keys::KeyMeta& meta = h.entry->meta;
  auto answer = links->Partial(meta.peer, {meta.name, meta.id, h.version, enc, ctx.request_id});
  if (!answer.ok()) {
    Wipe(own);
    return answer.status();
  }
  // The peer's partial must come from the share whose public half we hold: a wrong value
  // is the peer's fault, not the ciphertext's.
  if (Status st =
          proofs::VerifyEqualLogs(h.split().peer_public, enc, answer->partial, answer->proof,
                                  PartialContext(meta.id, h.version, ctx.request_id));
      !st.ok()) {
    Wipe(own);
    log::Error("peer '{}' returned a partial decryption that does not verify (key '{}' v{})",
               meta.peer, meta.name, h.version);
    return Status(
        Code::kUnavailable, "peer_misbehaved",
        "peer '" + meta.peer + "' returned a partial decryption without a valid proof: refused");
  }
  auto sum = crypto::hpke::p256::AddPoints(own, answer->partial);
  Wipe(own);
  if (!sum.ok()) return InvalidArgument("invalid ciphertext", "invalid_ciphertext");
  crypto::SecretBytes dh = crypto::SecretBytes::LockedCopyOf(*sum);
  Wipe(*sum);
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes plain,
                        format::OpenSplit(blob, dh.view(), h.split().joint, canonical));
  return DecryptResult{std::move(plain), meta.name, h.version};
}

}  // namespace keep::service
