// The peer door (/v1/peer/…): what another keep deployment asks of this one for split keys
// (issue 21). Decoded here into the service's split calls; the Gate has already
// authenticated the peer's certificate, checked the `peer` capability on the key, applied
// limits and lockdown, and the audit record is written as for every request. Wire format:
// docs/api.md "Peer requests".
#include <boost/json.hpp>

#include "common/encoding.h"
#include "http/api_internal.h"

namespace keep::http {
namespace {

// A required base64 field of exactly `size` bytes (public values: points, scalars of
// proofs, commitments).
Result<Bytes> ReqPublic(const json::object& o, std::string_view name, size_t size) {
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes b, ReqBase64(o, name));
  if (b.size() != size) {
    return InvalidArgument(std::string(name) + " must be " + std::to_string(size) + " bytes");
  }
  return Bytes(b.view().begin(), b.view().end());
}

Result<format::KeyId> ReqKeyId(const json::object& o) {
  KEEP_ASSIGN_OR_RETURN(std::string_view hex, ReqString(o, "id"));
  auto raw = HexDecode(hex);
  format::KeyId id{};
  if (!raw.ok() || raw->size() != id.size()) return InvalidArgument("id must be 32 hex digits");
  std::copy(raw->begin(), raw->end(), id.begin());
  return id;
}

Result<uint32_t> ReqVersion(const json::object& o) {
  KEEP_ASSIGN_OR_RETURN(std::optional<int64_t> v, OptInt(o, "version"));
  if (!v || *v < 1 || *v > UINT32_MAX) return InvalidArgument("version must be at least 1");
  return static_cast<uint32_t>(*v);
}

Result<service::KeygenReveal> ReqReveal(const json::object& o) {
  service::KeygenReveal r;
  KEEP_ASSIGN_OR_RETURN(r.x_public, ReqPublic(o, "public", 65));
  KEEP_ASSIGN_OR_RETURN(r.proof.r, ReqPublic(o, "proof_r", 65));
  KEEP_ASSIGN_OR_RETURN(r.proof.s, ReqPublic(o, "proof_s", 32));
  return r;
}

}  // namespace

HttpResponse Api::PeerKeygenCommit(Call& call) {
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return Err(call, st);
  auto o = AsObject(body.value(), {"id", "version", "session", "commitment"});
  if (!o.ok()) return Err(call, o.status());
  service::KeygenOffer offer;
  offer.key = std::string(call.param);
  auto id = ReqKeyId(**o);
  auto version = ReqVersion(**o);
  auto session = ReqString(**o, "session");
  auto commitment = ReqPublic(**o, "commitment", 32);
  for (const Status& st : {id.status(), version.status(), session.status(), commitment.status()}) {
    if (!st.ok()) return Err(call, st);
  }
  offer.id = *id;
  offer.version = *version;
  offer.session = std::string(*session);
  offer.commitment = std::move(*commitment);
  call.event.version = offer.version;
  auto reveal = service_.SplitKeygenCommit(call.ctx, offer);
  if (!reveal.ok()) return Err(call, reveal.status());
  return JsonResponse(200,
                      json::serialize(json::object{{"public", Base64Encode(reveal->x_public)},
                                                   {"proof_r", Base64Encode(reveal->proof.r)},
                                                   {"proof_s", Base64Encode(reveal->proof.s)}}));
}

HttpResponse Api::PeerKeygenFinish(Call& call) {
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return Err(call, st);
  auto o = AsObject(body.value(), {"session", "public", "proof_r", "proof_s"});
  if (!o.ok()) return Err(call, o.status());
  auto session = ReqString(**o, "session");
  if (!session.ok()) return Err(call, session.status());
  auto reveal = ReqReveal(**o);
  if (!reveal.ok()) return Err(call, reveal.status());
  auto joint = service_.SplitKeygenFinish(call.ctx, call.param, *session, *reveal);
  if (!joint.ok()) return Err(call, joint.status());
  return JsonResponse(200, json::serialize(json::object{{"joint", Base64Encode(*joint)}}));
}

HttpResponse Api::PeerPartial(Call& call) {
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return Err(call, st);
  auto o = AsObject(body.value(), {"id", "version", "enc", "request_id"});
  if (!o.ok()) return Err(call, o.status());
  service::PartialRequest req;
  req.key = std::string(call.param);
  auto id = ReqKeyId(**o);
  auto version = ReqVersion(**o);
  auto enc = ReqPublic(**o, "enc", 65);
  auto rid = ReqString(**o, "request_id");
  for (const Status& st : {id.status(), version.status(), enc.status(), rid.status()}) {
    if (!st.ok()) return Err(call, st);
  }
  req.id = *id;
  req.version = *version;
  req.enc = std::move(*enc);
  req.request_id = std::string(*rid);
  call.event.version = req.version;
  call.event.peer_request_id = req.request_id.substr(0, 128);
  // Half a decryption counts as one toward the peer identity's decrypt budget: an abused
  // peer locks the other side out (lockdown) as it would any decrypting identity.
  if (Status st = gate_.CountDecrypts(call, 1); !st.ok()) return Err(call, st);
  auto answer = service_.SplitPartial(call.ctx, req);
  if (!answer.ok()) return Err(call, answer.status());
  return JsonResponse(200,
                      json::serialize(json::object{{"partial", Base64Encode(answer->partial)},
                                                   {"proof_r1", Base64Encode(answer->proof.r1)},
                                                   {"proof_r2", Base64Encode(answer->proof.r2)},
                                                   {"proof_s", Base64Encode(answer->proof.s)}}));
}

}  // namespace keep::http
