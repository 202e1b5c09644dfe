// The web console's files (ui/), compiled into keepd by cmake/embed_assets.cmake: served
// at /ui/ from memory, with no files beside the binary and nothing fetched at run time.
// Immutable data; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace keep::http::console {

struct Asset {
  std::string_view name;  // "index.html", "console.js", …
  const unsigned char* data;
  size_t size;
};

extern const Asset kAssets[];
extern const size_t kAssetCount;

// The file called `name`, or nullptr.
const Asset* FindAsset(std::string_view name);
// Its media type from its extension (text/html, text/javascript, text/css, image/svg+xml,
// else application/octet-stream).
std::string_view ContentType(std::string_view name);

}  // namespace keep::http::console
