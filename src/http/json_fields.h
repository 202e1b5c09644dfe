// Strict JSON request parsing for the API: unknown fields and wrong types are
// "bad_request" with a message naming the field; nothing is coerced. Parsing uses a
// memory resource that wipes its buffers when released, because request bodies carry
// plaintexts. Not thread-safe per instance (one per request).
#pragma once

#include <boost/json.hpp>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "common/json_text.h"
#include "crypto/secret_bytes.h"
#include "format/context.h"
#include "keep/result.h"

namespace keep::http {

namespace json = boost::json;

// A JSON document parsed into wiping, request-scoped memory.
class ParsedBody {
 public:
  ParsedBody();
  ~ParsedBody();
  ParsedBody(const ParsedBody&) = delete;
  ParsedBody& operator=(const ParsedBody&) = delete;
  // Parses `text` (an empty body is the empty object). Errors: bad_request.
  Status Parse(std::string_view text);
  const json::value& value() const { return value_; }

 private:
  struct Resources;
  std::unique_ptr<Resources> res_;
  json::value value_;
};

// Checks that `v` is an object whose keys all appear in `allowed`.
Result<const json::object*> AsObject(const json::value& v,
                                     std::span<const std::string_view> allowed,
                                     std::string_view what = "request body");
inline Result<const json::object*> AsObject(const json::value& v,
                                            std::initializer_list<std::string_view> allowed,
                                            std::string_view what = "request body") {
  return AsObject(v, std::span<const std::string_view>(allowed.begin(), allowed.size()), what);
}

Result<std::optional<std::string_view>> OptString(const json::object& o, std::string_view name);
Result<std::string_view> ReqString(const json::object& o, std::string_view name);
Result<std::optional<int64_t>> OptInt(const json::object& o, std::string_view name);
Result<std::optional<bool>> OptBool(const json::object& o, std::string_view name);
// "context" (or `name`): an object of string → string, validated
// (format::ValidateContext).
Result<format::EncryptionContext> OptContext(const json::object& o,
                                             std::string_view name = "context");
// A required standard-base64 field decoded into secret memory.
Result<crypto::SecretBytes> ReqBase64(const json::object& o, std::string_view name);

// AppendJsonString (quoted, escaped, always valid UTF-8) is common/json_text.h's.
using keep::AppendJsonString;
// Appends standard base64 of `data` to `out`, in place (no temporary copy).
// Writes the base64 of `data` to `dst`, which has room for 4 * ceil(n / 3) + 1 bytes;
// returns the length (without the NUL).
size_t EncodeBase64Into(ByteView data, char* dst);
template <class String>
void AppendBase64(String& out, ByteView data) {
  const size_t start = out.size();
  out.resize(start + 4 * ((data.size() + 2) / 3) + 1);
  out.resize(start + EncodeBase64Into(data, out.data() + start));
}

}  // namespace keep::http
