#include "common/json_keys.h"

#include <boost/json/basic_parser_impl.hpp>
#include <set>
#include <string>
#include <vector>

namespace keep {
namespace {

namespace json = boost::json;

struct DuplicateKeyCheck {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  std::vector<std::set<std::string, std::less<>>> objects;
  std::string key;
  bool duplicate = false;

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) {
    objects.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, boost::system::error_code&) {
    objects.pop_back();
    return true;
  }
  bool on_array_begin(boost::system::error_code&) { return true; }
  bool on_array_end(std::size_t, boost::system::error_code&) { return true; }
  bool on_key_part(json::string_view s, std::size_t, boost::system::error_code&) {
    key.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, boost::system::error_code& ec) {
    key.append(s.data(), s.size());
    const bool inserted = objects.back().insert(std::move(key)).second;
    key.clear();
    if (!inserted) {
      duplicate = true;
      ec = json::error::syntax;  // stop the pass
      return false;
    }
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, boost::system::error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, boost::system::error_code&) { return true; }
  bool on_number_part(json::string_view, boost::system::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, boost::system::error_code&) { return true; }
  bool on_uint64(std::uint64_t, json::string_view, boost::system::error_code&) { return true; }
  bool on_double(double, json::string_view, boost::system::error_code&) { return true; }
  bool on_bool(bool, boost::system::error_code&) { return true; }
  bool on_null(boost::system::error_code&) { return true; }
  bool on_comment_part(json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(json::string_view, boost::system::error_code&) { return true; }
};

}  // namespace

JsonKeys CheckJsonKeys(std::string_view text, std::size_t max_depth) {
  json::parse_options opt;
  opt.max_depth = max_depth;
  json::basic_parser<DuplicateKeyCheck> check(opt);
  boost::system::error_code ec;
  check.write_some(false, text.data(), text.size(), ec);
  if (check.handler().duplicate) return JsonKeys::kDuplicate;
  return ec ? JsonKeys::kNotJson : JsonKeys::kUnique;
}

}  // namespace keep
