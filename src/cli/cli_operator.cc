// keep status, keep operator init|unseal|seal|rotate
#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "cli/cli_internal.h"

namespace keep::cli {
namespace {

std::string PromptHidden(const char* prompt) {
  std::cerr << prompt << std::flush;
  termios old{};
  const bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
  }
  return line;
}

}  // namespace

void AddOperatorCommands(CLI::App& app, Context& ctx, int& rc) {
  auto* status = app.add_subcommand("status", "show whether the server is initialized and sealed");
  status->callback([&] {
    int code = 0;
    auto v = ctx.Call("GET", "/v1/sys/health", nullptr, &code);
    // Health answers 503/501 with a body when sealed or uninitialized: still a status.
    if (!v) {
      rc = 1;
      return;
    }
    if (ctx.globals().json()) return ctx.PrintJson(*v);
    const auto& o = v->as_object();
    std::cout << "initialized: " << json::serialize(o.at("initialized")) << "\n"
              << "sealed:      " << json::serialize(o.at("sealed")) << "\n"
              << "seal type:   " << o.at("seal_type").as_string().c_str() << "\n"
              << "version:     " << o.at("version").as_string().c_str() << "\n";
    if (const auto* id = o.if_contains("node_id"); id && id->is_string()) {
      std::cout << "node id:     " << id->as_string().c_str() << "\n";
    }
    if (const auto* r = o.if_contains("replication"); r && r->is_object()) {
      const auto& ro = r->as_object();
      std::cout << "replication: " << (ro.at("connected").as_bool() ? "connected" : "DISCONNECTED")
                << ", " << json::serialize(ro.at("lag_ms")) << " ms behind, "
                << json::serialize(ro.at("changes_applied")) << " changes applied\n";
    }
  });

  auto* op = app.add_subcommand("operator", "operator tasks: init, unseal, seal, rotate");
  op->require_subcommand(1);

  auto* init = op->add_subcommand("init", "initialize the server (once)");
  auto shares = std::make_shared<int>(0), threshold = std::make_shared<int>(0);
  init->add_option("--shares", *shares, "number of key shares")->check(CLI::Range(1, 255));
  init->add_option("--threshold", *threshold, "shares needed to unseal")->check(CLI::Range(1, 255));
  init->callback([&ctx, &rc, shares, threshold] {
    json::object body;
    if (*shares) body["shares"] = *shares;
    if (*threshold) body["threshold"] = *threshold;
    json::value b = body;
    auto v = ctx.Call("POST", "/v1/sys/init", &b);
    if (!v) {
      rc = 1;
      return;
    }
    if (ctx.globals().json()) return ctx.PrintJson(*v);
    const auto& o = v->as_object();
    int i = 1;
    for (const auto& s : o.at("shares").as_array())
      std::cout << "share " << i++ << ": " << s.as_string().c_str() << "\n";
    std::cout << "root token: " << o.at("root_token").as_string().c_str() << "\n"
              << "Store the root token safely; it is shown only once.\n";
  });

  auto* unseal =
      op->add_subcommand("unseal", "unseal the server (prompts for a share when needed)");
  auto share = std::make_shared<std::string>();
  auto reset = std::make_shared<bool>(false);
  unseal->add_option("share", *share, "an unseal key share");
  unseal->add_flag("--reset", *reset, "discard the shares entered so far");
  unseal->callback([&ctx, &rc, share, reset] {
    json::object body;
    if (*reset) {
      body["reset"] = true;
    } else if (!share->empty()) {
      body["share"] = *share;
    } else {
      int health_status = 0;
      auto h = ctx.Call("GET", "/v1/sys/health", nullptr, &health_status);
      const bool needs_share = h && h->is_object() && h->as_object().contains("seal_type") &&
                               h->as_object().at("seal_type").as_string() != "dev-file";
      if (needs_share) body["share"] = PromptHidden("Unseal share: ");
    }
    json::value b = body;
    auto v = ctx.Call("POST", "/v1/sys/unseal", &b);
    if (!v) {
      rc = 1;
      return;
    }
    if (ctx.globals().json()) return ctx.PrintJson(*v);
    const auto& o = v->as_object();
    std::cout << "sealed:   " << json::serialize(o.at("sealed")) << "\n"
              << "progress: " << json::serialize(o.at("progress")) << "/"
              << json::serialize(o.at("threshold")) << "\n";
  });

  op->add_subcommand("seal", "seal the server: wipe the root key and keys from memory")
      ->callback([&] {
        if (!ctx.Call("POST", "/v1/sys/seal")) {
          rc = 1;
          return;
        }
        if (!ctx.globals().json())
          std::cout << "sealed\n";
        else
          ctx.PrintJson(json::object{{"sealed", true}});
      });

  op->add_subcommand("rotate", "add a keyring term (new records use it)")->callback([&] {
    auto v = ctx.Call("POST", "/v1/sys/rotate");
    if (!v) {
      rc = 1;
      return;
    }
    if (ctx.globals().json()) return ctx.PrintJson(*v);
    std::cout << "keyring term: " << json::serialize(v->at("term")) << "\n";
  });
}

}  // namespace keep::cli
