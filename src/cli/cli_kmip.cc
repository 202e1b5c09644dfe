// keep kmip list|show: the KMIP door's managed objects for operators (docs/operations.md,
// "Serving KMIP"), through libkeep's typed calls — attributes and states, never material.
#include <iostream>

#include "cli/cli_internal.h"

namespace keep::cli {
namespace {

json::object ObjectJson(const KmipObjectInfo& k) {
  json::object o{{"uid", k.uid},     {"type", k.type},   {"group", k.group},
                 {"owner", k.owner}, {"state", k.state}, {"names", StringsJson(k.names)}};
  if (!k.attributes.empty()) {
    json::array a;
    for (const auto& [name, value] : k.attributes) {
      a.push_back(json::object{{"name", name}, {"value", value}});
    }
    o["attributes"] = std::move(a);
  }
  return o;
}

}  // namespace

void AddKmipCommands(CLI::App& app, Context& ctx, int& rc) {
  auto* kmip = app.add_subcommand("kmip", "KMIP managed objects (what the KMIP door holds)");
  kmip->require_subcommand(1);
  auto after = std::make_shared<std::string>();
  auto limit = std::make_shared<int>(0);
  auto* list = kmip->add_subcommand("list", "list the objects you may read, in UID order");
  list->add_option("--after", *after, "start after this UID (the `next` of a previous page)");
  list->add_option("--limit", *limit, "at most this many (1-1000; default: all)")
      ->check(CLI::Range(1, 1000));
  Action(list, rc, [&ctx, after, limit]() -> Status {
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    std::vector<KmipObjectInfo> all;
    std::string cursor = *after, next;
    do {
      const int want = *limit > 0 ? *limit - static_cast<int>(all.size()) : 1000;
      auto page = client->ListKmipObjects(cursor, want, &next);
      KEEP_RETURN_IF_ERROR(ctx.Refused(page.status()));
      for (auto& k : *page) all.push_back(std::move(k));
      cursor = next;
    } while (!next.empty() && (*limit == 0 || static_cast<int>(all.size()) < *limit));
    if (ctx.globals().json()) {
      json::array a;
      for (const auto& k : all) a.push_back(ObjectJson(k));
      json::object o{{"objects", std::move(a)}};
      if (!next.empty()) o["next"] = next;
      ctx.PrintJson(o);
      return Status::Ok();
    }
    for (const auto& k : all) {
      std::cout << k.uid << "  " << k.type << "  " << k.state << "  group " << k.group;
      if (!k.names.empty()) std::cout << "  [" << Join(k.names, ",") << "]";
      std::cout << "\n";
    }
    if (!next.empty()) std::cout << "(more: keep kmip list --after " << next << ")\n";
    return Status::Ok();
  });
  auto uid = std::make_shared<std::string>();
  auto* show = kmip->add_subcommand("show", "one object's attributes and state");
  show->add_option("uid", *uid, "the object's Unique Identifier")->required();
  Action(show, rc, [&ctx, uid]() -> Status {
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    auto k = client->GetKmipObject(*uid);
    KEEP_RETURN_IF_ERROR(ctx.Refused(k.status()));
    if (ctx.globals().json()) {
      ctx.PrintJson(ObjectJson(*k));
      return Status::Ok();
    }
    std::cout << k->uid << "  " << k->type << "  " << k->state << "\n"
              << "  group: " << k->group << "  (policy resource kmip/" << k->group << "/" << k->uid
              << ")\n  owner: " << k->owner << "\n";
    for (const auto& [name, value] : k->attributes) {
      std::cout << "  " << name << ": " << value << "\n";
    }
    return Status::Ok();
  });
}

}  // namespace keep::cli
