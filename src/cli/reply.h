// Reply: a server response read field by field. Every accessor checks that the field is
// there and of the expected type; when it is not, it throws Failure (exit status 1) with
// "the server's answer to <what> is malformed: <field> …" — a response from another
// version, a proxy or a broken server is a clear error, never an exception escaping to
// the terminal. Values are copied out; a Reply borrows the JSON object it reads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

namespace keep::cli {

class Reply {
 public:
  // Throws Failure unless `v` is a JSON object. `what` names the request ("key show").
  Reply(const boost::json::value& v, std::string what);

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
  const boost::json::value& Field(std::string_view k) const;
  [[noreturn]] void Malformed(std::string_view k, std::string_view problem) const;
  const boost::json::object* o_;
  std::string what_;
};

}  // namespace keep::cli
