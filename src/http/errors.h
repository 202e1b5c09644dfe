// The one mapping from Status to HTTP status, and the error body every endpoint uses:
// {"error":{"code","message","request_id"}}. kInternal and kDataLoss carry no detail
// to the client ("internal error"); the detail was logged where it happened.
#pragma once

#include <string_view>

#include "http/message.h"
#include "keep/status.h"

namespace keep::http {

int HttpStatusFor(const Status& s);
HttpResponse ErrorResponse(const Status& s, std::string_view request_id);
// The client-facing message for `s` (generic for internal errors).
std::string_view PublicMessage(const Status& s);

}  // namespace keep::http
