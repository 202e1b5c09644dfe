// Who is asking, and the per-request facts every stage sees.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace keep::access {

struct Identity {
  // Stable, non-secret: "token:<accessor>", "cert:<name>" or "anonymous".
  std::string id;
  std::string display_name;           // for status output and audit
  std::vector<std::string> policies;  // names; "root" grants everything
  std::string accessor;               // tokens: the accessor (16 hex digits)
  int64_t expires_at = 0;             // tokens: unix time, 0 = never
  bool IsRoot() const {
    for (const auto& p : policies) {
      if (p == "root") return true;
    }
    return false;
  }
};

struct RequestContext {
  std::string request_id;
  std::string remote_address;
  Identity identity;
};

}  // namespace keep::access
