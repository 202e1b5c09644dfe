// keep token create|list|lookup|revoke, keep policy write|read|list|delete,
// keep lockdown list|reinstate, keep audit verify|hash|public-key.
#include <iostream>

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

void PrintToken(Context& ctx, const json::value& v) {
  if (ctx.globals().json()) return ctx.PrintJson(v);
  const Reply r(v, "token");
  if (auto t = r.OptStr("token")) std::cout << "token:        " << *t << "\n";
  std::cout << "accessor:     " << r.Text("accessor") << "\n"
            << "display name: " << r.Text("display_name") << "\n"
            << "policies:     " << Join(r.Strings("policies"), ", ") << "\n"
            << "parent:       " << r.Text("parent") << "\n"
            << "created:      " << r.Text("created_at") << "\n"
            << "expires:      " << (r.Has("expires_at") ? r.Text("expires_at") : "never") << "\n";
}

// Runs a request and prints its result (JSON, or via `text`); sets rc on failure.
void Do(Context& ctx, int& rc, std::string_view method, const std::string& target,
        const json::value* body, const std::function<void(const json::value&)>& text) {
  auto v = ctx.Call(method, target, body);
  if (!v) {
    rc = 1;
    return;
  }
  if (ctx.globals().json()) return ctx.PrintJson(*v);
  if (text) text(*v);
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
  create->callback([&ctx, &rc, ca] {
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
    Do(ctx, rc, "POST", "/v1/auth/tokens", &b,
       [&ctx](const json::value& v) { PrintToken(ctx, v); });
  });
  token->add_subcommand("list", "list tokens (accessors, never the tokens)")->callback([&ctx, &rc] {
    Do(ctx, rc, "GET", "/v1/auth/tokens", nullptr, [](const json::value& v) {
      for (const auto& t : Reply(v, "token list").Objects("tokens")) {
        std::cout << t.Text("accessor") << "  " << t.Text("display_name") << "  ["
                  << Join(t.Strings("policies"), ",") << "]  expires " << t.Text("expires_at")
                  << "\n";
      }
    });
  });
  auto accessor = std::make_shared<std::string>();
  auto* lookup = token->add_subcommand("lookup", "show a token by accessor (default: your own)");
  lookup->add_option("accessor", *accessor, "the token's accessor");
  lookup->callback([&ctx, &rc, accessor] {
    const std::string target = "/v1/auth/tokens/" + (accessor->empty() ? "self" : *accessor);
    Do(ctx, rc, "GET", target, nullptr, [&ctx](const json::value& v) { PrintToken(ctx, v); });
  });
  auto raccessor = std::make_shared<std::string>();
  auto self = std::make_shared<bool>(false);
  auto* revoke = token->add_subcommand("revoke", "revoke a token and every token it created");
  revoke->add_option("accessor", *raccessor, "the token's accessor");
  revoke->add_flag("--self", *self, "revoke the token you are using");
  revoke->callback([&ctx, &rc, raccessor, self] {
    if (raccessor->empty() == !*self) throw UsageError{"give an accessor or --self"};
    const std::string target = "/v1/auth/tokens/" + (*self ? std::string("self") : *raccessor);
    Do(ctx, rc, "DELETE", target, nullptr, [](const json::value& v) {
      std::cout << "revoked " << Reply(v, "token revoke").Int("revoked") << " token(s)\n";
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
  write->callback([&ctx, &rc, wa] {
    const std::string text = ReadInput(wa->file);
    boost::system::error_code ec;
    json::value b = json::parse(text, ec);
    if (ec) throw UsageError{wa->file + " is not valid JSON"};
    auto v = ctx.Call("PUT", "/v1/sys/policies/" + wa->name, &b);
    if (!v) {
      rc = 1;
    } else if (ctx.globals().json()) {
      ctx.PrintJson(json::object{{"name", wa->name}, {"written", true}});
    }
  });
  auto rname = std::make_shared<std::string>();
  auto* read = policy->add_subcommand("read", "show a policy");
  read->add_option("name", *rname, "policy name")->required();
  read->callback([&ctx, &rc, rname] {
    auto v = ctx.Call("GET", "/v1/sys/policies/" + *rname);
    if (!v) {
      rc = 1;
      return;
    }
    Reply(*v, "policy read").Objects("rules");  // a policy, or a clear error
    ctx.PrintJson(*v);
  });
  policy->add_subcommand("list", "list policy names")->callback([&ctx, &rc] {
    Do(ctx, rc, "GET", "/v1/sys/policies", nullptr, [](const json::value& v) {
      for (const auto& n : Reply(v, "policy list").Strings("policies")) std::cout << n << "\n";
    });
  });
  auto dname = std::make_shared<std::string>();
  auto* del = policy->add_subcommand("delete", "delete a policy (tokens naming it lose it)");
  del->add_option("name", *dname, "policy name")->required();
  del->callback([&ctx, &rc, dname] {
    if (!ctx.Call("DELETE", "/v1/sys/policies/" + *dname)) {
      rc = 1;
    } else if (ctx.globals().json()) {
      ctx.PrintJson(json::object{{"name", *dname}, {"deleted", true}});
    }
  });
}

void AddLockdownCommands(CLI::App& app, Context& ctx, int& rc) {
  auto* lockdown = app.add_subcommand("lockdown", "identities locked down for abusing decrypt");
  lockdown->require_subcommand(1);
  lockdown->add_subcommand("list", "list locked identities")->callback([&ctx, &rc] {
    Do(ctx, rc, "GET", "/v1/sys/lockdown", nullptr, [](const json::value& v) {
      for (const auto& l : Reply(v, "lockdown list").Objects("identities")) {
        std::cout << l.Text("identity") << "  " << l.Text("locked_at") << "  " << l.Text("reason")
                  << "\n";
      }
    });
  });
  auto id = std::make_shared<std::string>();
  auto* reinstate = lockdown->add_subcommand("reinstate", "let a locked identity work again");
  reinstate->add_option("identity", *id, "e.g. token:0123456789abcdef or cert:billing")->required();
  reinstate->callback([&ctx, &rc, id] {
    json::value b = json::object{{"identity", *id}};
    if (!ctx.Call("POST", "/v1/sys/lockdown/reinstate", &b)) {
      rc = 1;
    } else if (ctx.globals().json()) {
      ctx.PrintJson(json::object{{"identity", *id}, {"reinstated", true}});
    }
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
  verify->callback([&ctx, &rc, va] {
    audit::VerifyOptions opt;
    opt.live = va->live;
    std::string pem;
    if (!va->public_key.empty()) {
      pem = ReadInput(va->public_key);
    } else {
      auto v = ctx.Call("GET", "/v1/sys/audit/public-key");
      if (!v) {
        std::cerr << "keep: give --public-key, or a server and a token with the audit "
                     "capability\n";
        rc = 1;
        return;
      }
      pem = Reply(*v, "audit public-key").Str("public_key");
    }
    auto key = crypto::ParseEd25519PublicKeyPem(pem);
    if (!key.ok()) throw UsageError{"the public key: " + key.status().message()};
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
    } else {
      std::cerr << "keep: audit trail INVALID at " << r.file << ":" << r.line << ": " << r.error
                << "\n";
    }
    if (!r.ok) rc = 1;
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
  hash->callback([&ctx, &rc, ha] {
    json::object body;
    if (!ha->context.empty()) {
      if (!ha->value.empty()) throw UsageError{"give a value or --context, not both"};
      body["context"] = ParseContext(ha->context);
    } else {
      if (ha->value.empty()) throw UsageError{"give a value or --context"};
      body["input"] = ha->value;
    }
    json::value b = body;
    Do(ctx, rc, "POST", "/v1/sys/audit/hash", &b,
       [](const json::value& v) { std::cout << Reply(v, "audit hash").Str("hmac") << "\n"; });
  });
  auto out = std::make_shared<std::string>();
  auto* pk = audit->add_subcommand("public-key", "the checkpoint signing public key (PEM)");
  pk->add_option("--out", *out, "write it to this file");
  pk->callback([&ctx, &rc, out] {
    OutputFile f = OpenOutput(ctx.globals().json() ? "" : *out, 0644);
    auto v = ctx.Call("GET", "/v1/sys/audit/public-key");
    if (!v) {
      rc = 1;
      return;
    }
    if (ctx.globals().json()) return ctx.PrintJson(*v);
    if (!WriteAndCommit(f, Reply(*v, "audit public-key").Str("public_key"))) rc = 1;
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
