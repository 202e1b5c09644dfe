#include "http/kmip_door.h"

#include "common/log.h"

#include <chrono>
#include <cstdio>

#include "common/encoding.h"
#include "crypto/random.h"
#include "http/kmip_internal.h"
#include "kmip/discovery.h"

namespace keep::http {
namespace {

using kmip::Item;
using kmip::Operation;
using kmip::ResultReason;
using O = access::Operation;

struct OpRow {
  Operation kmip;
  kmip_ops::Op run;  // nullptr: Query and DiscoverVersions, answered here
};

constexpr OpRow kOps[] = {
    {Operation::kCreate, kmip_ops::Create},
    {Operation::kCreateKeyPair, kmip_ops::CreateKeyPair},
    {Operation::kRegister, kmip_ops::Register},
    {Operation::kDeriveKey, kmip_ops::DeriveKey},
    {Operation::kLocate, kmip_ops::Locate},
    {Operation::kGet, kmip_ops::Get},
    {Operation::kGetAttributes, kmip_ops::GetAttributes},
    {Operation::kGetAttributeList, kmip_ops::GetAttributeList},
    {Operation::kAddAttribute, kmip_ops::AddAttribute},
    {Operation::kModifyAttribute, kmip_ops::ModifyAttribute},
    {Operation::kDeleteAttribute, kmip_ops::DeleteAttribute},
    {Operation::kActivate, kmip_ops::Activate},
    {Operation::kRevoke, kmip_ops::Revoke},
    {Operation::kDestroy, kmip_ops::Destroy},
    {Operation::kQuery, nullptr},
    {Operation::kDiscoverVersions, nullptr},
    {Operation::kEncrypt, kmip_ops::Encrypt},
    {Operation::kDecrypt, kmip_ops::Decrypt},
    {Operation::kSign, kmip_ops::Sign},
    {Operation::kSignatureVerify, kmip_ops::SignatureVerify},
    {Operation::kMac, kmip_ops::Mac},
};

std::vector<Operation> Offered() {
  std::vector<Operation> out;
  for (const auto& r : kOps) out.push_back(r.kmip);
  return out;
}

const char* OpName(uint32_t op) {
  switch (static_cast<Operation>(op)) {
    case Operation::kCreate:
      return "Create";
    case Operation::kCreateKeyPair:
      return "CreateKeyPair";
    case Operation::kRegister:
      return "Register";
    case Operation::kDeriveKey:
      return "DeriveKey";
    case Operation::kLocate:
      return "Locate";
    case Operation::kGet:
      return "Get";
    case Operation::kGetAttributes:
      return "GetAttributes";
    case Operation::kGetAttributeList:
      return "GetAttributeList";
    case Operation::kAddAttribute:
      return "AddAttribute";
    case Operation::kModifyAttribute:
      return "ModifyAttribute";
    case Operation::kDeleteAttribute:
      return "DeleteAttribute";
    case Operation::kActivate:
      return "Activate";
    case Operation::kRevoke:
      return "Revoke";
    case Operation::kDestroy:
      return "Destroy";
    case Operation::kQuery:
      return "Query";
    case Operation::kDiscoverVersions:
      return "DiscoverVersions";
    case Operation::kEncrypt:
      return "Encrypt";
    case Operation::kDecrypt:
      return "Decrypt";
    case Operation::kSign:
      return "Sign";
    case Operation::kSignatureVerify:
      return "SignatureVerify";
    case Operation::kMac:
      return "MAC";
  }
  return "unknown";
}

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// keep's reasons as KMIP Result Reasons: the one table of this door (errors_test checks
// that every reason has a row).
std::optional<ResultReason> KmipReasonRow(std::string_view reason) {
  struct Row {
    std::string_view keep;
    ResultReason kmip;
  };
  static constexpr Row kRows[] = {
      {"bad_request", ResultReason::kInvalidField},
      {"invalid_ciphertext", ResultReason::kCryptographicFailure},
      {"context_mismatch", ResultReason::kCryptographicFailure},
      {"key_mismatch", ResultReason::kInvalidField},
      {"invalid_key_usage", ResultReason::kPermissionDenied},
      {"invalid_share", ResultReason::kInvalidField},
      {"unauthenticated", ResultReason::kPermissionDenied},
      {"permission_denied", ResultReason::kPermissionDenied},
      {"not_found", ResultReason::kItemNotFound},
      {"method_not_allowed", ResultReason::kOperationNotSupported},
      {"already_exists", ResultReason::kObjectAlreadyExists},
      {"key_disabled", ResultReason::kIllegalOperation},
      {"key_pending_deletion", ResultReason::kIllegalOperation},
      {"version_retired", ResultReason::kIllegalOperation},
      {"already_initialized", ResultReason::kIllegalOperation},
      {"failed_precondition", ResultReason::kIllegalOperation},
      {"conflict", ResultReason::kGeneralFailure},
      {"rekey_in_progress", ResultReason::kGeneralFailure},
      {"payload_too_large", ResultReason::kResponseTooLarge},
      {"rate_limited", ResultReason::kGeneralFailure},
      {"internal", ResultReason::kGeneralFailure},
      {"not_implemented", ResultReason::kOperationNotSupported},
      {"sealed", ResultReason::kGeneralFailure},
      {"not_initialized", ResultReason::kGeneralFailure},
      {"locked_down", ResultReason::kPermissionDenied},
      {"audit_unavailable", ResultReason::kGeneralFailure},
      {"overloaded", ResultReason::kGeneralFailure},
      {"hsm_pin_rejected", ResultReason::kGeneralFailure},
      {"store_unavailable", ResultReason::kGeneralFailure},
      {"unavailable", ResultReason::kGeneralFailure},
      {"peer_unavailable", ResultReason::kGeneralFailure},
      {"peer_refused", ResultReason::kGeneralFailure},
      {"peer_misbehaved", ResultReason::kGeneralFailure},
      {"kmip_missing_data", ResultReason::kMissingData},
      {"kmip_format_not_supported", ResultReason::kKeyFormatTypeNotSupported},
      {"kmip_not_extractable", ResultReason::kNotExtractable},
      {"kmip_index_out_of_bounds", ResultReason::kIndexOutOfBounds},
      {"kmip_read_only_attribute", ResultReason::kReadOnlyAttribute},
      {"kmip_feature_not_supported", ResultReason::kFeatureNotSupported},
      {"kmip_operation_not_supported", ResultReason::kOperationNotSupported},
  };
  for (const auto& r : kRows) {
    if (r.keep == reason) return r.kmip;
  }
  return std::nullopt;
}

ResultReason KmipReasonFor(std::string_view reason) {
  return KmipReasonRow(reason).value_or(ResultReason::kGeneralFailure);
}

KmipDoor::KmipDoor(service::Service& service, access::Gate& gate, KmipOptions options)
    : service_(service), gate_(gate), options_(std::move(options)), ids_("kmip") {}

std::string KmipDoor::NextRequestId() {
  return ids_.Next();
}

Result<size_t> KmipDoor::MessageLength(ByteView header) const {
  return kmip::MessageLength(header, options_.max_message_bytes);
}

MessageReply KmipDoor::Refuse(const Status& status, const MessagePeer& peer) {
  const std::string id = NextRequestId();
  RecordRejected(gate_.audit(), id, 400, status.reason(), peer.remote_address, "kmip");
  MessageReply r;
  r.bytes = kmip::Encode(kmip::InvalidMessageResponse({1, 0}, NowSeconds(), status.message()));
  return r;
}

MessageReply KmipDoor::AuditFailed(MessageReply& original) {
  original.bytes = crypto::SecretBytes();  // nothing of the answer leaves keep
  std::vector<kmip::ResponseItem> items(1);
  items[0].status = kmip::ResultStatus::kOperationFailed;
  items[0].reason = ResultReason::kGeneralFailure;
  items[0].message = "the request's audit record could not be written: its answer is withheld";
  MessageReply r;
  r.bytes = kmip::Encode(kmip::BuildResponse({1, 0}, NowSeconds(), std::move(items)));
  return r;
}

MessageReply KmipDoor::Handle(ByteView message, const MessagePeer& peer) {
  const int64_t now = NowSeconds();
  MessageReply reply;
  auto decoded = kmip::Decode(message);
  Result<kmip::Request> request =
      decoded.ok() ? kmip::ParseRequest(*decoded) : Result<kmip::Request>(decoded.status());
  if (!request.ok()) {
    RecordRejected(gate_.audit(), NextRequestId(), 400, "bad_request", peer.remote_address,
                   "kmip: " + request.status().message().substr(0, 200));
    reply.bytes =
        kmip::Encode(kmip::InvalidMessageResponse({1, 0}, now, request.status().message()));
    return reply;
  }
  kmip::ProtocolVersion version = request->version;
  bool supported = false;
  for (const auto& v : kmip::SupportedVersions()) supported = supported || v == version;
  if (!supported) {
    RecordRejected(gate_.audit(), NextRequestId(), 400, "bad_request", peer.remote_address,
                   "kmip: unsupported protocol version");
    reply.bytes = kmip::Encode(kmip::InvalidMessageResponse(
        {1, 4}, now,
        "protocol version " + std::to_string(version.major) + "." + std::to_string(version.minor) +
            " is not supported (DiscoverVersions lists them)"));
    return reply;
  }
  const Item* header = decoded->Find(kmip::tag::kRequestHeader);
  const Item* continuation =
      header != nullptr ? header->Find(kmip::tag::kBatchErrorContinuationOption) : nullptr;
  const bool keep_going = continuation != nullptr && continuation->number == 2;  // Continue
  static const std::vector<Operation> offered = Offered();

  access::Credentials creds;
  creds.cert_subject = peer.cert_subject;
  creds.cert_spki_sha256 = peer.cert_spki_sha256;
  creds.door = "kmip";
  std::string placeholder;
  std::vector<kmip::ResponseItem> out;
  for (const kmip::RequestItem& item : request->items) {
    kmip_ops::Call call(NextRequestId(), peer.remote_address, service_, gate_, options_, version,
                        item.payload, placeholder, now);
    const log::RequestScope log_scope(call.ctx.request_id);
    call.event.operation = "kmip." + std::string(OpName(item.operation));
    call.event.detail = "kmip " + std::string(OpName(item.operation));
    kmip::ResponseItem r;
    r.operation = item.operation;
    r.unique_batch_item_id = item.unique_batch_item_id;
    const OpRow* row = nullptr;
    for (const auto& o : kOps) {
      if (static_cast<uint32_t>(o.kmip) == item.operation) row = &o;
    }
    Status st = gate_.Authenticate(call, creds);
    Result<Item> payload = st;
    if (st.ok() && (row == nullptr || !item.known)) {
      payload = Status(Code::kInvalidArgument, "kmip_operation_not_supported",
                       "keep does not offer operation " + std::to_string(item.operation));
    } else if (st.ok() && row->run == nullptr) {
      st = gate_.Authorize(call, O::kKmipQuery, "");
      if (!st.ok()) {
        payload = st;
      } else if (row->kmip == Operation::kQuery) {
        payload = kmip::Query(item.payload, offered, options_.vendor);
      } else {
        payload = kmip::DiscoverVersions(item.payload);
      }
    } else if (st.ok()) {
      payload = row->run(call);
    }
    int status = 200;
    std::string outcome;
    if (payload.ok()) {
      r.payload = std::move(*payload);
    } else {
      const Status& err = payload.status();
      r.status = kmip::ResultStatus::kOperationFailed;
      r.reason = KmipReasonFor(err.reason());
      r.message = err.code() == Code::kInternal ? "internal error" : err.message();
      const Reason* api = FindApiReason(err.reason());
      status = api != nullptr ? api->http_status : 400;
      outcome = std::string(err.reason());
    }
    reply.tickets.push_back(gate_.RecordAsync(call, status, outcome));
    const bool failed = !payload.ok();
    out.push_back(std::move(r));
    if (failed && !keep_going) break;
  }
  kmip::Item response = kmip::BuildResponse(version, now, std::move(out));
  if (request->maximum_response_size &&
      kmip::EncodedSize(response) > static_cast<uint64_t>(*request->maximum_response_size)) {
    // The client cannot take the answer: every item fails with Response Too Large (what
    // the operations did stays done and audited, as KMIP specifies).
    std::vector<kmip::ResponseItem> refused;
    for (const kmip::RequestItem& item : request->items) {
      kmip::ResponseItem r;
      r.operation = item.operation;
      r.unique_batch_item_id = item.unique_batch_item_id;
      r.status = kmip::ResultStatus::kOperationFailed;
      r.reason = ResultReason::kResponseTooLarge;
      r.message = "the response is larger than the request's Maximum Response Size";
      refused.push_back(std::move(r));
      if (refused.size() == reply.tickets.size()) break;
    }
    response = kmip::BuildResponse(version, now, std::move(refused));
  }
  reply.bytes = kmip::Encode(response);
  return reply;
}

}  // namespace keep::http
