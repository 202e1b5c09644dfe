// Who is asking, and the per-request facts every stage sees.
#pragma once

#include <string>
#include <vector>

namespace keep::service {

struct Identity {
  std::string id;                     // stable, non-secret: "token:<accessor>" for tokens
  std::string display_name;           // for logs and audit
  std::vector<std::string> policies;  // "root" grants everything (until policies land)
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

}  // namespace keep::service
