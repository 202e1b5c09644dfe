// Key names (docs/api.md, "Keys"): 1–128 characters of [A-Za-z0-9_.-]. One rule for keepd
// (which refuses other names) and libkeep (which checks before a name reaches a URL
// path). Pure; thread-safe.
#pragma once

#include <string_view>

#include "keep/status.h"

namespace keep {

// Errors: kInvalidArgument saying what is wrong.
Status ValidateKeyName(std::string_view name);

}  // namespace keep
