#include "http/json_fields.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <boost/json/basic_parser_impl.hpp>
#include <cstddef>
#include <new>
#include <set>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "common/json_keys.h"
#include "common/wiping_json.h"

namespace keep::http {
namespace {

Status Bad(std::string msg) {
  return InvalidArgument(std::move(msg));
}

}  // namespace

struct ParsedBody::Resources {
  WipingMemoryResource wiping;
  unsigned char initial[1024];  // enough for single requests; wiped per request
  json::monotonic_resource mono{initial, sizeof initial, &wiping};
  ~Resources() { OPENSSL_cleanse(initial, sizeof initial); }
};

ParsedBody::ParsedBody() : res_(std::make_unique<Resources>()) {}

ParsedBody::~ParsedBody() {
  value_ = nullptr;
  res_.reset();  // monotonic buffers go back to WipingResource, which wipes them
}

Status ParsedBody::Parse(std::string_view text) {
  if (text.empty()) {
    value_ = json::object(json::storage_ptr(&res_->mono));
    return Status::Ok();
  }
  json::parse_options opt;
  opt.max_depth = 16;
  boost::system::error_code ec;
  switch (CheckJsonKeys(text, opt.max_depth)) {
    case JsonKeys::kDuplicate:
      return Bad("the request body has a duplicate key");
    case JsonKeys::kNotJson:
      return Bad("the request body is not valid JSON");
    case JsonKeys::kUnique:
      break;
  }
  value_ = json::parse(text, ec, json::storage_ptr(&res_->mono), opt);
  if (ec) return Bad("the request body is not valid JSON");
  return Status::Ok();
}

Result<const json::object*> AsObject(const json::value& v,
                                     std::span<const std::string_view> allowed,
                                     std::string_view what) {
  if (!v.is_object()) return Bad(std::string(what) + " must be a JSON object");
  const auto& o = v.get_object();
  for (const auto& kv : o) {
    bool known = false;
    for (auto a : allowed) known = known || kv.key() == a;
    if (!known) {
      std::string k(kv.key().substr(0, 64));
      for (char& c : k) {
        if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\') c = '?';
      }
      return Bad("unknown field '" + k + "' in " + std::string(what));
    }
  }
  return &o;
}

Result<std::optional<std::string_view>> OptString(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return std::optional<std::string_view>();
  if (!v->is_string()) return Bad("field '" + std::string(name) + "' must be a string");
  const auto& s = v->get_string();
  return std::optional<std::string_view>(std::string_view(s.data(), s.size()));
}

Result<std::string_view> ReqString(const json::object& o, std::string_view name) {
  KEEP_ASSIGN_OR_RETURN(auto s, OptString(o, name));
  if (!s) return Bad("field '" + std::string(name) + "' is required");
  return *s;
}

Result<std::optional<int64_t>> OptInt(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return std::optional<int64_t>();
  if (v->is_int64()) return std::optional<int64_t>(v->get_int64());
  if (v->is_uint64()) return Bad("field '" + std::string(name) + "' is out of range");
  return Bad("field '" + std::string(name) + "' must be an integer");
}

Result<std::optional<bool>> OptBool(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return std::optional<bool>();
  if (!v->is_bool()) return Bad("field '" + std::string(name) + "' must be true or false");
  return std::optional<bool>(v->get_bool());
}

Result<format::EncryptionContext> OptContext(const json::object& o, std::string_view name) {
  format::EncryptionContext ctx;
  const json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return ctx;
  if (!v->is_object()) return Bad("field '" + std::string(name) + "' must be an object of strings");
  for (const auto& kv : v->get_object()) {
    if (!kv.value().is_string()) return Bad("context values must be strings");
    const auto& s = kv.value().get_string();
    ctx.emplace(std::string(kv.key()), std::string(s.data(), s.size()));
  }
  KEEP_RETURN_IF_ERROR(format::ValidateContext(ctx));
  return ctx;
}

Result<crypto::SecretBytes> ReqBase64(const json::object& o, std::string_view name) {
  KEEP_ASSIGN_OR_RETURN(std::string_view text, ReqString(o, name));
  auto out = crypto::DecodeBase64Secret(text);
  if (!out.ok()) return Bad("field '" + std::string(name) + "' is not valid base64");
  return out;
}

size_t EncodeBase64Into(ByteView data, char* dst) {
  const size_t n = 4 * ((data.size() + 2) / 3);
  if (!data.empty()) {
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(dst), data.data(),
                    static_cast<int>(data.size()));
  }
  dst[n] = '\0';
  return n;
}

}  // namespace keep::http
