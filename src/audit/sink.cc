#include "audit/sink.h"

#include "common/log.h"

namespace keep::audit {

void Ticket::Complete(Status status) {
  std::function<void()> f;
  {
    std::lock_guard lock(mu_);
    if (done_) return;
    done_ = true;
    status_ = std::move(status);
    f = std::move(on_done_);
  }
  if (f) f();
}

void Ticket::OnDone(std::function<void()> f) {
  {
    std::lock_guard lock(mu_);
    if (!done_) {
      on_done_ = std::move(f);
      return;
    }
  }
  f();
}

bool Ticket::done() const {
  std::lock_guard lock(mu_);
  return done_;
}

Status Ticket::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

std::shared_ptr<Ticket> Sink::AppendAsync(const Event& event) {
  auto t = std::make_shared<Ticket>();
  t->Complete(Append(event));
  return t;
}

Result<std::string> Sink::HmacOf(std::string_view) const {
  return Status(Code::kUnimplemented, "this server's audit sink has no trail key");
}

Result<std::string> Sink::PublicKeyPem() const {
  return Status(Code::kUnimplemented, "this server's audit sink signs nothing");
}

Result<RecentRecords> Sink::Recent(const RecentQuery&) const {
  return Status(Code::kUnimplemented, "this server's audit sink keeps no file to read");
}

Status LogSink::Append(const Event& e) {
  log::Debug(
      "audit {} request_id={} identity={} op={} key={} version={} status={} outcome={} remote={}",
      e.type, e.request_id, e.identity, e.operation, e.key, e.version, e.status, e.outcome,
      e.remote_address);
  return Status::Ok();
}

}  // namespace keep::audit
