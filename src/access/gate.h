// Gate: the one place below the doors where every operation is authenticated,
// authorized, rate-limited, counted against the decrypt budgets, and audited.
//
// A door (the REST API today; AWS KMS, keas.kmi and KMIP next) decodes its protocol into
// an operation (access/operation.h), the key it names and the caller's Credentials, and
// then walks one Passage through the Gate:
//
//   Passage p(request_id, remote_address);
//   gate.Authenticate(p, creds);               // unless the operation takes none
//   gate.Authorize(p, op, key, items);         // policy, lock, rate limits
//   gate.CountDecrypts(p, n);                  // before a decrypt hands out plaintext
//   ... the operation itself (service, Directory), filling p.event ...
//   gate.Record(p, status, outcome);           // the audit record; fail closed
//
// No door has its own notion of identity, permission, limit or lockdown; a door that
// skipped the Gate would have nothing to call the service with (RequestContext comes from
// the Passage). Errors are keep's reasons (include/keep/reasons.h); each door translates
// them. Thread-safe: one Gate serves every door and thread; a Passage belongs to one
// request.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "access/custodian.h"
#include "access/directory.h"
#include "access/guard.h"
#include "access/limits.h"
#include "access/metrics.h"
#include "audit/sink.h"

namespace keep::access {

struct GateOptions {
  GuardOptions guard;  // anonymous identity, client certificates
  RateLimitOptions rate_limits;
  LockdownOptions lockdown;
};

// One request's way through the Gate: who asks (once authenticated), and the audit
// record the Gate writes at the end.
struct Passage {
  Passage() = default;
  Passage(std::string request_id, std::string remote_address);

  RequestContext ctx;  // what the service is called with
  audit::Event event;  // what the trail gets; doors add version, items, target, context
  bool authenticated = false;
  bool recorded = false;
  int retry_after = 0;  // seconds, when refused with rate_limited and waiting helps
  // When the door took the request (keep_request_duration_seconds).
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};

class Gate {
 public:
  // `directory`, `custodian` and `audit` must outlive the Gate.
  Gate(Directory& directory, Custodian& custodian, audit::Sink& audit, GateOptions options);

  // Maps credentials to an identity (Guard::Authenticate) and records it in the passage.
  // `creds` is what the door decoded, or why it could not (a malformed header); while
  // sealed the answer is "sealed" either way. Errors: kUnavailable "sealed";
  // kUnauthenticated.
  Status Authenticate(Passage& p, const Result<Credentials>& creds);
  // Before a SigV4 request's body is read: sealed, or an unknown access key, is answered
  // without receiving the body. Errors: "sealed"; kUnauthenticated kUnknownAccessKey.
  Status ScreenAwsKey(Passage& p, std::string_view access_key_id) const;
  // `p`'s identity may do `op` on `key` ("" for operations on no key), and the rate
  // limits admit `items` units (0: charged later, once a batch is counted). Names the
  // operation and key in the record. Errors: permission_denied, 503 locked_down,
  // 429 rate_limited (p.retry_after set when waiting helps).
  Status Authorize(Passage& p, Operation op, std::string_view key, uint32_t items = 1);
  // Only the policy check, recording nothing (a sub-permission such as a data key's
  // plaintext, or filtering a list). Errors as Authorize, without limits.
  Status Allows(const Identity& who, Operation op, std::string_view key) const;
  bool CanReadKey(const Identity& who, std::string_view key) const {
    return guard_.CanReadKey(who, key);
  }
  // Charges `items` units of `op` to the buckets of `identity` and `key` (either may be
  // empty: not charged). Errors: 429 rate_limited.
  Status Admit(Passage& p, Operation op, std::string_view identity, std::string_view key,
               uint32_t items);
  // Counts `n` decrypts by `p`'s identity. Over a budget, writes a "lockdown" record,
  // then locks the identity (or seals keep, when configured so) and refuses with
  // 503 locked_down. Identities holding the lockdown capability are never locked
  // (nobody could reinstate them), but their decrypts count toward the global budget.
  // Errors: 503 locked_down; audit_unavailable when the lockdown record failed.
  Status CountDecrypts(Passage& p, uint32_t n);
  // Lifts `identity`'s lock and forgets its decrypt count. Errors: not_found.
  Status Reinstate(Passage& p, std::string_view identity);

  // Completes the record with `status` (the HTTP-equivalent status of the answer) and
  // `outcome` ("" for ok below 400, else the error reason), counts it in metrics(), and
  // appends it. Record waits
  // for the write; RecordAsync returns a ticket the door waits on without a thread.
  // Errors: audit_unavailable — the door must then not send the operation's result.
  Status Record(Passage& p, int status, std::string_view outcome);
  std::shared_ptr<audit::Ticket> RecordAsync(Passage& p, int status, std::string_view outcome);

  // Replaces anonymous access, certificate mappings, rate limits and decrypt budgets for
  // requests from now on (SIGHUP); locks and tokens are untouched. Thread-safe.
  void Reconfigure(GateOptions options);

  Directory& directory() { return directory_; }
  audit::Sink& audit() { return audit_; }
  const DecryptBudget& budget() const { return budget_; }
  // Every recorded request by operation and outcome, latencies, refusals (/metrics).
  const RequestMetrics& metrics() const { return metrics_; }

 private:
  void Complete(Passage& p, int status, std::string_view outcome);

  Directory& directory_;
  Custodian& custodian_;
  audit::Sink& audit_;
  Guard guard_;
  RateLimiter limiter_;
  DecryptBudget budget_;
  RequestMetrics metrics_;
};

}  // namespace keep::access
