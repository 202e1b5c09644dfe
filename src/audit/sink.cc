#include "audit/sink.h"

#include "common/log.h"

namespace keep::audit {

Status LogSink::Append(const Event& e) {
  log::Debug("audit request_id={} identity={} op={} key={} version={} outcome={} remote={}",
             e.request_id, e.identity, e.operation, e.key, e.version, e.outcome, e.remote_address);
  return Status::Ok();
}

}  // namespace keep::audit
