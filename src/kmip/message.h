// KMIP request and response messages (KMIP 1.0–2.0 §7): the request header (protocol
// version, maximum response size, batch options, batch count) and batch items (operation,
// unique batch item id, payload) read from a decoded TTLV item, and the response message
// written back — response header with protocol version, time stamp and batch count, one
// batch item per request item with Result Status, Result Reason and Result Message on
// failure.
//
// ParseRequest refuses what is not a request message with kInvalidArgument; the door
// answers such failures as a KMIP response with Result Reason "Invalid Message" (never by
// closing the connection). A batch item whose operation is unknown is kept, with
// `known` false, so it gets its own "Operation Not Supported" result. Pure functions;
// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kmip/tags.h"
#include "kmip/ttlv.h"

namespace keep::kmip {

struct ProtocolVersion {
  int32_t major = 1;
  int32_t minor = 0;
  bool operator==(const ProtocolVersion&) const = default;
};

// The Protocol Version structure (major, minor Integers).
Item VersionItem(ProtocolVersion v);

inline constexpr size_t kMaxBatchItems = 1000;

struct RequestItem {
  uint32_t operation = 0;  // an Operation value, or what the client sent
  bool known = false;      // `operation` is one of Operation
  std::optional<Bytes> unique_batch_item_id;
  Item payload;  // an empty Structure when the request had none
};

struct Request {
  ProtocolVersion version;
  std::optional<int64_t> maximum_response_size;
  std::vector<RequestItem> items;
};

Result<Request> ParseRequest(const Item& message);

struct ResponseItem {
  uint32_t operation = 0;
  std::optional<Bytes> unique_batch_item_id;
  ResultStatus status = ResultStatus::kSuccess;
  ResultReason reason = ResultReason::kGeneralFailure;  // on failure
  std::string message;                                  // on failure
  std::optional<Item> payload;                          // on success
};

// The response message for `items`, stamped with `now` (seconds since the epoch).
Item BuildResponse(ProtocolVersion version, int64_t now, std::vector<ResponseItem> items);
// A response with one failed item and no operation: what a message that cannot be parsed
// gets.
Item InvalidMessageResponse(ProtocolVersion version, int64_t now, std::string message);

}  // namespace keep::kmip
