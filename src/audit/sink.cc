#include "audit/sink.h"

#include "common/log.h"

namespace keep::audit {

Result<std::string> Sink::HmacOf(std::string_view) const {
  return Status(Code::kUnimplemented, "this server's audit sink has no trail key");
}

Result<std::string> Sink::PublicKeyPem() const {
  return Status(Code::kUnimplemented, "this server's audit sink signs nothing");
}

Status LogSink::Append(const Event& e) {
  log::Debug(
      "audit {} request_id={} identity={} op={} key={} version={} status={} outcome={} remote={}",
      e.type, e.request_id, e.identity, e.operation, e.key, e.version, e.status, e.outcome,
      e.remote_address);
  return Status::Ok();
}

}  // namespace keep::audit
