// Door: what a listener's connections are served by — a door on its own port (the
// native API with the AWS door on the HTTPS listener: Api; the keas.kmi door on its
// listener: KeasDoor). The server reads a request's headers, asks Screen (credentials
// before the body) and BodyLimitFor, reads the body, calls Handle, waits for the audit
// ticket, and answers with Reject or AuditFailed when it must. Every method may be called
// from every server thread at once.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/gate.h"
#include "common/bytes.h"
#include "crypto/secret_bytes.h"
#include "http/message.h"
#include "keep/status.h"

namespace keep::http {

class Door {
 public:
  virtual ~Door() = default;
  virtual HttpResponse Handle(HttpRequest& request) = 0;
  // `head` has its headers and no body. nullopt: read the body and Handle() it.
  virtual std::optional<HttpResponse> Screen(HttpRequest& head) = 0;
  virtual size_t BodyLimitFor(std::string_view method, std::string_view target) const = 0;
  // A request refused by the transport (malformed, too large, overloaded), audited.
  virtual HttpResponse Reject(const Status& status, std::string_view remote_address = "",
                              int retry_after_s = 0) = 0;
  // What to send instead of `original` when its audit record failed.
  virtual HttpResponse AuditFailed(HttpResponse& original, std::string_view request_id) = 0;
  virtual int audit_timeout_ms() const = 0;
  // Whether requests to `target` need all their headers in HttpRequest::headers (a door
  // that signs them); the others need none.
  virtual bool WantsHeaders(std::string_view target) const = 0;
  // Whether Handle(request) never blocks on anything but the CPU (in-memory cryptography):
  // the server runs it on the connection's own thread. Anything else (store
  // writes, key generation, a PKCS#11 call) runs on the server's blocking pool, so a slow
  // one does not stall the other connections of that thread. `request` has its headers
  // (all of them when WantsHeaders) and its body.
  virtual bool Quick(const HttpRequest& request) const = 0;
};

// Whether a decrypt or rewrap body may hold a split key's ciphertext (format v2, algorithm
// 0x12: its base64 and base64url forms begin "AhI", "AhJ", "AhK" or "AhL"), whose
// decryption waits for the peer deployment's answer: then it is not Quick. A false
// positive only sends the request to the blocking pool.
inline bool MayAskThePeer(std::string_view body) {
  for (size_t at = body.find("Ah"); at != std::string_view::npos; at = body.find("Ah", at + 1)) {
    if (at + 2 < body.size() && body[at + 2] >= 'I' && body[at + 2] <= 'L') return true;
  }
  return false;
}

// The operations a door may call Quick: in-memory cryptography. Everything else may touch
// the store (key and policy management, tokens, custody — and health, whose store read is
// the store's probe, slow when PostgreSQL is unreachable) or generate keys.
bool QuickOperation(access::Operation op);

// A door's request ids: "<prefix>-<8 random hex digits>-<12 hex digits counting>", unique
// per process start. Thread-safe.
class RequestIds {
 public:
  explicit RequestIds(std::string_view prefix);
  std::string Next();

 private:
  std::string prefix_;
  std::atomic<uint64_t> counter_{0};
};

// A request refused before it was one (malformed, too large, overloaded): its audit record
// ("http.reject"), queued without waiting (the answer carries nothing).
void RecordRejected(audit::Sink& audit, std::string_view request_id, int status,
                    std::string_view outcome, std::string_view remote_address,
                    std::string_view detail = {});

// The end every door's request comes to: `p`'s audit record for `response` (keep's
// `status` and the response's error code) — with `async`, as a ticket the server waits on
// before sending (group commit), else written now. When the record cannot be written the
// answer becomes `failed(response)` (fail closed: nothing is returned without its record).
HttpResponse FinishAudited(access::Gate& gate, access::Passage& p, int status,
                           HttpResponse response, bool async, std::string_view request_id,
                           const std::function<HttpResponse(HttpResponse&)>& failed);

}  // namespace keep::http

namespace keep::http {

// Who is on the other end of a message connection (a MessageDoor's caller).
struct MessagePeer {
  std::string_view remote_address;
  std::string_view cert_subject;  // verified client certificate (empty: none)
  std::string_view cert_spki_sha256;
};

// What a MessageDoor sends back for one message: the bytes (wiped when freed: they may
// carry key material), the audit records that must be written before they are sent, and
// whether the connection closes afterwards (the framing itself was bad).
struct MessageReply {
  crypto::SecretBytes bytes;
  std::vector<std::shared_ptr<audit::Ticket>> tickets;
  bool close = false;
};

// A door that speaks length-framed binary messages over TLS rather than HTTP (KMIP's
// TTLV: KmipDoor). Per connection the server reads header_size() bytes, asks
// MessageLength for the whole message's size (an error: Refuse's reply, then close), reads
// the rest within the request timeout, calls Handle, waits for every ticket of the reply
// (one failed: AuditFailed's reply is sent instead), writes, and reads the next message.
// Every method may be called from every server thread at once.
class MessageDoor {
 public:
  virtual ~MessageDoor() = default;
  virtual size_t header_size() const = 0;
  // The length of the whole message (header included) that starts with `header`.
  // Errors: a header that cannot start a message, or a message too large.
  virtual Result<size_t> MessageLength(ByteView header) const = 0;
  virtual MessageReply Handle(ByteView message, const MessagePeer& peer) = 0;
  // As Door::Quick, for a whole message.
  virtual bool Quick(ByteView message) const = 0;
  // The answer to a message refused by the transport (bad framing, too large,
  // overloaded), audited.
  virtual MessageReply Refuse(const Status& status, const MessagePeer& peer) = 0;
  // What to send instead of `original` when one of its audit records failed.
  virtual MessageReply AuditFailed(MessageReply& original) = 0;
};

}  // namespace keep::http
