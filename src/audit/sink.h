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
#include <optional>
#include <string>
#include <vector>

#include "audit/chain.h"
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
  // split.partial: the request id of the peer's request this one serves (its own trail
  // records it as request_id), so both trails name the same request.
  std::string peer_request_id;
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

// A look at the most recent records (GET /v1/sys/audit/records, the console).
struct RecentQuery {
  size_t limit = 50;        // 1–500
  uint64_t before_seq = 0;  // only records with seq below this (paging); 0: from the end
  std::string operation;    // exact matches on these fields when not empty
  std::string outcome;
  std::string key;
  bool verify = false;  // also verify the current file's chain and signatures
};

struct RecentRecords {
  std::vector<std::string> lines;  // the records' lines (JSON), newest first
  std::string last_checkpoint;     // the newest checkpoint line in the part read ("" if none)
  bool truncated_scan = false;     // the scan stopped at its byte limit before `limit` matches
  std::optional<VerifyReport> verification;  // with RecentQuery::verify
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
  // The newest records of this node's current trail file matching `q`. Errors:
  // kUnimplemented for sinks without a file; kUnavailable "sealed" with `verify` while
  // sealed (no public key); kUnavailable when the file cannot be read.
  virtual Result<RecentRecords> Recent(const RecentQuery& q) const;
};

// Writes each event as one line to the server log at debug level. The context is never
// logged.
class LogSink final : public Sink {
 public:
  Status Append(const Event& event) override;
};

}  // namespace keep::audit
