// Reply: a server response read field by field. Every accessor checks that the field is
// there and of the expected type. The first field that is not records the problem —
// "the server's answer to <what> is malformed: <field> …" — and from then on accessors
// return empty values; status() reports it. A response from another version, a proxy or a
// broken server is a clear error (bad_answer, exit status 1), never a crash. Callers read
// what they need, then check status() before they print or act on it.
//
// Values are copied out (View borrows); a Reply borrows the JSON it reads. Replies made by
// Object()/Objects() share their parent's problem. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "keep/secret_string.h"
#include "keep/status.h"

namespace keep::cli {

// What a command prints, built before anything is printed: it may hold a root token,
// shares or a plaintext, so its buffer is wiping memory (keep::WipingAllocator).
using TextOut = std::basic_ostringstream<char, std::char_traits<char>, WipingAllocator<char>>;

class Reply {
 public:
  // A problem unless `v` is a JSON object. `what` names the request ("key show").
  Reply(const boost::json::value& v, std::string what);

  // OK, or bad_answer naming the first field that was missing or of the wrong type.
  Status status() const;
  bool ok() const { return !state_->problem; }
  // Writes `text` (built from this reply) to stdout, unless a field was malformed: then
  // nothing is printed and the problem is returned.
  Status Print(const TextOut& text) const;

  bool Has(std::string_view k) const;
  std::string Str(std::string_view k) const;  // a string
  // A string borrowed from the response, not copied: for secrets (plaintexts, data keys),
  // which the caller wipes with the response.
  std::string_view View(std::string_view k) const;
  std::optional<std::string> OptStr(std::string_view k) const;  // a string, or absent/null
  std::string Text(std::string_view k) const;                   // any scalar as text; null is "-"
  int64_t Int(std::string_view k) const;
  bool Bool(std::string_view k) const;
  bool OptBool(std::string_view k, bool absent) const;  // a bool, or `absent`
  Reply Object(std::string_view k) const;
  std::vector<Reply> Objects(std::string_view k) const;        // an array of objects
  std::vector<std::string> Strings(std::string_view k) const;  // an array of strings
  std::vector<int64_t> Ints(std::string_view k) const;         // an array of integers
  const boost::json::object& object() const { return *o_; }

 private:
  struct State {
    std::string what;
    std::optional<std::string> problem;
  };
  Reply(const boost::json::object* o, std::shared_ptr<State> state)
      : o_(o), state_(std::move(state)) {}
  // The field, or nullptr after recording that it is missing.
  const boost::json::value* Field(std::string_view k) const;
  void Malformed(std::string_view k, std::string_view problem) const;
  const boost::json::object* o_;  // never null: an empty object stands in for a non-object
  std::shared_ptr<State> state_;
};

}  // namespace keep::cli
