#include "http/response_head.h"

#include <array>
#include <boost/beast/http/status.hpp>
#include <string_view>
#include <utility>

namespace keep::http {
namespace {

bool SameName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

void FormatResponseHead(std::string& head, const HttpResponse& r, unsigned version,
                        bool keep_alive) {
  using Field = std::pair<std::string_view, std::string_view>;
  std::array<Field, 16> fields;
  size_t n = 0;
  auto set = [&](std::string_view k, std::string_view v) {
    if (k.empty() || k.find_first_of("\r\n:") != std::string_view::npos ||
        v.find_first_of("\r\n") != std::string_view::npos) {
      return;
    }
    size_t w = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!SameName(fields[i].first, k)) fields[w++] = fields[i];
    }
    n = w;
    if (n < fields.size()) fields[n++] = {k, v};
  };
  set("Server", "keep");
  set("Content-Type", r.content_type);
  set("Cache-Control", "no-store");
  for (const auto& [k, v] : r.headers) set(k, v);
  if (version >= 11 && !keep_alive) set("Connection", "close");
  if (version < 11 && keep_alive) set("Connection", "keep-alive");
  head.clear();
  head += version >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ";
  head += std::to_string(r.status);
  head += ' ';
  head += boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(r.status));
  head += "\r\n";
  for (size_t i = 0; i < n; ++i) {
    head += fields[i].first;
    head += ": ";
    head += fields[i].second;
    head += "\r\n";
  }
  if (!StatusHasNoBody(r.status)) {
    head += "Content-Length: ";
    head += std::to_string(r.body.size());
    head += "\r\n";
  }
  head += "\r\n";
}

}  // namespace keep::http
