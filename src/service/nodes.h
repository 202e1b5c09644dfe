// Nodes: who serves a shared store. Every node of a multi-node deployment (PostgreSQL)
// writes a heartbeat record at "node/<id>" every few seconds (on the replicator's thread)
// and removes it when it stops cleanly; GET /v1/sys/nodes reads them back. The record is
// plain JSON, not under the barrier — so a sealed node still reports itself — and holds
// nothing secret: id, version, address, start time, sealed, how far behind the change
// feed it was. It is informational only (anyone who can write the store can forge it);
// nothing in keep decides anything from it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "keep/result.h"
#include "keys/barrier.h"

namespace keep::service {

// The store path prefix of the heartbeat records (raw: the barrier skips them).
inline constexpr std::string_view kNodePrefix = keys::Barrier::kNodePrefix;
// How often a node writes its heartbeat, and after how long without one a node is shown as
// unresponsive; records unseen for kNodeForgetMs are deleted by the next heartbeat.
inline constexpr int64_t kNodeBeatMs = 5000;
inline constexpr int64_t kNodeStaleMs = 3 * kNodeBeatMs;
inline constexpr int64_t kNodeForgetMs = 3600 * 1000;

struct NodeInfo {
  std::string id;       // 12 hex digits, new at every start
  std::string version;  // keep's version
  std::string address;  // where it listens, as configured ("" unknown)
  int64_t started_ms = 0;
  int64_t seen_ms = 0;  // when the record was written (the node's clock)
  bool sealed = true;
  bool feed_connected = false;  // its change feed was up
  int64_t lag_ms = -1;          // seen_ms minus its feed's last catch-up; -1 never caught up
};

// The record's bytes (a JSON object), and back. Decode errors: kInvalidArgument naming the
// field (a record written by another version or by hand is skipped by the reader).
Bytes EncodeNode(const NodeInfo& n);
Result<NodeInfo> DecodeNode(ByteView record);

}  // namespace keep::service
