// keep token create|list|lookup|revoke, keep policy write|read|list|delete,
// keep lockdown list|reinstate, keep audit verify|hash|public-key.
#include <iostream>
#include <sstream>

#include "audit/chain.h"
#include "cli/cli_internal.h"
#include "cli/reply.h"
#include "crypto/sign.h"

namespace keep::cli {
namespace {

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& e : v) out += (out.empty() ? "" : sep) + e;
  return out;
}

Status PrintToken(const json::value& v) {
  const Reply r(v, "token");
  TextOut out;
  if (r.Has("token")) out << "token:        " << r.View("token") << "\n";
  out << "accessor:     " << r.Text("accessor") << "\n"
      << "display name: " << r.Text("display_name") << "\n"
      << "policies:     " << Join(r.Strings("policies"), ", ") << "\n"
      << "parent:       " << r.Text("parent") << "\n"
      << "created:      " << r.Text("created_at") << "\n"
      << "expires:      " << (r.Has("expires_at") ? r.Text("expires_at") : "never") << "\n";
  return r.Print(out);
}

// Runs a request and prints its result: the JSON answer, or what `text` makes of it.
Status Do(Context& ctx, std::string_view method, const std::string& target, const json::value* body,
          const std::function<Status(const json::value&)>& text) {
  KEEP_ASSIGN_OR_RETURN(auto v, ctx.Call(method, target, body));
  if (ctx.globals().json()) {
    ctx.PrintJson(v);
    return Status::Ok();
  }
  return text ? text(v) : Status::Ok();
}

void AddTokenCommands(CLI::App& app, Context& ctx, int& rc) {
  auto* token = app.add_subcommand("token", "create, list, look up and revoke tokens");
  token->require_subcommand(1);
  struct CreateArgs {
    std::vector<std::string> policies;
    std::string ttl, name;
    bool orphan = false;
  };
  auto ca = std::make_shared<CreateArgs>();
  auto* create = token->add_subcommand(
      "create", "create a token (shown once) with some of your policies, as your child");
  create->add_option("-p,--policy", ca->policies, "a policy (repeatable); default: yours");
  create->add_option("--ttl", ca->ttl, "lifetime, e.g. 1h, 30d (never beyond yours)");
  create->add_option("--display-name", ca->name, "a name for audit and listings");
  create->add_flag("--orphan", ca->orphan, "no parent: survives the revocation of yours");
  Action(create, rc, [&ctx, ca]() -> Status {
    json::object body;
    if (!ca->policies.empty()) {
      json::array a;
      for (const auto& p : ca->policies) a.emplace_back(p);
      body["policies"] = std::move(a);
    }
    if (!ca->ttl.empty()) body["ttl"] = ca->ttl;
    if (!ca->name.empty()) body["display_name"] = ca->name;
    if (ca->orphan) body["orphan"] = true;
    json::value b = body;
    return Do(ctx, "POST", "/v1/auth/tokens", &b, PrintToken);
  });
  Action(token->add_subcommand("list", "list tokens (accessors, never the tokens)"), rc,
         [&ctx]() -> Status {
           return Do(ctx, "GET", "/v1/auth/tokens", nullptr, [](const json::value& v) {
             const Reply r(v, "token list");
             TextOut out;
             for (const auto& t : r.Objects("tokens")) {
               out << t.Text("accessor") << "  " << t.Text("display_name") << "  ["
                   << Join(t.Strings("policies"), ",") << "]  expires " << t.Text("expires_at")
                   << "\n";
             }
             return r.Print(out);
           });
         });
  auto accessor = std::make_shared<std::string>();
  auto* lookup = token->add_subcommand("lookup", "show a token by accessor (default: your own)");
  lookup->add_option("accessor", *accessor, "the token's accessor");
  Action(lookup, rc, [&ctx, accessor]() -> Status {
    const std::string target = "/v1/auth/tokens/" + (accessor->empty() ? "self" : *accessor);
    return Do(ctx, "GET", target, nullptr, PrintToken);
  });
  auto raccessor = std::make_shared<std::string>();
  auto self = std::make_shared<bool>(false);
  auto* revoke = token->add_subcommand("revoke", "revoke a token and every token it created");
  revoke->add_option("accessor", *raccessor, "the token's accessor");
  revoke->add_flag("--self", *self, "revoke the token you are using");
  Action(revoke, rc, [&ctx, raccessor, self]() -> Status {
    if (raccessor->empty() == !*self) return Usage("give an accessor or --self");
    const std::string target = "/v1/auth/tokens/" + (*self ? std::string("self") : *raccessor);
    return Do(ctx, "DELETE", target, nullptr, [](const json::value& v) {
      const Reply r(v, "token revoke");
      TextOut out;
      out << "revoked " << r.Int("revoked") << " token(s)\n";
      return r.Print(out);
    });
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
    json::value b = json::parse(text, ec);
    if (ec) return Usage(wa->file + " is not valid JSON");
    KEEP_RETURN_IF_ERROR(ctx.Call("PUT", "/v1/sys/policies/" + wa->name, &b).status());
    if (ctx.globals().json()) ctx.PrintJson(json::object{{"name", wa->name}, {"written", true}});
    return Status::Ok();
  });
  auto rname = std::make_shared<std::string>();
  auto* read = policy->add_subcommand("read", "show a policy");
  read->add_option("name", *rname, "policy name")->required();
  Action(read, rc, [&ctx, rname]() -> Status {
    KEEP_ASSIGN_OR_RETURN(auto v, ctx.Call("GET", "/v1/sys/policies/" + *rname));
    const Reply r(v, "policy read");
    r.Objects("rules");  // a policy, or a clear error
    KEEP_RETURN_IF_ERROR(r.status());
    ctx.PrintJson(v);
    return Status::Ok();
  });
  Action(policy->add_subcommand("list", "list policy names"), rc, [&ctx]() -> Status {
    return Do(ctx, "GET", "/v1/sys/policies", nullptr, [](const json::value& v) {
      const Reply r(v, "policy list");
      TextOut out;
      for (const auto& n : r.Strings("policies")) out << n << "\n";
      return r.Print(out);
    });
  });
  auto dname = std::make_shared<std::string>();
  auto* del = policy->add_subcommand("delete", "delete a policy (tokens naming it lose it)");
  del->add_option("name", *dname, "policy name")->required();
  Action(del, rc, [&ctx, dname]() -> Status {
    KEEP_RETURN_IF_ERROR(ctx.Call("DELETE", "/v1/sys/policies/" + *dname).status());
    if (ctx.globals().json()) ctx.PrintJson(json::object{{"name", *dname}, {"deleted", true}});
    return Status::Ok();
  });
}

