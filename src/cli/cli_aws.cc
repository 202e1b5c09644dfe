// keep aws-key create|list|revoke: the AWS KMS door's credentials (docs/api.md, "AWS
// access keys"), through libkeep's typed calls.
#include <iostream>

#include "cli/cli_internal.h"
#include "common/wiping_json.h"

namespace keep::cli {

void AddAwsKeyCommands(CLI::App& app, Context& ctx, int& rc) {
  auto* aws = app.add_subcommand("aws-key", "AWS access keys for AWS SDKs and the AWS CLI");
  aws->require_subcommand(1);
  auto req = std::make_shared<NewToken>();
  auto* create = aws->add_subcommand(
      "create",
      "create an access key (the secret is shown once) with some of your policies; prints "
      "AWS_ACCESS_KEY_ID=… and AWS_SECRET_ACCESS_KEY=… for eval");
  create->add_option("-p,--policy", req->policies, "a policy (repeatable); default: yours");
  create->add_option("--ttl", req->ttl, "lifetime, e.g. 1h, 30d (never beyond yours)");
  create->add_option("--display-name", req->display_name, "a name for audit and listings");
  Action(create, rc, [&ctx, req]() -> Status {
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    auto k = client->CreateAwsKey(*req);
    KEEP_RETURN_IF_ERROR(ctx.Refused(k.status()));
    if (ctx.globals().json()) {
      json::object o(WipingJsonStorage());
      o["access_key_id"] = k->access_key_id;
      o["secret_access_key"] =
          json::string_view(k->secret_access_key->data(), k->secret_access_key->size());
      o["display_name"] = k->display_name;
      o["policies"] = StringsJson(k->policies);
      o["expires_at"] = k->expires_at ? json::value(*k->expires_at) : json::value(nullptr);
      ctx.PrintJson(o);
      return Status::Ok();
    }
    TextOut out;
    out << "AWS_ACCESS_KEY_ID=" << k->access_key_id << "\n"
        << "AWS_SECRET_ACCESS_KEY=" << k->secret_access_key->view() << "\n";
    std::cout << out.view();
    return Status::Ok();
  });
  Action(aws->add_subcommand("list", "list access keys (ids, never the secrets)"), rc,
         [&ctx]() -> Status {
           KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
           auto keys = client->ListAwsKeys();
           KEEP_RETURN_IF_ERROR(ctx.Refused(keys.status()));
           if (ctx.globals().json()) {
             json::array a;
             for (const auto& k : *keys) {
               a.push_back(json::object{
                   {"access_key_id", k.access_key_id},
                   {"display_name", k.display_name},
                   {"policies", StringsJson(k.policies)},
                   {"creator", k.creator},
                   {"created_at", k.created_at},
                   {"expires_at", k.expires_at ? json::value(*k.expires_at) : nullptr}});
             }
             ctx.PrintJson(json::object{{"aws_keys", std::move(a)}});
             return Status::Ok();
           }
           for (const auto& k : *keys) {
             std::cout << k.access_key_id << "  " << k.display_name << "  ["
                       << Join(k.policies, ",") << "]  by " << k.creator << "  expires "
                       << k.expires_at.value_or("never") << "\n";
           }
           return Status::Ok();
         });
  auto id = std::make_shared<std::string>();
  auto* revoke =
      aws->add_subcommand("revoke", "revoke an access key (its signatures stop working)");
  revoke->add_option("id", *id, "the access key id")->required();
  Action(revoke, rc, [&ctx, id]() -> Status {
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    KEEP_RETURN_IF_ERROR(ctx.Refused(client->RevokeAwsKey(*id)));
    if (ctx.globals().json()) {
      ctx.PrintJson(json::object{{"access_key_id", *id}, {"revoked", true}});
    } else {
      std::cout << "revoked " << *id << "\n";
    }
    return Status::Ok();
  });
}

}  // namespace keep::cli
