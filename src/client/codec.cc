#include "client/codec.h"

#include <limits>
#include <optional>

#include "common/encoding.h"
#include "common/json_text.h"
#include "common/wiping_json.h"
#include "keep/reasons.h"

namespace keep::client {

namespace json = boost::json;

void BodyWriter::Key(std::string_view k) {
  if (!first_) out_ += ',';
  first_ = false;
  AppendJsonString(out_, k);
  out_ += ':';
}

void BodyWriter::Str(std::string_view k, std::string_view v) {
  Key(k);
  AppendJsonString(out_, v);
}

void BodyWriter::Base64(std::string_view k, std::string_view bytes) {
  Key(k);
  out_ += '"';
  AppendBase64(out_, AsBytes(bytes));
  out_ += '"';
}

void BodyWriter::Int(std::string_view k, int64_t v) {
  Key(k);
  out_ += std::to_string(v);
}

void BodyWriter::Bool(std::string_view k, bool v) {
  Key(k);
  out_ += v ? "true" : "false";
}

void BodyWriter::Context(const EncryptionContext& c) {
  if (c.empty()) return;
  Key("context");
  out_ += '{';
  bool first = true;
  for (const auto& [k, v] : c) {
    if (!first) out_ += ',';
    first = false;
    AppendJsonString(out_, k);
    out_ += ':';
    AppendJsonString(out_, v);
  }
  out_ += '}';
}

void BodyWriter::Strings(std::string_view k, const std::vector<std::string>& v) {
  Key(k);
  out_ += '[';
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out_ += ',';
    AppendJsonString(out_, v[i]);
  }
  out_ += ']';
}

void BodyWriter::BeginArray(std::string_view k) {
  Key(k);
  out_ += '[';
  first_ = true;
}

void BodyWriter::BeginItem() {
  if (!first_) out_ += ',';
  out_ += '{';
  first_ = true;
}

void BodyWriter::EndItem() {
  out_ += '}';
  first_ = false;
}

void BodyWriter::EndArray() {
  out_ += ']';
  first_ = false;
}

SecretString BodyWriter::Done() {
  out_ += '}';
  return std::move(out_);
}

Result<Answer> Answer::Parse(const HttpResult& r, std::string what) {
  boost::system::error_code ec;
  auto root = std::make_shared<json::value>(json::parse(r.body.view(), ec, WipingJsonStorage()));
  if (ec || !root->is_object()) {
    return Status(
        Code::kInternal, "bad_answer",
        "the server's answer to " + what + " is not a JSON object (is it a keep server?)");
  }
  const json::object* o = &root->get_object();
  return Answer(std::move(root), o, std::make_shared<std::string>(), std::move(what));
}

Status Answer::status() const {
  if (problem_->empty()) return Status::Ok();
  return Status(Code::kInternal, "bad_answer", *problem_);
}

void Answer::Bad(std::string_view k, std::string_view why) {
  if (!problem_->empty()) return;
  *problem_ = "the server's answer to " + what_ + " is malformed: '" + std::string(k) + "' " +
              std::string(why);
}

bool Answer::Has(std::string_view k) const {
  const json::value* v = o_ ? o_->if_contains(k) : nullptr;
  return v != nullptr && !v->is_null();
}

const json::value* Answer::Field(std::string_view k, bool required) {
  if (!ok() || o_ == nullptr) return nullptr;
  const json::value* v = o_->if_contains(k);
  if (v == nullptr || v->is_null()) {
    if (required) Bad(k, "is missing");
    return nullptr;
  }
  return v;
}

std::string Answer::Str(std::string_view k) {
  const json::value* v = Field(k, true);
  if (v == nullptr) return {};
  if (!v->is_string()) {
    Bad(k, "is not a string");
    return {};
  }
  return std::string(v->get_string());
}

std::string Answer::OptStr(std::string_view k) {
  const json::value* v = Field(k, false);
  if (v == nullptr) return {};
  if (!v->is_string()) {
    Bad(k, "is not a string");
    return {};
  }
  return std::string(v->get_string());
}

