#include "common/names.h"

namespace keep {

Status ValidateKeyName(std::string_view name) {
  if (name.empty() || name.size() > 128) {
    return InvalidArgument("key names are 1 to 128 characters long");
  }
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return InvalidArgument("key names may only contain A-Z, a-z, 0-9, '_', '.' and '-'");
  }
  return Status::Ok();
}

Status ValidatePolicyName(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return InvalidArgument("a policy name must be 1–64 characters");
  }
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
      return InvalidArgument("a policy name may hold only [a-z0-9_-]");
    }
  }
  return Status::Ok();
}

}  // namespace keep
