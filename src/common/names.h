// Names that travel in URL paths, one rule each for keepd (which refuses other names) and
// libkeep (which checks before a name reaches a path): key names (docs/api.md, "Keys":
// 1–128 characters of [A-Za-z0-9_.-]) and policy names ("Policies": 1–64 of [a-z0-9_-]).
// Pure; thread-safe.
#pragma once

#include <string_view>

#include "keep/status.h"

namespace keep {

// Errors: kInvalidArgument saying what is wrong.
Status ValidateKeyName(std::string_view name);
Status ValidatePolicyName(std::string_view name);

}  // namespace keep
