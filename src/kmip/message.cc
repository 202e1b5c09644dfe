#include "kmip/message.h"

namespace keep::kmip {
namespace {

Status Invalid(const std::string& what) {
  return InvalidArgument("invalid KMIP request: " + what);
}

bool IsKnown(uint32_t op) {
  switch (static_cast<Operation>(op)) {
    case Operation::kCreate:
    case Operation::kCreateKeyPair:
    case Operation::kRegister:
    case Operation::kDeriveKey:
    case Operation::kLocate:
    case Operation::kGet:
    case Operation::kGetAttributes:
    case Operation::kGetAttributeList:
    case Operation::kAddAttribute:
    case Operation::kModifyAttribute:
    case Operation::kDeleteAttribute:
    case Operation::kActivate:
    case Operation::kRevoke:
    case Operation::kDestroy:
    case Operation::kQuery:
    case Operation::kDiscoverVersions:
    case Operation::kEncrypt:
    case Operation::kDecrypt:
    case Operation::kSign:
    case Operation::kSignatureVerify:
    case Operation::kMac:
      return true;
  }
  return false;
}

// A child of `parent` with `tag` and `type`, required or not.
Result<const Item*> Child(const Item& parent, uint32_t tag, Type type, const char* name,
                          bool required) {
  const Item* c = parent.Find(tag);
  if (c == nullptr) {
    if (required) return Invalid(std::string("no ") + name);
    return static_cast<const Item*>(nullptr);
  }
  if (c->type != type) return Invalid(std::string(name) + " has the wrong type");
  return c;
}

Result<ProtocolVersion> Version(const Item& header) {
  KEEP_ASSIGN_OR_RETURN(const Item* v, Child(header, tag::kProtocolVersion, Type::kStructure,
                                             "Protocol Version", true));
  KEEP_ASSIGN_OR_RETURN(const Item* major, Child(*v, tag::kProtocolVersionMajor, Type::kInteger,
                                                 "Protocol Version Major", true));
  KEEP_ASSIGN_OR_RETURN(const Item* minor, Child(*v, tag::kProtocolVersionMinor, Type::kInteger,
                                                 "Protocol Version Minor", true));
  return ProtocolVersion{static_cast<int32_t>(major->number), static_cast<int32_t>(minor->number)};
}

}  // namespace

Item VersionItem(ProtocolVersion v) {
  std::vector<Item> parts;
  parts.push_back(Item::Integer(tag::kProtocolVersionMajor, v.major));
  parts.push_back(Item::Integer(tag::kProtocolVersionMinor, v.minor));
  return Item::Structure(tag::kProtocolVersion, std::move(parts));
}

Result<Request> ParseRequest(const Item& m) {
  if (m.tag != tag::kRequestMessage || m.type != Type::kStructure) {
    return Invalid("not a Request Message");
  }
  KEEP_ASSIGN_OR_RETURN(const Item* header,
                        Child(m, tag::kRequestHeader, Type::kStructure, "Request Header", true));
  Request r;
  KEEP_ASSIGN_OR_RETURN(r.version, Version(*header));
  if (r.version.major < 1 || r.version.major > 2 || r.version.minor < 0) {
    return Invalid("protocol version " + std::to_string(r.version.major) + "." +
                   std::to_string(r.version.minor) + " is not one keep speaks");
  }
  KEEP_ASSIGN_OR_RETURN(
      const Item* max_size,
      Child(*header, tag::kMaximumResponseSize, Type::kInteger, "Maximum Response Size", false));
  if (max_size) r.maximum_response_size = max_size->number;
  KEEP_ASSIGN_OR_RETURN(const Item* count,
                        Child(*header, tag::kBatchCount, Type::kInteger, "Batch Count", true));
  const auto items = m.FindAll(tag::kBatchItem);
  if (items.empty()) return Invalid("no Batch Item");
  if (items.size() > kMaxBatchItems) {
    return Invalid("more than " + std::to_string(kMaxBatchItems) + " batch items");
  }
  if (count->number != static_cast<int64_t>(items.size())) {
    return Invalid("Batch Count " + std::to_string(count->number) + " but " +
                   std::to_string(items.size()) + " batch items");
  }
  for (const Item* bi : items) {
    if (bi->type != Type::kStructure) return Invalid("a Batch Item is not a structure");
    RequestItem ri;
    KEEP_ASSIGN_OR_RETURN(const Item* op,
                          Child(*bi, tag::kOperation, Type::kEnumeration, "Operation", true));
    ri.operation = static_cast<uint32_t>(op->number);
    ri.known = IsKnown(ri.operation);
    KEEP_ASSIGN_OR_RETURN(const Item* id, Child(*bi, tag::kUniqueBatchItemId, Type::kByteString,
                                                "Unique Batch Item ID", items.size() > 1));
    if (id) ri.unique_batch_item_id = Bytes(id->bytes.view().begin(), id->bytes.view().end());
    KEEP_ASSIGN_OR_RETURN(const Item* payload, Child(*bi, tag::kRequestPayload, Type::kStructure,
                                                     "Request Payload", false));
    if (payload) {
      ri.payload = payload->Clone();  // Item is move-only, its bytes in wiping memory
    } else {
      ri.payload = Item::Structure(tag::kRequestPayload);
    }
    r.items.push_back(std::move(ri));
  }
  return r;
}

Item BuildResponse(ProtocolVersion version, int64_t now, std::vector<ResponseItem> items) {
  std::vector<Item> header;
  header.push_back(VersionItem(version));
  header.push_back(Item::DateTime(tag::kTimeStamp, now));
  header.push_back(Item::Integer(tag::kBatchCount, static_cast<int32_t>(items.size())));
  std::vector<Item> top;
  top.push_back(Item::Structure(tag::kResponseHeader, std::move(header)));
  for (ResponseItem& ri : items) {
    std::vector<Item> bi;
    if (ri.operation != 0) bi.push_back(Item::Enumeration(tag::kOperation, ri.operation));
    if (ri.unique_batch_item_id)
      bi.push_back(Item::Bytes(tag::kUniqueBatchItemId, *ri.unique_batch_item_id));
    bi.push_back(Item::Enumeration(tag::kResultStatus, static_cast<uint32_t>(ri.status)));
    if (ri.status != ResultStatus::kSuccess) {
      bi.push_back(Item::Enumeration(tag::kResultReason, static_cast<uint32_t>(ri.reason)));
      bi.push_back(Item::Text(tag::kResultMessage, std::move(ri.message)));
    } else if (ri.payload) {
      bi.push_back(std::move(*ri.payload));
    }
    top.push_back(Item::Structure(tag::kBatchItem, std::move(bi)));
  }
  return Item::Structure(tag::kResponseMessage, std::move(top));
}

Item InvalidMessageResponse(ProtocolVersion version, int64_t now, std::string message) {
  std::vector<ResponseItem> items(1);
  items[0].status = ResultStatus::kOperationFailed;
  items[0].reason = ResultReason::kInvalidMessage;
  items[0].message = std::move(message);
  return BuildResponse(version, now, std::move(items));
}

}  // namespace keep::kmip
