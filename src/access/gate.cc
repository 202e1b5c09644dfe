// Gate: authentication, authorization, limits, decrypt lockdown and audit, once.
#include "access/gate.h"

#include <chrono>

#include "common/log.h"
#include "common/time.h"

namespace keep::access {
Passage::Passage(std::string request_id, std::string remote_address) {
  event.request_id = request_id;
  event.remote_address = remote_address;
  ctx.request_id = std::move(request_id);
  ctx.remote_address = std::move(remote_address);
}

Gate::Gate(Directory& directory, Custodian& custodian, audit::Sink& audit, GateOptions options)
    : directory_(directory),
      custodian_(custodian),
      audit_(audit),
      guard_(directory.tokens(), directory.aws_keys(), directory.policies(), directory.locks(),
             std::move(options.guard)),
      limiter_(options.rate_limits),
      budget_(options.lockdown) {}

Status Gate::Authenticate(Passage& p, const Result<Credentials>& creds) {
  if (custodian_.IsSealed()) return Unavailable("sealed", "keep is sealed");
  if (!creds.ok()) return creds.status();
  KEEP_ASSIGN_OR_RETURN(p.ctx.identity, guard_.Authenticate(*creds));
  p.event.identity = p.ctx.identity.id;
  p.event.identity_name = p.ctx.identity.display_name;
  p.authenticated = true;
  return Status::Ok();
}

Status Gate::ScreenAwsKey(Passage& p, std::string_view access_key_id) const {
  if (custodian_.IsSealed()) return Unavailable("sealed", "keep is sealed");
  KEEP_ASSIGN_OR_RETURN(const bool known, directory_.aws_keys().Known(access_key_id));
  if (!known) return Unauthenticated(std::string(kUnknownAccessKey));
  p.event.identity = "aws:" + std::string(access_key_id.substr(0, 40));
  return Status::Ok();
}

Status Gate::Authorize(Passage& p, Operation op, std::string_view key, uint32_t items) {
  p.event.operation = std::string(OperationName(op));
  p.event.key = std::string(key);
  KEEP_RETURN_IF_ERROR(guard_.Authorize(p.ctx.identity, op, key));
  return Admit(p, op, p.ctx.identity.id, key, items);
}

Status Gate::Allows(const Identity& who, Operation op, std::string_view key) const {
  return guard_.Authorize(who, op, key);
}

Status Gate::Admit(Passage& p, Operation op, std::string_view identity, std::string_view key,
                   uint32_t items) {
  if (!limiter_.enabled() || items == 0) return Status::Ok();
  const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::steady_clock::now().time_since_epoch())
                             .count();
  const int wait = limiter_.Take(ClassOf(op), identity, key, items, now_ns);
  if (wait == 0) return Status::Ok();
  metrics_.RateLimited(op);
  if (wait == RateLimiter::kNever) {  // no Retry-After: waiting does not help
    return Status(Code::kResourceExhausted, "rate_limited",
                  "a batch of " + std::to_string(items) +
                      " items is more than the rate limit for " + std::string(OperationName(op)) +
                      " admits in one request (" +
                      std::to_string(limiter_.Capacity(ClassOf(op), identity, key)) +
                      "): send smaller batches");
  }
  p.retry_after = wait;
  return Status(Code::kResourceExhausted, "rate_limited",
                "rate limit exceeded for " + std::string(OperationName(op)) + "; retry after " +
                    std::to_string(wait) + "s");
}

Status Gate::CountDecrypts(Passage& p, uint32_t n) {
  if (!budget_.enabled()) return Status::Ok();
  const Identity& who = p.ctx.identity;
  auto trip = budget_.Record(who.id, n, NowUnixMs());
  const LockdownOptions o = budget_.options();
  if (trip != DecryptBudget::Trip::kNone && !o.seal &&
      guard_.Authorize(who, Operation::kSysLockdown, "").ok()) {
    trip = DecryptBudget::Trip::kNone;
  }
  if (trip == DecryptBudget::Trip::kNone) return Status::Ok();
  // The reason names no identity: the record's identity field says who (a token as its
  // HMAC), and the reason is also the lock's and the response's text.
  const std::string reason =
      trip == DecryptBudget::Trip::kIdentity
          ? "the identity exceeded its decrypt budget of " + std::to_string(o.identity_budget) +
                " per " + std::to_string(o.window_s) + "s"
          : "all identities together exceeded the decrypt budget of " +
                std::to_string(o.global_budget) + " per " + std::to_string(o.window_s) + "s";
  audit::Event ev;
  ev.type = "lockdown";
  ev.request_id = p.ctx.request_id;
  ev.identity = who.id;
  ev.identity_name = who.display_name;
  ev.operation = o.seal ? "lockdown.seal" : "lockdown.identity";
  ev.status = 503;  // the tripping request is answered 503 locked_down
  ev.outcome = "ok";
  ev.remote_address = p.ctx.remote_address;
  ev.detail = reason;
  KEEP_RETURN_IF_ERROR(audit_.Append(ev));
  metrics_.Lockdown(o.seal);
  Status st = o.seal ? custodian_.LockdownSeal(reason) : directory_.LockIdentity(who.id, reason);
  if (!st.ok()) log::Error("lockdown: {}", st.ToString());
  return Unavailable("locked_down", o.seal ? "keep sealed itself: " + reason
                                           : "this identity is locked down: " + reason);
}

void Gate::Reconfigure(GateOptions options) {
  guard_.Reconfigure(std::move(options.guard));
  limiter_.Reconfigure(options.rate_limits);
  budget_.Reconfigure(options.lockdown);
}

Status Gate::Reinstate(Passage& p, std::string_view identity) {
  KEEP_RETURN_IF_ERROR(directory_.Unlock(p.ctx.identity, identity));
  budget_.Reset(identity);
  return Status::Ok();
}

void Gate::Complete(Passage& p, int status, std::string_view outcome) {
  p.recorded = true;
  if (p.event.time_ms == 0) p.event.time_ms = NowUnixMs();
  p.event.status = status;
  if (p.event.outcome.empty() || status >= 400) {
    // A door may have set "partial" (a batch with failed items) on a success.
    p.event.outcome = status < 400 ? "ok" : std::string(outcome);
    if (p.event.outcome.empty()) p.event.outcome = "error";
  }
  metrics_.Observe(p.event.operation, p.event.outcome, p.event.items,
                   std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::steady_clock::now() - p.start)
                       .count());
}

Status Gate::Record(Passage& p, int status, std::string_view outcome) {
  Complete(p, status, outcome);
  return audit_.Append(p.event);
}

std::shared_ptr<audit::Ticket> Gate::RecordAsync(Passage& p, int status, std::string_view outcome) {
  Complete(p, status, outcome);
  return audit_.AppendAsync(p.event);
}

}  // namespace keep::access
