// keep key create|list|show|rotate|set|delete|undelete
#include <cctype>
#include <iostream>
#include <sstream>

#include "cli/cli_internal.h"
#include "cli/reply.h"

namespace keep::cli {
namespace {

Status PrintKey(Context& ctx, const json::value& v, const char* what) {
  if (ctx.globals().json()) {
    ctx.PrintJson(v);
    return Status::Ok();
  }
  const Reply r(v, what);
  TextOut out;
  out << "name:                   " << r.Text("name") << "\n"
      << "id:                     " << r.Text("id") << "\n"
      << "type:                   " << r.Text("type") << "\n"
      << "state:                  " << r.Text("state") << "\n"
      << "description:            " << r.Text("description") << "\n"
      << "created:                " << r.Text("created_at") << "\n"
      << "latest version:         " << r.Text("latest_version") << "\n"
      << "min decryption version: " << r.Text("min_decryption_version") << "\n"
      << "min encryption version: " << r.Text("min_encryption_version") << "\n"
      << "auto-rotate period:     " << r.Text("auto_rotate_period") << "\n";
  if (r.Has("deletion_date")) {
    out << "deletion date:          " << r.Text("deletion_date") << "\n";
  }
  return r.Print(out);
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string KeyPath(const std::string& name, const char* suffix = "") {
  return "/v1/keys/" + UrlEncode(name) + suffix;
}

}  // namespace

void AddKeyCommands(CLI::App& app, Context& ctx, int& rc) {
  auto* key = app.add_subcommand("key", "manage named keys");
  key->require_subcommand(1);

  struct CreateArgs {
    std::string name, type = "aes256-gcm", description, auto_rotate;
  };
  auto ca = std::make_shared<CreateArgs>();
  auto* create = key->add_subcommand("create", "create a key");
  create->add_option("name", ca->name, "key name")->required();
  create->add_option("--type", ca->type, "key type")
      ->check(CLI::IsMember({"aes256-gcm", "chacha20-poly1305"}));
  create->add_option("--description", ca->description, "description");
  create->add_option("--auto-rotate", ca->auto_rotate, "rotate automatically, e.g. 90d");
  Action(create, rc, [&ctx, ca]() -> Status {
    json::object body{{"name", ca->name}, {"type", ca->type}};
    if (!ca->description.empty()) body["description"] = ca->description;
    if (!ca->auto_rotate.empty()) body["auto_rotate_period"] = ca->auto_rotate;
    json::value b = body;
    KEEP_ASSIGN_OR_RETURN(auto v, ctx.Call("POST", "/v1/keys", &b));
    return PrintKey(ctx, v, "key create");
  });

  auto prefix = std::make_shared<std::string>();
  auto* list = key->add_subcommand("list", "list key names");
  list->add_option("--prefix", *prefix, "only names starting with this");
  Action(list, rc, [&ctx, prefix]() -> Status {
    json::array all;
    std::string after;
    for (;;) {
      std::string target = "/v1/keys?limit=1000&prefix=" + UrlEncode(*prefix);
      if (!after.empty()) target += "&after=" + UrlEncode(after);
      KEEP_ASSIGN_OR_RETURN(auto v, ctx.Call("GET", target));
      const Reply r(v, "key list");
      for (auto& n : r.Strings("keys")) all.emplace_back(std::move(n));
      const auto next = r.OptStr("next");
      KEEP_RETURN_IF_ERROR(r.status());
      if (!next) break;
      after = *next;
    }
    if (ctx.globals().json()) {
      ctx.PrintJson(json::object{{"keys", all}});
    } else {
      for (const auto& n : all) std::cout << n.as_string().c_str() << "\n";
    }
    return Status::Ok();
  });

  auto name = std::make_shared<std::string>();
  auto simple = [&](const char* cmd, const char* help, const char* method, const char* suffix) {
    auto* sc = key->add_subcommand(cmd, help);
    sc->add_option("name", *name, "key name")->required();
    Action(sc, rc, [&ctx, name, method, suffix, cmd]() -> Status {
      KEEP_ASSIGN_OR_RETURN(auto v, ctx.Call(method, KeyPath(*name, suffix)));
      return PrintKey(ctx, v, cmd);
    });
  };
  simple("show", "show a key", "GET", "");
  simple("rotate", "add a new version and make it the latest", "POST", "/rotate");
  simple("undelete", "cancel a scheduled deletion (the key stays disabled)", "POST",
         "/cancel-deletion");

  struct SetArgs {
    int min_dec = 0, min_enc = -1;
    bool enable = false, disable = false;
    std::string auto_rotate, description;
  };
  auto sa = std::make_shared<SetArgs>();
  auto* set = key->add_subcommand("set", "change a key's settings");
  set->add_option("name", *name, "key name")->required();
  set->add_option("--min-decryption-version", sa->min_dec, "oldest version that may decrypt")
      ->check(CLI::PositiveNumber);
  set->add_option("--min-encryption-version", sa->min_enc,
                  "oldest version that may encrypt (0: any)")
      ->check(CLI::NonNegativeNumber);
  auto* en = set->add_flag("--enable", sa->enable, "enable the key");
  set->add_flag("--disable", sa->disable, "disable the key")->excludes(en);
  set->add_option("--auto-rotate", sa->auto_rotate, "rotation period, e.g. 90d (0: never)");
  set->add_option("--description", sa->description, "description");
  Action(set, rc, [&ctx, name, sa]() -> Status {
    json::object body;
    if (sa->min_dec) body["min_decryption_version"] = sa->min_dec;
    if (sa->min_enc >= 0) body["min_encryption_version"] = sa->min_enc;
    if (sa->enable) body["enabled"] = true;
    if (sa->disable) body["enabled"] = false;
    if (!sa->auto_rotate.empty()) body["auto_rotate_period"] = sa->auto_rotate;
    if (!sa->description.empty()) body["description"] = sa->description;
    if (body.empty()) return Usage("key set: nothing to change");
    json::value b = body;
    KEEP_ASSIGN_OR_RETURN(auto v, ctx.Call("PATCH", KeyPath(*name), &b));
    return PrintKey(ctx, v, "key set");
  });

  auto days = std::make_shared<int>(30);
  auto* del = key->add_subcommand("delete", "schedule a key for deletion (unusable at once)");
  del->add_option("name", *name, "key name")->required();
  del->add_option("--pending-days", *days, "days until the key is destroyed (7-365)")
      ->check(CLI::Range(7, 365));
  Action(del, rc, [&ctx, name, days]() -> Status {
    KEEP_ASSIGN_OR_RETURN(
        auto v, ctx.Call("DELETE", KeyPath(*name) + "?pending_days=" + std::to_string(*days)));
    return PrintKey(ctx, v, "key delete");
  });
}

}  // namespace keep::cli
