// Must not compile: "seeled" is no reason in keep/reasons.h, and ReasonCode's consteval
// constructor refuses it (ctest: reasons.unknown_reason_does_not_compile).
#include "keep/status.h"

keep::Status Refuse() {
  return keep::Unavailable("seeled", "keep is sealed");
}
