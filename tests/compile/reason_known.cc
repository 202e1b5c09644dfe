// Compiles: "sealed" is in keep/reasons.h (the control for reason_unknown.cc).
#include "keep/status.h"

keep::Status Refuse() {
  return keep::Unavailable("sealed", "keep is sealed");
}
