// Custodian: what the access layer needs from the service below it, and nothing more.
// service::Custody implements it; the access layer never includes the service.
//
// Thread-safe (implementations are called from every request thread).
#pragma once

#include <functional>
#include <string>

#include "keep/status.h"

namespace keep::access {

class Custodian {
 public:
  virtual ~Custodian() = default;
  virtual bool IsSealed() const = 0;
  // Runs `f` while unsealed. Errors: kUnavailable "sealed" when sealed before `f` runs,
  // or when a seal overlapped it (whatever `f` computed from memory the seal wiped is
  // then discarded by the caller); otherwise what `f` returned.
  virtual Status RunUnsealed(const std::function<Status()>& f) = 0;
  // Records a global decrypt lockdown (readable while sealed) and seals at once: no
  // automatic unseal until a quorum of shares or `keepd --lift-lockdown` lifts it.
  virtual Status LockdownSeal(std::string reason) = 0;
};

}  // namespace keep::access