void AddLockdownCommands(CLI::App& app, Context& ctx, int& rc) {
  auto* lockdown = app.add_subcommand("lockdown", "identities locked down for abusing decrypt");
  lockdown->require_subcommand(1);
  Action(lockdown->add_subcommand("list", "list locked identities"), rc, [&ctx]() -> Status {
    return Do(ctx, "GET", "/v1/sys/lockdown", nullptr, [](const json::value& v) {
      const Reply r(v, "lockdown list");
      TextOut out;
      for (const auto& l : r.Objects("identities")) {
        out << l.Text("identity") << "  " << l.Text("locked_at") << "  " << l.Text("reason")
            << "\n";
      }
      return r.Print(out);
    });
  });
  auto id = std::make_shared<std::string>();
  auto* reinstate = lockdown->add_subcommand("reinstate", "let a locked identity work again");
  reinstate->add_option("identity", *id, "e.g. token:0123456789abcdef or cert:billing")->required();
  Action(reinstate, rc, [&ctx, id]() -> Status {
    json::value b = json::object{{"identity", *id}};
    KEEP_RETURN_IF_ERROR(ctx.Call("POST", "/v1/sys/lockdown/reinstate", &b).status());
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
      auto v = ctx.Call("GET", "/v1/sys/audit/public-key");
      if (!v.ok()) {
        return Status(v.status().code(),
                      v.status().message() +
                          "\nkeep: give --public-key, or a server and a token with the audit "
                          "capability");
      }
      const Reply r(*v, "audit public-key");
      pem = r.Str("public_key");
      KEEP_RETURN_IF_ERROR(r.status());
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
    json::object body;
    if (!ha->context.empty()) {
      if (!ha->value.empty()) return Usage("give a value or --context, not both");
      KEEP_ASSIGN_OR_RETURN(body["context"], ParseContext(ha->context));
    } else {
      if (ha->value.empty()) return Usage("give a value or --context");
      body["input"] = ha->value;
    }
    json::value b = body;
    return Do(ctx, "POST", "/v1/sys/audit/hash", &b, [](const json::value& v) {
      const Reply r(v, "audit hash");
      TextOut out;
      out << r.Str("hmac") << "\n";
      return r.Print(out);
    });
  });
  auto out = std::make_shared<std::string>();
  auto* pk = audit->add_subcommand("public-key", "the checkpoint signing public key (PEM)");
  pk->add_option("--out", *out, "write it to this file");
  Action(pk, rc, [&ctx, out]() -> Status {
    KEEP_ASSIGN_OR_RETURN(OutputFile f, OpenOutput(ctx.globals().json() ? "" : *out, 0644));
    KEEP_ASSIGN_OR_RETURN(auto v, ctx.Call("GET", "/v1/sys/audit/public-key"));
    if (ctx.globals().json()) {
      ctx.PrintJson(v);
      return Status::Ok();
    }
    const Reply r(v, "audit public-key");
    const std::string pem = r.Str("public_key");
    KEEP_RETURN_IF_ERROR(r.status());
    return WriteAndCommit(f, pem);
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