uint32_t Answer::U32(std::string_view k) {
  const json::value* v = Field(k, true);
  if (v == nullptr) return 0;
  if (v->is_int64() && v->get_int64() >= 0 &&
      v->get_int64() <= std::numeric_limits<uint32_t>::max()) {
    return static_cast<uint32_t>(v->get_int64());
  }
  if (v->is_uint64() && v->get_uint64() <= std::numeric_limits<uint32_t>::max()) {
    return static_cast<uint32_t>(v->get_uint64());
  }
  Bad(k, "is not a version number");
  return 0;
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

int64_t Answer::Int(std::string_view k) {
  const json::value* v = Field(k, true);
  if (v == nullptr) return 0;
  if (auto i = AsInt(*v)) return *i;
  Bad(k, "is not an integer");
  return 0;
}

int64_t Answer::OptInt(std::string_view k, int64_t otherwise) {
  const json::value* v = Field(k, false);
  if (v == nullptr) return otherwise;
  if (auto i = AsInt(*v)) return *i;
  Bad(k, "is not an integer");
  return otherwise;
}

std::vector<int64_t> Answer::Ints(std::string_view k) {
  std::vector<int64_t> out;
  const json::value* v = Field(k, true);
  if (v == nullptr) return out;
  if (!v->is_array()) {
    Bad(k, "is not an array");
    return out;
  }
  for (const auto& e : v->get_array()) {
    auto i = AsInt(e);
    if (!i) {
      Bad(k, "holds something other than integers");
      return {};
    }
    out.push_back(*i);
  }
  return out;
}

SecretString Answer::SecretText(std::string_view k) {
  const json::value* v = Field(k, true);
  if (v == nullptr) return {};
  if (!v->is_string()) {
    Bad(k, "is not a string");
    return {};
  }
  return SecretString(std::string_view(v->get_string()));
}

std::vector<SecretString> Answer::SecretTexts(std::string_view k) {
  std::vector<SecretString> out;
  const json::value* v = Field(k, true);
  if (v == nullptr) return out;
  if (!v->is_array()) {
    Bad(k, "is not an array");
    return out;
  }
  for (const auto& e : v->get_array()) {
    if (!e.is_string()) {
      Bad(k, "holds something other than strings");
      return {};
    }
    out.emplace_back(std::string_view(e.get_string()));
  }
  return out;
}

Answer Answer::Object(std::string_view k) {
  const json::value* v = Field(k, true);
  if (v != nullptr && !v->is_object()) Bad(k, "is not an object");
  const json::object* o = (v != nullptr && v->is_object()) ? &v->get_object() : nullptr;
  return Answer(root_, o, problem_, what_);
}

bool Answer::Bool(std::string_view k) {
  const json::value* v = Field(k, true);
  if (v == nullptr) return false;
  if (!v->is_bool()) {
    Bad(k, "is not true or false");
    return false;
  }
  return v->get_bool();
}

bool Answer::OptBool(std::string_view k, bool otherwise) {
  const json::value* v = Field(k, false);
  if (v == nullptr) return otherwise;
  if (!v->is_bool()) {
    Bad(k, "is not true or false");
    return otherwise;
  }
  return v->get_bool();
}

SecretString Answer::Secret(std::string_view k) {
  const json::value* v = Field(k, true);
  if (v == nullptr) return {};
  if (!v->is_string()) {
    Bad(k, "is not a string");
    return {};
  }
  const std::string_view text = v->get_string();
  SecretString out(Base64DecodedSizeBound(text), '\0');
  auto n = Base64DecodeInto(text, reinterpret_cast<uint8_t*>(out.data()), out.size());
  if (!n.ok()) {
    Bad(k, "is not base64");
    return {};
  }
  out.resize(*n);
  return out;
}

std::vector<Answer> Answer::Objects(std::string_view k) {
  std::vector<Answer> out;
  const json::value* v = Field(k, true);
  if (v == nullptr) return out;
  if (!v->is_array()) {
    Bad(k, "is not an array");
    return out;
  }
  for (const auto& e : v->get_array()) {
    if (!e.is_object()) {
      Bad(k, "holds something other than objects");
      return {};
    }
    out.push_back(Answer(root_, &e.get_object(), problem_, what_));
  }
  return out;
}

std::vector<std::string> Answer::Strings(std::string_view k) {
  std::vector<std::string> out;
  const json::value* v = Field(k, true);
  if (v == nullptr) return out;
  if (!v->is_array()) {
    Bad(k, "is not an array");
    return out;
  }
  for (const auto& e : v->get_array()) {
    if (!e.is_string()) {
      Bad(k, "holds something other than strings");
      return {};
    }
    out.emplace_back(e.get_string());
  }
  return out;
}

Status Answer::Error() {
  const json::value* e = Field("error", true);
  if (e == nullptr || !e->is_object()) {
    Bad("error", "is not an object");
    return status();
  }
  Answer inner(root_, &e->get_object(), problem_, what_);
  const std::string code = inner.Str("code");
  const std::string message = inner.Str("message");
  if (!ok()) return status();
  if (const Reason* r = FindApiReason(code)) {
    return Status(r->code, ReasonCode::FromTable(r->name), message);
  }
  return Status(Code::kInternal, code + ": " + message);
}

}  // namespace keep::client

namespace keep {

Status StatusOf(const HttpResult& r) {
  if (r.status >= 200 && r.status < 300) return Status::Ok();
  std::string message = "HTTP " + std::to_string(r.status);
  const Reason* known = nullptr;
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body.view(), ec);
  if (!ec && v.is_object()) {
    if (auto* e = v.as_object().if_contains("error"); e && e->is_object()) {
      if (auto* c = e->as_object().if_contains("code"); c && c->is_string()) {
        known = FindApiReason(std::string_view(c->as_string()));
        // A code this build does not know (a newer server) keeps its text in the message.
        if (!known) message = std::string(c->as_string()) + ": ";
      }
      if (auto* m = e->as_object().if_contains("message"); m && m->is_string()) {
        message = (known ? "" : message) + std::string(m->as_string());
      }
    }
  }
  if (known) return Status(known->code, ReasonCode::FromTable(known->name), std::move(message));
  // No known code: the code the status class implies (keep/reasons.h lists the statuses).
  static constexpr std::pair<int, Code> kByStatus[] = {
      {400, Code::kInvalidArgument},  {401, Code::kUnauthenticated},
      {403, Code::kPermissionDenied}, {404, Code::kNotFound},
      {405, Code::kMethodNotAllowed}, {409, Code::kFailedPrecondition},
      {413, Code::kTooLarge},         {429, Code::kResourceExhausted},
      {501, Code::kUnimplemented},    {503, Code::kUnavailable}};
  Code code = r.status >= 500 ? Code::kInternal : Code::kInvalidArgument;
  for (const auto& [status, c] : kByStatus) {
    if (status == r.status) code = c;
  }
  return Status(code, std::move(message));
}

}  // namespace keep
