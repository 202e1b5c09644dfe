// Private to libkeep: the request bodies the typed calls send and the answers they read.
//
// BodyWriter writes a JSON object straight into wiping memory (SecretString), base64 of
// secret bytes included, so no plaintext passes through an unwiped buffer. Answer parses
// an answer into wiping JSON storage and reads it field by field; the first missing or
// mistyped field records "bad_answer" (sticky) and later reads return empty values —
// callers read what they need and check status() once. Not thread-safe.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "keep/client.h"

namespace keep::client {

class BodyWriter {
 public:
  BodyWriter() { out_ += '{'; }
  void Str(std::string_view k, std::string_view v);
  void Base64(std::string_view k, std::string_view bytes);
  void Int(std::string_view k, int64_t v);
  void Bool(std::string_view k, bool v);
  void Strings(std::string_view k, const std::vector<std::string>& v);
  void Context(const EncryptionContext& c);  // nothing when empty
  // "k":[{…},{…}] — BeginArray, then BeginItem … EndItem per object, then EndArray.
  void BeginArray(std::string_view k);
  void BeginItem();
  void EndItem();
  void EndArray();
  void BeginBatch() { BeginArray("batch"); }  // {"batch":[…]}
  void EndBatch() { EndArray(); }
  SecretString Done();

 private:
  void Key(std::string_view k);
  SecretString out_;
  bool first_ = true;
};

class Answer {
 public:
  // Errors: bad_answer when the body is not a JSON object.
  static Result<Answer> Parse(const HttpResult& r, std::string what);

  Status status() const;
  bool ok() const { return problem_->empty(); }
  bool Has(std::string_view k) const;  // present and not null
  std::string Str(std::string_view k);
  std::string OptStr(std::string_view k);  // "" when absent or null
  uint32_t U32(std::string_view k);
  int64_t Int(std::string_view k);
  int64_t OptInt(std::string_view k, int64_t otherwise);
  std::vector<int64_t> Ints(std::string_view k);  // an array of integers
  bool Bool(std::string_view k);
  bool OptBool(std::string_view k, bool otherwise);
  SecretString Secret(std::string_view k);                    // base64 decoded into wiping memory
  SecretString SecretText(std::string_view k);                // a string copied into wiping memory
  std::vector<SecretString> SecretTexts(std::string_view k);  // an array of those
  Answer Object(std::string_view k);                          // a nested object (required)
  std::vector<Answer> Objects(std::string_view k);            // an array of objects
  std::vector<std::string> Strings(std::string_view k);       // an array of strings
  // This object's {"error":{"code","message"}} as the Status it names.
  Status Error();

 private:
  Answer(std::shared_ptr<boost::json::value> root, const boost::json::object* o,
         std::shared_ptr<std::string> problem, std::string what)
      : root_(std::move(root)), o_(o), problem_(std::move(problem)), what_(std::move(what)) {}
  const boost::json::value* Field(std::string_view k, bool required);
  void Bad(std::string_view k, std::string_view why);

  std::shared_ptr<boost::json::value> root_;  // keeps the JSON alive for items
  const boost::json::object* o_;
  std::shared_ptr<std::string> problem_;  // shared with items: the first problem wins
  std::string what_;
};

// A key object (docs/api.md "Keys") from an answer (client_api.cc).
Result<KeyInfo> ReadKey(Answer& a);

}  // namespace keep::client
