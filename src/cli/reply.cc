#include "cli/reply.h"

#include "cli/cli_internal.h"

namespace keep::cli {

namespace json = boost::json;

Reply::Reply(const json::value& v, std::string what) : o_(v.if_object()), what_(std::move(what)) {
  if (o_ == nullptr) {
    throw Failure{"the server's answer to " + what_ + " is malformed: not a JSON object"};
  }
}

void Reply::Malformed(std::string_view k, std::string_view problem) const {
  throw Failure{"the server's answer to " + what_ + " is malformed: '" + std::string(k) + "' " +
                std::string(problem)};
}

const json::value& Reply::Field(std::string_view k) const {
  const json::value* v = o_->if_contains(k);
  if (v == nullptr) Malformed(k, "is missing");
  return *v;
}

bool Reply::Has(std::string_view k) const {
  const json::value* v = o_->if_contains(k);
  return v != nullptr && !v->is_null();
}

std::string Reply::Str(std::string_view k) const {
  const json::value& v = Field(k);
  if (!v.is_string()) Malformed(k, "is not a string");
  return std::string(v.get_string());
}

std::string_view Reply::View(std::string_view k) const {
  const json::value& v = Field(k);
  if (!v.is_string()) Malformed(k, "is not a string");
  return v.get_string();
}

std::optional<std::string> Reply::OptStr(std::string_view k) const {
  const json::value* v = o_->if_contains(k);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_string()) Malformed(k, "is not a string");
  return std::string(v->get_string());
}

std::string Reply::Text(std::string_view k) const {
  const json::value& v = Field(k);
  if (v.is_null()) return "-";
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_object() || v.is_array()) Malformed(k, "is not a single value");
  return json::serialize(v);
}

int64_t Reply::Int(std::string_view k) const {
  const json::value& v = Field(k);
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v.get_uint64());
  }
  Malformed(k, "is not an integer");
}

bool Reply::Bool(std::string_view k) const {
  const json::value& v = Field(k);
  if (!v.is_bool()) Malformed(k, "is not true or false");
  return v.get_bool();
}

bool Reply::OptBool(std::string_view k, bool absent) const {
  const json::value* v = o_->if_contains(k);
  if (v == nullptr || v->is_null()) return absent;
  if (!v->is_bool()) Malformed(k, "is not true or false");
  return v->get_bool();
}

Reply Reply::Object(std::string_view k) const {
  const json::value& v = Field(k);
  if (!v.is_object()) Malformed(k, "is not an object");
  return Reply(v, what_);
}

std::vector<Reply> Reply::Objects(std::string_view k) const {
  const json::value& v = Field(k);
  if (!v.is_array()) Malformed(k, "is not an array");
  std::vector<Reply> out;
  for (const auto& e : v.get_array()) {
    if (!e.is_object()) Malformed(k, "holds something that is not an object");
    out.emplace_back(e, what_);
  }
  return out;
}

std::vector<std::string> Reply::Strings(std::string_view k) const {
  const json::value& v = Field(k);
  if (!v.is_array()) Malformed(k, "is not an array");
  std::vector<std::string> out;
  for (const auto& e : v.get_array()) {
    if (!e.is_string()) Malformed(k, "holds something that is not a string");
    out.emplace_back(e.get_string());
  }
  return out;
}

std::vector<int64_t> Reply::Ints(std::string_view k) const {
  const json::value& v = Field(k);
  if (!v.is_array()) Malformed(k, "is not an array");
  std::vector<int64_t> out;
  for (const auto& e : v.get_array()) {
    if (e.is_int64()) {
      out.push_back(e.get_int64());
    } else if (e.is_uint64() && e.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
      out.push_back(static_cast<int64_t>(e.get_uint64()));
    } else {
      Malformed(k, "holds something that is not an integer");
    }
  }
  return out;
}

}  // namespace keep::cli
