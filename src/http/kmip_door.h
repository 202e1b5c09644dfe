// KmipDoor: KMIP (OASIS Key Management Interoperability Protocol 1.0–1.4 and 2.0, TTLV over
// TLS) on its own listener ([kmip], port 5696), for the storage arrays, hypervisors and
// databases that fetch their keys over KMIP.
//
// Every connection presents a client certificate verified against tls.client_ca_file (the
// listener's TLS context requires one); the identity is its [[auth.certificate]] mapping,
// looked up through the same Gate as every other door, so policies, rate limits, decrypt
// budgets, lockdown and the audit trail apply as for REST. An unmapped certificate gets
// Permission Denied in every batch item (never a dropped connection). One audit record per
// batch item, with the object's policy resource "kmip/<group>/<uid>" as its key; the
// response is sent only once every record is written.
//
// A message that does not decode (bad TTLV, not a request) is answered with Result Reason
// Invalid Message; a frame longer than `max_message_bytes` likewise, then the connection
// closes (its length cannot be trusted to find the next message). Operations, objects,
// attributes and their capabilities: docs/operations.md "Serving KMIP". Thread-safe.
#pragma once

#include <atomic>
#include <optional>
#include <string>

#include "access/gate.h"
#include "http/door.h"
#include "kmip/tags.h"
#include "service/service.h"

namespace keep::http {

struct KmipOptions {
  bool enabled = false;
  std::string address = "127.0.0.1";
  uint16_t port = 5696;
  size_t max_message_bytes = 1 << 20;
  // Objects made without an Object Group go into this policy group ("kmip/<group>/<uid>").
  std::string default_group = "default";
  std::string vendor = "keep";  // Query's Vendor Identification
};

// The KMIP Result Reason a keep reason is answered with: the door's one table (a test
// checks every API reason and every kmip_ reason has a row); General Failure otherwise.
std::optional<kmip::ResultReason> KmipReasonRow(std::string_view reason);
kmip::ResultReason KmipReasonFor(std::string_view reason);

class KmipDoor final : public MessageDoor {
 public:
  KmipDoor(service::Service& service, access::Gate& gate, KmipOptions options);

  size_t header_size() const override { return 8; }
  Result<size_t> MessageLength(ByteView header) const override;
  MessageReply Handle(ByteView message, const MessagePeer& peer) override;
  MessageReply Refuse(const Status& status, const MessagePeer& peer) override;
  MessageReply AuditFailed(MessageReply& original) override;
  // Never: a batch may create, register or destroy objects (store writes, key generation).
  bool Quick(ByteView) const override { return false; }

 private:
  std::string NextRequestId();

  service::Service& service_;
  access::Gate& gate_;
  KmipOptions options_;
  RequestIds ids_;
};

}  // namespace keep::http
