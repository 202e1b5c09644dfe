// GET /ui and /ui/{file}: the web console (docs/console.md). Static files only: the
// console signs in with a token it keeps in memory and calls the same API as every other
// client, so it has no powers of its own. Every answer carries a strict
// Content-Security-Policy (no inline script or style, no eval, nothing from elsewhere,
// no framing) and the headers that go with it.
#include "http/api.h"
#include "http/api_internal.h"
#include "http/console_assets.h"

namespace keep::http {

namespace console {

const Asset* FindAsset(std::string_view name) {
  for (size_t i = 0; i < kAssetCount; ++i) {
    if (kAssets[i].name == name) return &kAssets[i];
  }
  return nullptr;
}

std::string_view ContentType(std::string_view name) {
  const auto ends = [&](std::string_view ext) {
    return name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

}  // namespace console

namespace {

void AddConsoleHeaders(HttpResponse& r) {
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'none'; script-src 'self'; style-src 'self'; "
                         "img-src 'self' data:; connect-src 'self'; form-action 'none'; "
                         "frame-ancestors 'none'; base-uri 'none'");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  r.headers.emplace_back("Cross-Origin-Resource-Policy", "same-origin");
  r.headers.emplace_back("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  r.headers.emplace_back("Cache-Control", "no-cache");
}

}  // namespace

HttpResponse Api::Console(Call& call) {
  const std::string_view name = call.param.empty() ? std::string_view("index.html") : call.param;
  const console::Asset* a = options_.console_enabled ? console::FindAsset(name) : nullptr;
  HttpResponse r;
  if (!options_.console_enabled) {
    r = Err(call, NotFound("the web console is disabled ([console] enabled = false)"));
  } else if (a == nullptr) {
    r = Err(call, NotFound("no such console file"));
  } else {
    r.status = 200;
    r.content_type = std::string(console::ContentType(name));
    r.body.assign(reinterpret_cast<const char*>(a->data), a->size);
  }
  AddConsoleHeaders(r);
  return r;
}

}  // namespace keep::http
