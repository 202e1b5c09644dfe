// keep token create|list|lookup|revoke, keep policy write|read|list|delete,
// keep lockdown list|reinstate, keep audit verify|hash|public-key.
#include <iostream>
#include <sstream>

#include "audit/chain.h"
#include "cli/cli_internal.h"
#include "common/wiping_json.h"
#include "crypto/sign.h"

namespace keep::cli {
namespace {

// A token as the API answers it (docs/api.md, "Tokens"), for --format json; the token
// itself (create only) on wiping storage.
json::object TokenJson(const TokenInfo& t) {
  json::object o(WipingJsonStorage());
  if (t.token) o["token"] = json::string_view(t.token->data(), t.token->size());
  o["accessor"] = t.accessor;
  o["display_name"] = t.display_name;
  o["policies"] = StringsJson(t.policies);
  o["parent"] = t.parent;
  o["created_at"] = t.created_at;
  if (t.expires_at) {
    o["expires_at"] = *t.expires_at;
  } else {
    o["expires_at"] = nullptr;
  }
  return o;
}

Status PrintToken(Context& ctx, const Result<TokenInfo>& t) {
  KEEP_RETURN_IF_ERROR(ctx.Refused(t.status()));
  if (ctx.globals().json()) {
    ctx.PrintJson(TokenJson(*t));
    return Status::Ok();
  }
  TextOut out;
  if (t->token) out << "token:        " << t->token->view() << "\n";
  out << "accessor:     " << t->accessor << "\n"
      << "display name: " << t->display_name << "\n"
      << "policies:     " << Join(t->policies, ", ") << "\n"
      << "parent:       " << (t->parent.empty() ? "-" : t->parent) << "\n"
      << "created:      " << t->created_at << "\n"
      << "expires:      " << t->expires_at.value_or("never") << "\n";
  std::cout << out.view();
  return Status::Ok();
}

json::object PolicyJson(const Policy& p) {
  json::array rules;
  for (const auto& r : p.rules) {
    rules.push_back(json::object{{"keys", r.keys}, {"capabilities", StringsJson(r.capabilities)}});
  }
  json::object o{{"name", p.name}, {"rules", std::move(rules)}, {"system", StringsJson(p.system)}};
  if (!p.assignable_policies.empty()) {
    o["assignable_policies"] = StringsJson(p.assignable_policies);
  }
  return o;
}

void AddTokenCommands(CLI::App& app, Context& ctx, int& rc) {
  auto* token = app.add_subcommand("token", "create, list, look up and revoke tokens");
  token->require_subcommand(1);
  auto ca = std::make_shared<NewToken>();
  auto* create = token->add_subcommand(
      "create", "create a token (shown once) with some of your policies, as your child");
  create->add_option("-p,--policy", ca->policies, "a policy (repeatable); default: yours");
  create->add_option("--ttl", ca->ttl, "lifetime, e.g. 1h, 30d (never beyond yours)");
  create->add_option("--display-name", ca->display_name, "a name for audit and listings");
  create->add_flag("--orphan", ca->orphan, "no parent: survives the revocation of yours");
  Action(create, rc, [&ctx, ca]() -> Status {
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    return PrintToken(ctx, client->CreateToken(*ca));
  });
  Action(token->add_subcommand("list", "list tokens (accessors, never the tokens)"), rc,
         [&ctx]() -> Status {
           KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
           auto tokens = client->ListTokens();
           KEEP_RETURN_IF_ERROR(ctx.Refused(tokens.status()));
           if (ctx.globals().json()) {
             json::array a;
             for (const auto& t : *tokens) a.push_back(TokenJson(t));
             ctx.PrintJson(json::object{{"tokens", std::move(a)}});
             return Status::Ok();
           }
           TextOut out;
           for (const auto& t : *tokens) {
             out << t.accessor << "  " << t.display_name << "  [" << Join(t.policies, ",")
                 << "]  expires " << t.expires_at.value_or("never") << "\n";
           }
           std::cout << out.view();
           return Status::Ok();
         });
  auto accessor = std::make_shared<std::string>();
  auto* lookup = token->add_subcommand("lookup", "show a token by accessor (default: your own)");
  lookup->add_option("accessor", *accessor, "the token's accessor");
  Action(lookup, rc, [&ctx, accessor]() -> Status {
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    return PrintToken(ctx, client->LookupToken(*accessor));
  });
  auto raccessor = std::make_shared<std::string>();
  auto self = std::make_shared<bool>(false);
  auto* revoke = token->add_subcommand("revoke", "revoke a token and every token it created");
  revoke->add_option("accessor", *raccessor, "the token's accessor");
  revoke->add_flag("--self", *self, "revoke the token you are using");
  Action(revoke, rc, [&ctx, raccessor, self]() -> Status {
    if (raccessor->empty() == !*self) return Usage("give an accessor or --self");
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    auto n = client->RevokeToken(*self ? "" : *raccessor);
    KEEP_RETURN_IF_ERROR(ctx.Refused(n.status()));
    if (ctx.globals().json()) {
      ctx.PrintJson(json::object{{"revoked", *n}});
    } else {
      std::cout << "revoked " << *n << " token(s)\n";
    }
    return Status::Ok();
  });
}

void AddPolicyCommands(CLI::App& app, Context& ctx, int& rc) {
  auto* policy = app.add_subcommand("policy", "write, read, list and delete policies");
  policy->require_subcommand(1);
  struct WriteArgs {
    std::string name, file;
  };
  auto wa = std::make_shared<WriteArgs>();
  auto* write = policy->add_subcommand("write", "create or replace a policy from a JSON file");
  write->add_option("name", wa->name, "policy name")->required();
  write->add_option("file", wa->file, "JSON file ('-' for stdin)")->required();
  Action(write, rc, [&ctx, wa]() -> Status {
    KEEP_ASSIGN_OR_RETURN(const std::string text, ReadInput(wa->file));
    boost::system::error_code ec;
    (void)json::parse(text, ec);
    if (ec) return Usage(wa->file + " is not valid JSON");
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    // The document as written: keepd reads it strictly and names what is wrong.
    KEEP_RETURN_IF_ERROR(ctx.Refused(client->PutPolicyDocument(wa->name, text)));
    if (ctx.globals().json()) ctx.PrintJson(json::object{{"name", wa->name}, {"written", true}});
    return Status::Ok();
  });
  auto rname = std::make_shared<std::string>();
  auto* read = policy->add_subcommand("read", "show a policy");
  read->add_option("name", *rname, "policy name")->required();
  Action(read, rc, [&ctx, rname]() -> Status {
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    auto p = client->GetPolicy(*rname);
    KEEP_RETURN_IF_ERROR(ctx.Refused(p.status()));
    ctx.PrintJson(PolicyJson(*p));
    return Status::Ok();
  });
  Action(policy->add_subcommand("list", "list policy names"), rc, [&ctx]() -> Status {
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    auto names = client->ListPolicies();
    KEEP_RETURN_IF_ERROR(ctx.Refused(names.status()));
    if (ctx.globals().json()) {
      ctx.PrintJson(json::object{{"policies", StringsJson(*names)}});
      return Status::Ok();
    }
    for (const auto& n : *names) std::cout << n << "\n";
    return Status::Ok();
  });
  auto dname = std::make_shared<std::string>();
  auto* del = policy->add_subcommand("delete", "delete a policy (tokens naming it lose it)");
  del->add_option("name", *dname, "policy name")->required();
  Action(del, rc, [&ctx, dname]() -> Status {
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    KEEP_RETURN_IF_ERROR(ctx.Refused(client->DeletePolicy(*dname)));
    if (ctx.globals().json()) ctx.PrintJson(json::object{{"name", *dname}, {"deleted", true}});
    return Status::Ok();
  });
}

void AddLockdownCommands(CLI::App& app, Context& ctx, int& rc) {
  auto* lockdown = app.add_subcommand("lockdown", "identities locked down for abusing decrypt");
  lockdown->require_subcommand(1);
  Action(lockdown->add_subcommand("list", "list locked identities"), rc, [&ctx]() -> Status {
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    auto locked = client->ListLockdowns();
    KEEP_RETURN_IF_ERROR(ctx.Refused(locked.status()));
    if (ctx.globals().json()) {
      json::array a;
      for (const auto& l : *locked) {
        a.push_back(json::object{
            {"identity", l.identity}, {"reason", l.reason}, {"locked_at", l.locked_at}});
      }
      ctx.PrintJson(json::object{{"identities", std::move(a)}});
      return Status::Ok();
    }
    for (const auto& l : *locked) {
      std::cout << l.identity << "  " << l.locked_at << "  " << l.reason << "\n";
    }
    return Status::Ok();
  });
  auto id = std::make_shared<std::string>();
  auto* reinstate = lockdown->add_subcommand("reinstate", "let a locked identity work again");
  reinstate->add_option("identity", *id, "e.g. token:0123456789abcdef or cert:billing")->required();
  Action(reinstate, rc, [&ctx, id]() -> Status {
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    KEEP_RETURN_IF_ERROR(ctx.Refused(client->Reinstate(*id)));
    if (ctx.globals().json()) ctx.PrintJson(json::object{{"identity", *id}, {"reinstated", true}});
    return Status::Ok();
  });
}

void AddAuditCommands(CLI::App& app, Context& ctx, int& rc) {
  auto* audit = app.add_subcommand("audit", "verify the audit trail, look records up");
  audit->require_subcommand(1);
  struct VerifyArgs {
    std::vector<std::string> files;
    std::string public_key;
    bool live = false;
  };
  auto va = std::make_shared<VerifyArgs>();
  auto* verify = audit->add_subcommand(
      "verify", "check the hash chain and checkpoint signatures of trail files (oldest first)");
  verify->add_option("files", va->files, "trail files, rotated ones first")->required();
  verify->add_option("--public-key", va->public_key,
                     "the checkpoint public key (PEM); default: fetched from the server");
  verify->add_flag("--live", va->live, "the last file is still being written");
  Action(verify, rc, [&ctx, va]() -> Status {
    audit::VerifyOptions opt;
    opt.live = va->live;
    std::string pem;
    if (!va->public_key.empty()) {
      KEEP_ASSIGN_OR_RETURN(pem, ReadInput(va->public_key));
    } else {
      KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
      auto fetched = client->AuditPublicKey();
      if (Status st = ctx.Refused(fetched.status()); !st.ok()) {
        return Status(st.code(), st.message() +
                                     "\nkeep: give --public-key, or a server and a token with "
                                     "the audit capability");
      }
      pem = *fetched;
    }
    auto key = crypto::ParseEd25519PublicKeyPem(pem);
    if (!key.ok()) return Usage("the public key: " + key.status().message());
    opt.public_key = *key;
    const audit::VerifyReport r = audit::VerifyTrail(va->files, opt);
    if (ctx.globals().json()) {
      json::array notes;
      for (const auto& n : r.notes) notes.emplace_back(n);
      json::object o{{"ok", r.ok},
                     {"records", r.records},
                     {"checkpoints", r.checkpoints},
                     {"first_seq", r.first_seq},
                     {"last_seq", r.last_seq},
                     {"unsigned_tail", r.unsigned_tail},
                     {"notes", std::move(notes)}};
      if (!r.ok) {
        o["file"] = r.file;
        o["line"] = r.line;
        o["error"] = r.error;
      }
      ctx.PrintJson(o);
    } else if (r.ok) {
      std::cout << "ok: " << r.records << " records (seq " << r.first_seq << "–" << r.last_seq
                << "), " << r.checkpoints << " signed checkpoint"
                << (r.checkpoints == 1 ? "" : "s");
      if (r.unsigned_tail) std::cout << ", " << r.unsigned_tail << " records after the last one";
      std::cout << "\n";
      for (const auto& n : r.notes) std::cout << "note: " << n << "\n";
    }
    if (!r.ok) {
      return Status(Code::kDataLoss, "audit trail INVALID at " + r.file + ":" +
                                         std::to_string(r.line) + ": " + r.error);
    }
    return Status::Ok();
  });

  struct HashArgs {
    std::string value;
    std::vector<std::string> context;
  };
  auto ha = std::make_shared<HashArgs>();
  auto* hash = audit->add_subcommand(
      "hash", "the HMAC the trail records for a value (a token id) or a context, to search it");
  hash->add_option("value", ha->value, "e.g. token:0123456789abcdef");
  hash->add_option("--context", ha->context, "KEY=VALUE (repeatable) instead of a value");
  Action(hash, rc, [&ctx, ha]() -> Status {
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    Result<std::string> h = std::string();
    if (!ha->context.empty()) {
      if (!ha->value.empty()) return Usage("give a value or --context, not both");
      KEEP_ASSIGN_OR_RETURN(const EncryptionContext c, ParseContextMap(ha->context));
      h = client->AuditHashContext(c);
    } else {
      if (ha->value.empty()) return Usage("give a value or --context");
      h = client->AuditHash(ha->value);
    }
    KEEP_RETURN_IF_ERROR(ctx.Refused(h.status()));
    if (ctx.globals().json()) {
      ctx.PrintJson(json::object{{"hmac", *h}});
    } else {
      std::cout << *h << "\n";
    }
    return Status::Ok();
  });
  auto out = std::make_shared<std::string>();
  auto* pk = audit->add_subcommand("public-key", "the checkpoint signing public key (PEM)");
  pk->add_option("--out", *out, "write it to this file");
  Action(pk, rc, [&ctx, out]() -> Status {
    KEEP_ASSIGN_OR_RETURN(OutputFile f, OpenOutput(ctx.globals().json() ? "" : *out, 0644));
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    auto pem = client->AuditPublicKey();
    KEEP_RETURN_IF_ERROR(ctx.Refused(pem.status()));
    if (ctx.globals().json()) {
      ctx.PrintJson(json::object{{"public_key", *pem}});
      return Status::Ok();
    }
    return WriteAndCommit(f, *pem);
  });
}

}  // namespace

void AddAccessCommands(CLI::App& app, Context& ctx, int& rc) {
  AddTokenCommands(app, ctx, rc);
  AddPolicyCommands(app, ctx, rc);
  AddLockdownCommands(app, ctx, rc);
  AddAuditCommands(app, ctx, rc);
}

}  // namespace keep::cli
