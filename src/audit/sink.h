// Audit: the last stage of the request pipeline. Every request, allowed or denied,
// produces an Event that is appended before the response is sent; if Append fails
// the request fails (fail closed).
//
// Sinks: LogSink (the server log at debug level, for development) and FileTrail
// (audit/trail.h: the tamper-evident file trail). Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "keep/result.h"

namespace keep::audit {

struct Event {
  int64_t time_ms = 0;           // unix milliseconds; 0: the sink stamps it
  std::string type = "request";  // "request" or "lockdown"
  std::string request_id;
  std::string identity;       // identity id, never a token; token ids are HMAC'd by the trail
  std::string identity_name;  // display name
  std::string operation;      // e.g. "encrypt", "key.create"
  std::string key;
  uint32_t version = 0;
  int status = 0;       // HTTP status of the response
  std::string outcome;  // "ok", "partial" or the error code
  std::string remote_address;
  std::string context;  // canonical encryption context; only its HMAC is written
  uint32_t items = 0;   // batch requests: the number of items
  std::string target;   // the identity or object acted upon; token ids are HMAC'd
  std::string detail;   // lockdown: why
};

// The pending outcome of an asynchronous append. Thread-safe.
class Ticket {
 public:
  // Completes the ticket (once); runs the callback if one was registered.
  void Complete(Status status);
  // Runs `f` when complete (at once, on this thread, if it already is). One callback.
  void OnDone(std::function<void()> f);
  bool done() const;
  Status status() const;  // meaningful once done()

 private:
  mutable std::mutex mu_;
  bool done_ = false;
  Status status_;
  std::function<void()> on_done_;
};

class Sink {
 public:
  virtual ~Sink() = default;
  // Queues the record and returns at once; the ticket completes when it is written, or
  // with an error — always, and within about write_timeout_ms(). The default
  // implementation appends synchronously.
  virtual std::shared_ptr<Ticket> AppendAsync(const Event& event);
  // The longest a caller should wait for a ticket before failing the request.
  virtual int write_timeout_ms() const { return 5000; }
  // Errors: kUnavailable "audit_unavailable" when the record could not be written in time.
  virtual Status Append(const Event& event) = 0;
  // "hmac-sha256:<hex>" of `value` under the trail key (lookups). Errors: kUnimplemented
  // for sinks without one; kUnavailable "sealed".
  virtual Result<std::string> HmacOf(std::string_view value) const;
  // The checkpoint public key (PEM). Errors as HmacOf.
  virtual Result<std::string> PublicKeyPem() const;
  // Appends the sink's own Prometheus families to a scrape (common/prometheus.h); the
  // default has none.
  virtual void WriteMetrics(std::string* /*out*/) const {}
};

// Writes each event as one line to the server log at debug level. The context is never
// logged.
class LogSink final : public Sink {
 public:
  Status Append(const Event& event) override;
};

}  // namespace keep::audit
