#include "cli/reply.h"

#include <iostream>

#include "cli/cli_internal.h"

namespace keep::cli {

namespace json = boost::json;

namespace {
const json::object& Empty() {
  static const json::object empty;
  return empty;
}
}  // namespace

Reply::Reply(const json::value& v, std::string what)
    : o_(v.if_object()), state_(std::make_shared<State>()) {
  state_->what = std::move(what);
  if (o_ == nullptr) {
    o_ = &Empty();
    state_->problem = "the server's answer to " + state_->what + " is malformed: not a JSON object";
  }
}

Status Reply::status() const {
  return state_->problem ? BadAnswer(*state_->problem) : Status::Ok();
}

Status Reply::Print(const TextOut& text) const {
  KEEP_RETURN_IF_ERROR(status());
  std::cout << text.view();
  return Status::Ok();
}

void Reply::Malformed(std::string_view k, std::string_view problem) const {
  if (state_->problem) return;  // the first problem is the one reported
  state_->problem = "the server's answer to " + state_->what + " is malformed: '" + std::string(k) +
                    "' " + std::string(problem);
}

const json::value* Reply::Field(std::string_view k) const {
  const json::value* v = o_->if_contains(k);
  if (v == nullptr) Malformed(k, "is missing");
  return v;
}

bool Reply::Has(std::string_view k) const {
  const json::value* v = o_->if_contains(k);
  return v != nullptr && !v->is_null();
}

std::string Reply::Str(std::string_view k) const {
  return std::string(View(k));
}

std::string_view Reply::View(std::string_view k) const {
  const json::value* v = Field(k);
  if (v == nullptr) return {};
  if (!v->is_string()) {
    Malformed(k, "is not a string");
    return {};
  }
  return v->get_string();
}

std::optional<std::string> Reply::OptStr(std::string_view k) const {
  const json::value* v = o_->if_contains(k);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_string()) {
    Malformed(k, "is not a string");
    return std::nullopt;
  }
  return std::string(v->get_string());
}

std::string Reply::Text(std::string_view k) const {
  const json::value* v = Field(k);
  if (v == nullptr) return {};
  if (v->is_null()) return "-";
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_object() || v->is_array()) {
    Malformed(k, "is not a single value");
    return {};
  }
  return json::serialize(*v);
}

namespace {
std::optional<int64_t> AsInt(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v.get_uint64());
  }
  return std::nullopt;
}
}  // namespace

int64_t Reply::Int(std::string_view k) const {
  const json::value* v = Field(k);
  if (v == nullptr) return 0;
  if (auto i = AsInt(*v)) return *i;
  Malformed(k, "is not an integer");
  return 0;
}

bool Reply::Bool(std::string_view k) const {
  const json::value* v = Field(k);
  if (v == nullptr) return false;
  if (!v->is_bool()) {
    Malformed(k, "is not true or false");
    return false;
  }
  return v->get_bool();
}

bool Reply::OptBool(std::string_view k, bool absent) const {
  const json::value* v = o_->if_contains(k);
  if (v == nullptr || v->is_null()) return absent;
  if (!v->is_bool()) {
    Malformed(k, "is not true or false");
    return absent;
  }
  return v->get_bool();
}

Reply Reply::Object(std::string_view k) const {
  const json::value* v = Field(k);
  if (v != nullptr && !v->is_object()) Malformed(k, "is not an object");
  if (v == nullptr || !v->is_object()) return Reply(&Empty(), state_);
  return Reply(&v->get_object(), state_);
}

std::vector<Reply> Reply::Objects(std::string_view k) const {
  std::vector<Reply> out;
  const json::value* v = Field(k);
  if (v == nullptr) return out;
  if (!v->is_array()) {
    Malformed(k, "is not an array");
    return out;
  }
  for (const auto& e : v->get_array()) {
    if (!e.is_object()) {
      Malformed(k, "holds something that is not an object");
      return {};
    }
    out.push_back(Reply(&e.get_object(), state_));
  }
  return out;
}

std::vector<std::string> Reply::Strings(std::string_view k) const {
  std::vector<std::string> out;
  const json::value* v = Field(k);
  if (v == nullptr) return out;
  if (!v->is_array()) {
    Malformed(k, "is not an array");
    return out;
  }
  for (const auto& e : v->get_array()) {
    if (!e.is_string()) {
      Malformed(k, "holds something that is not a string");
      return {};
    }
    out.emplace_back(e.get_string());
  }
  return out;
}

std::vector<int64_t> Reply::Ints(std::string_view k) const {
  std::vector<int64_t> out;
  const json::value* v = Field(k);
  if (v == nullptr) return out;
  if (!v->is_array()) {
    Malformed(k, "is not an array");
    return out;
  }
  for (const auto& e : v->get_array()) {
    auto i = AsInt(e);
    if (!i) {
      Malformed(k, "holds something that is not an integer");
      return {};
    }
    out.push_back(*i);
  }
  return out;
}

}  // namespace keep::cli
