// The head of an HTTP/1.x response, formatted by hand (Server::Impl::Write sends it with the
// body): Beast's serializer and fields cost ~9 % of keepd's CPU per request.
//
// Fields in this order: Server, Content-Type, Cache-Control, then the response's headers
// (a later one replaces an earlier of the same name, case-insensitively; a name or value
// holding CR or LF, or a name holding ':', is dropped), Connection where the version's
// default does not hold (HTTP/1.1 closing, HTTP/1.0 kept alive), Content-Length — none on
// 1xx, 204 and 304, which carry no body (RFC 9110 §8.6). At most 16 fields. Pure function,
// thread-safe.
#pragma once

#include <string>

#include "http/message.h"

namespace keep::http {

// Replaces `head` with the head for `r` (`version` 10 or 11).
void FormatResponseHead(std::string& head, const HttpResponse& r, unsigned version,
                        bool keep_alive);

// Whether a response of `status` carries no body (1xx, 204, 304).
inline bool StatusHasNoBody(int status) {
  return status < 200 || status == 204 || status == 304;
}

}  // namespace keep::http
