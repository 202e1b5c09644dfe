// keep key create|list|show|rotate|set|delete|undelete|public — through libkeep's typed calls.
#include <iostream>

#include "cli/cli_internal.h"

namespace keep::cli {
namespace {

// The key as the API answers it (docs/api.md, "Keys"), for --format json.
json::object KeyJson(const KeyInfo& k) {
  json::array versions;
  for (const auto& v : k.versions) {
    versions.push_back(
        json::object{{"version", v.version}, {"created_at", v.created_at}, {"origin", v.origin}});
  }
  json::object o{{"name", k.name},
                 {"id", k.id},
                 {"type", k.type},
                 {"purpose", k.purpose},
                 {"description", k.description},
                 {"created_at", k.created_at},
                 {"state", k.state},
                 {"latest_version", k.latest_version},
                 {"min_decryption_version", k.min_decryption_version},
                 {"min_encryption_version", k.min_encryption_version},
                 {"auto_rotate_period", k.auto_rotate_period},
                 {"versions", std::move(versions)}};
  if (k.deletion_date) {
    o["deletion_date"] = *k.deletion_date;
  } else {
    o["deletion_date"] = nullptr;
  }
  if (!k.peer.empty()) o["peer"] = k.peer;
  return o;
}

Status PrintKey(Context& ctx, const Result<KeyInfo>& k) {
  KEEP_RETURN_IF_ERROR(ctx.Refused(k.status()));
  if (ctx.globals().json()) {
    ctx.PrintJson(KeyJson(*k));
    return Status::Ok();
  }
  TextOut out;
  out << "name:                   " << k->name << "\n"
      << "id:                     " << k->id << "\n"
      << "type:                   " << k->type << "\n"
      << "purpose:                " << k->purpose << "\n"
      << "state:                  " << k->state << "\n"
      << "description:            " << k->description << "\n"
      << "created:                " << k->created_at << "\n"
      << "latest version:         " << k->latest_version << "\n"
      << "min decryption version: " << k->min_decryption_version << "\n"
      << "min encryption version: " << k->min_encryption_version << "\n"
      << "auto-rotate period:     " << k->auto_rotate_period << "\n";
  if (k->deletion_date) out << "deletion date:          " << *k->deletion_date << "\n";
  if (!k->peer.empty()) out << "peer:                   " << k->peer << "\n";
  std::cout << out.view();
  return Status::Ok();
}

}  // namespace

void AddKeyCommands(CLI::App& app, Context& ctx, int& rc) {
  auto* key = app.add_subcommand("key", "manage named keys");
  key->require_subcommand(1);

  struct CreateArgs {
    std::string name, type = "aes256-gcm", purpose, description, auto_rotate, peer;
  };
  auto ca = std::make_shared<CreateArgs>();
  auto* create = key->add_subcommand("create", "create a key");
  create->add_option("name", ca->name, "key name")->required();
  create->add_option("--type", ca->type, "key type (docs/api.md \"Key types\")")
      ->check(CLI::IsMember({"aes256-gcm", "chacha20-poly1305", "rsa-2048", "rsa-3072", "rsa-4096",
                             "ecdsa-p256", "ecdsa-p384", "ed25519", "x25519", "hmac-sha256",
                             "hmac-sha384", "hmac-sha512", "split-p256"}));
  create->add_option("--purpose", ca->purpose, "encrypt or sign (RSA keys: required)")
      ->check(CLI::IsMember({"encrypt", "sign", "mac"}));
  create->add_option("--description", ca->description, "description");
  create->add_option("--auto-rotate", ca->auto_rotate, "rotate automatically, e.g. 90d");
  create->add_option("--peer", ca->peer,
                     "split-p256: the peer deployment holding the other share ([[peers]] name)");
  Action(create, rc, [&ctx, ca]() -> Status {
    KEEP_ASSIGN_OR_RETURN(Client * c, ctx.client());
    return PrintKey(ctx, c->CreateKey({ca->name, ca->type, ca->description, ca->auto_rotate,
                                       ca->purpose, ca->peer}));
  });

  auto prefix = std::make_shared<std::string>();
  auto* list = key->add_subcommand("list", "list key names");
  list->add_option("--prefix", *prefix, "only names starting with this");
  Action(list, rc, [&ctx, prefix]() -> Status {
    KEEP_ASSIGN_OR_RETURN(Client * c, ctx.client());
    json::array all;
    std::string after;
    do {
      auto page = c->ListKeys(*prefix, after, 1000);
      KEEP_RETURN_IF_ERROR(ctx.Refused(page.status()));
      for (auto& n : page->keys) all.emplace_back(n);
      after = page->next;
    } while (!after.empty());
    if (ctx.globals().json()) {
      ctx.PrintJson(json::object{{"keys", all}});
    } else {
      for (const auto& n : all) std::cout << n.as_string().c_str() << "\n";
    }
    return Status::Ok();
  });

  auto name = std::make_shared<std::string>();
  using Call = Result<KeyInfo> (Client::*)(std::string_view, CallOptions);
  auto simple = [&](const char* cmd, const char* help, Call call) {
    auto* sc = key->add_subcommand(cmd, help);
    sc->add_option("name", *name, "key name")->required();
    Action(sc, rc, [&ctx, name, call]() -> Status {
      KEEP_ASSIGN_OR_RETURN(Client * c, ctx.client());
      return PrintKey(ctx, (c->*call)(*name, CallOptions{}));
    });
  };
  simple("show", "show a key", &Client::GetKey);
  simple("rotate", "add a new version and make it the latest", &Client::RotateKey);
  simple("undelete", "cancel a scheduled deletion (the key stays disabled)", &Client::UndeleteKey);

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
    KeyChanges ch;
    if (sa->min_dec) ch.min_decryption_version = static_cast<uint32_t>(sa->min_dec);
    if (sa->min_enc >= 0) ch.min_encryption_version = static_cast<uint32_t>(sa->min_enc);
    if (sa->enable) ch.enabled = true;
    if (sa->disable) ch.enabled = false;
    if (!sa->auto_rotate.empty()) ch.auto_rotate_period = sa->auto_rotate;
    if (!sa->description.empty()) ch.description = sa->description;
    if (!ch.min_decryption_version && !ch.min_encryption_version && !ch.enabled &&
        !ch.auto_rotate_period && !ch.description) {
      return Usage("key set: nothing to change");
    }
    KEEP_ASSIGN_OR_RETURN(Client * c, ctx.client());
    return PrintKey(ctx, c->UpdateKey(*name, ch));
  });

  auto days = std::make_shared<int>(30);
  auto* del = key->add_subcommand("delete", "schedule a key for deletion (unusable at once)");
  del->add_option("name", *name, "key name")->required();
  del->add_option("--pending-days", *days, "days until the key is destroyed (7-365)")
      ->check(CLI::Range(7, 365));
  Action(del, rc, [&ctx, name, days]() -> Status {
    KEEP_ASSIGN_OR_RETURN(Client * c, ctx.client());
    return PrintKey(ctx, c->DeleteKey(*name, *days));
  });
  AddSignCommands(app, *key, ctx, rc);
}

}  // namespace keep::cli
