// Audit: the last stage of the request pipeline. Every request, allowed or denied,
// produces an Event that is appended before the response is sent; if Append fails
// the request fails (fail closed).
//
// This issue ships the interface and a sink that writes events to the server log at
// debug level. The tamper-evident trail (hash chain, signed checkpoints, file sink,
// group commit) is a later issue and implements the same interface.
// Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "keep/status.h"

namespace keep::audit {

struct Event {
  int64_t time = 0;
  std::string request_id;
  std::string identity;   // identity id, never a token
  std::string operation;  // e.g. "encrypt", "key.create"
  std::string key;
  uint32_t version = 0;
  std::string outcome;  // "ok" or the error reason
  std::string remote_address;
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual Status Append(const Event& event) = 0;
};

// Writes each event as one line to the server log at debug level.
class LogSink final : public Sink {
 public:
  Status Append(const Event& event) override;
};

}  // namespace keep::audit
