// keep status, keep operator init|unseal|seal|rotate
#include <unistd.h>

#include <iostream>
#include <sstream>

#include "cli/cli_internal.h"
#include "cli/reply.h"
#include "cli/secret_input.h"
#include "crypto/pubkey.h"
#include "seal/shares.h"

namespace keep::cli {
namespace {

// Reads the custodians' public keys given with --share-recipient.
Result<json::array> ReadRecipients(const std::vector<std::string>& files) {
  json::array out;
  for (const auto& f : files) {
    KEEP_ASSIGN_OR_RETURN(const std::string pem, ReadInput(f));
    auto key = crypto::ParsePublicKeyPem(pem);
    if (!key.ok()) return Usage(f + ": " + std::string(key.status().message()));
    out.emplace_back(pem);
  }
  return out;
}

// The share to submit: from the argument or a hidden prompt; decrypted locally with
// --identity when it was encrypted to this custodian. The plaintext share never leaves
// this process except in the request to the server.
Result<SecretString> ShareToSubmit(const std::string& given, const std::string& identity,
                                   const char* prompt) {
  SecretString text(std::string_view{given});
  if (text.empty()) {
    KEEP_ASSIGN_OR_RETURN(const crypto::SecretBytes typed, ReadShare(prompt));
    text.assign(AsChars(typed.view()));
  }
  if (identity.empty()) return text;
  KEEP_ASSIGN_OR_RETURN(const crypto::PrivateKey key, LoadIdentity(identity));
  auto share = seal::DecryptShare(key, text.view());
  if (!share.ok()) return Usage(std::string(share.status().message()));
  return SecretString(AsChars(share->view()));
}

void PrintShares(std::ostream& out, const Reply& r, const std::vector<std::string>& recipients) {
  const std::string kind = r.OptStr("share_kind").value_or("");
  const auto shares = r.Strings("shares");
  for (size_t i = 0; i < shares.size(); ++i) {
    out << kind << " share " << i + 1;
    if (i < recipients.size()) out << " (for " << recipients[i] << ")";
    out << ": " << shares[i] << "\n";
  }
  if (!shares.empty()) {
    out << "\nAny " << r.Int("threshold") << " of these " << shares.size() << " " << kind
        << " shares rebuild the root key. Give each to a different custodian;\n"
        << "they are shown only once and keep does not store them.\n";
  }
}

}  // namespace

// `keep status` in text (the health answer).
void PrintStatus(std::ostream& out, const Reply& r) {
  const bool sealed = r.Bool("sealed");
  out << "initialized: " << (r.Bool("initialized") ? "true" : "false") << "\n"
      << "sealed:      " << (sealed ? "true" : "false") << "\n"
      << "seal type:   " << r.Str("seal_type") << "\n";
  if (auto e = r.OptStr("seal_error")) out << "seal error:  " << *e << "\n";
  if (r.OptBool("auto_unseal_paused", false)) {
    out << "             automatic unseal stopped (the HSM refused the PIN): fix it, "
           "then keep operator unseal\n";
  }
  if (r.OptBool("operator_sealed", false)) {
    out << "             sealed by an operator: unseal explicitly\n";
  }
  if (r.Has("store")) {
    const Reply st = r.Object("store");
    if (!st.Bool("reachable")) {
      out << "store:       UNREACHABLE";
      if (auto e = st.OptStr("error")) out << " (" << *e << ")";
      if (r.OptBool("degraded", false)) out << "; degraded: serving keys already in memory";
      out << "\n";
    } else {
      out << "store:       reachable\n";
    }
  }
  out << "version:     " << r.Str("version") << "\n";
  if (auto id = r.OptStr("node_id")) out << "node id:     " << *id << "\n";
  if (const auto kind = r.OptStr("share_kind"); kind && !kind->empty()) {
    out << "shares:      " << *kind << ", threshold " << r.Int("unseal_threshold");
    if (sealed) {
      out << ", unseal progress " << r.Int("unseal_progress") << "/" << r.Int("unseal_threshold");
    }
    out << "\n";
  }
  if (r.Has("keyring")) {
    const Reply k = r.Object("keyring");
    std::string terms;
    for (int64_t t : k.Ints("terms")) terms += (terms.empty() ? "" : ",") + std::to_string(t);
    out << "keyring:     term " << k.Int("active_term") << " active, terms [" << terms << "]";
    if (k.Bool("reencrypting")) {
      out << ", re-encrypting: " << k.Int("rewritten") << "/" << k.Int("old_records")
          << " records moved";
    } else if (k.Int("last_completed") > 0) {
      out << ", every record under the active term";
    }
    out << "\n";
  }
  if (r.Has("replication")) {
    const Reply rep = r.Object("replication");
    out << "replication: " << (rep.Bool("connected") ? "connected" : "DISCONNECTED") << ", "
        << rep.Int("lag_ms") << " ms behind, " << rep.Int("changes_applied")
        << " changes applied\n";
  }
}

void PrintRekeyStatus(std::ostream& out, const Reply& r) {
  if (!r.Bool("started")) {
    out << "no rekey in progress\n";
    return;
  }
  out << "nonce:     " << r.Str("nonce") << "\n"
      << "progress:  " << r.Int("progress") << "/" << r.Int("required") << " current "
      << r.Str("share_kind") << " shares\n"
      << "new set:   " << r.Int("new_shares") << " shares, threshold " << r.Int("new_threshold")
      << "\n";
}

void AddRekeyCommands(CLI::App& op, Context& ctx, int& rc) {
  auto* rekey = op.add_subcommand(
      "rekey",
      "replace the root key and its share set (new shares and threshold), authorized by a "
      "threshold of the current shares; the old shares stop working");
  rekey->require_subcommand(1);
  auto* start = rekey->add_subcommand("init", "start a rekey (needs a token with sys)");
  auto shares = std::make_shared<int>(0), threshold = std::make_shared<int>(0);
  auto recipients = std::make_shared<std::vector<std::string>>();
  start->add_option("--shares", *shares, "shares in the new set")
      ->required()
      ->check(CLI::Range(1, 255));
  start->add_option("--threshold", *threshold, "shares needed from the new set")
      ->required()
      ->check(CLI::Range(1, 255));
  start->add_option("--share-recipient", *recipients,
                    "a custodian's public key (PEM); repeat once per new share");
  Action(start, rc, [&ctx, shares, threshold, recipients]() -> Status {
    json::object body{{"shares", *shares}, {"threshold", *threshold}};
    if (!recipients->empty()) {
      KEEP_ASSIGN_OR_RETURN(body["share_recipients"], ReadRecipients(*recipients));
    }
    json::value b = body;
    KEEP_ASSIGN_OR_RETURN(auto v, ctx.Call("POST", "/v1/sys/rekey/init", &b));
    if (ctx.globals().json()) {
      ctx.PrintJson(v);
      return Status::Ok();
    }
    const Reply r(v, "operator rekey init");
    TextOut out;
    PrintRekeyStatus(out, r);
    out << "Custodians now run: keep operator rekey submit --nonce " << r.Str("nonce") << "\n";
    return r.Print(out);
  });
  Action(rekey->add_subcommand("status", "show the rekey in progress"), rc, [&ctx]() -> Status {
    KEEP_ASSIGN_OR_RETURN(auto v, ctx.Call("GET", "/v1/sys/rekey"));
    if (ctx.globals().json()) {
      ctx.PrintJson(v);
      return Status::Ok();
    }
    const Reply r(v, "operator rekey status");
    TextOut out;
    PrintRekeyStatus(out, r);
    return r.Print(out);
  });
  Action(rekey->add_subcommand("cancel", "cancel the rekey in progress"), rc, [&ctx]() -> Status {
    KEEP_RETURN_IF_ERROR(ctx.Call("DELETE", "/v1/sys/rekey").status());
    if (ctx.globals().json()) {
      ctx.PrintJson(json::object{{"cancelled", true}});
    } else {
      std::cout << "rekey cancelled\n";
    }
    return Status::Ok();
  });
  auto* submit = rekey->add_subcommand("submit", "give one current share to the rekey");
  auto nonce = std::make_shared<std::string>();
  auto share = std::make_shared<std::string>();
  auto identity = std::make_shared<std::string>();
  submit->add_option("--nonce", *nonce, "the nonce shown by rekey init/status (check it)")
      ->required();
  submit->add_option("share", *share, "a current share; prompted without echo when omitted");
  submit->add_option("--identity", *identity, "your private key when the share is encrypted");
  Action(submit, rc, [&ctx, nonce, share, identity]() -> Status {
    KEEP_ASSIGN_OR_RETURN(const SecretString text,
                          ShareToSubmit(*share, *identity, "Current share: "));
    json::object o = SecretBody();
    o["nonce"] = *nonce;
    o["share"] = text.view();
    const json::value b(std::move(o));
    KEEP_ASSIGN_OR_RETURN(auto v, ctx.Call("POST", "/v1/sys/rekey/update", &b));
    if (ctx.globals().json()) {
      ctx.PrintJson(v);
      return Status::Ok();
    }
    const Reply r(v, "operator rekey submit");
    TextOut out;
    if (!r.Bool("complete")) {
      PrintRekeyStatus(out, r);
    } else {
      out << "Rekey complete. The previous shares no longer work.\n\n";
      PrintShares(out, r, {});
    }
    return r.Print(out);
  });
}

void AddOperatorCommands(CLI::App& app, Context& ctx, int& rc) {
  auto* status = app.add_subcommand("status", "show whether the server is initialized and sealed");
  Action(status, rc, [&ctx, &rc]() -> Status {
    int code = 0;
    // Health answers 503/501 with a body when sealed or uninitialized: still a status.
    KEEP_ASSIGN_OR_RETURN(auto v, ctx.Call("GET", "/v1/sys/health", nullptr, &code));
    const Reply r(v, "status");
    TextOut out;
    if (!ctx.globals().json()) PrintStatus(out, r);
    const bool serving = r.Bool("initialized") && !r.Bool("sealed");
    KEEP_RETURN_IF_ERROR(r.status());
    if (ctx.globals().json()) {
      ctx.PrintJson(v);
    } else {
      std::cout << out.view();
    }
    // As `vault status`: 2 when sealed or not initialized (a degraded node serves: 0). Not
    // an error: the status was shown.
    rc = serving ? 0 : 2;
    return Status::Ok();
  });

  auto* op = app.add_subcommand("operator", "operator tasks: init, unseal, seal, rotate");
  op->require_subcommand(1);

  auto* init = op->add_subcommand("init", "initialize the server (once)");
  auto shares = std::make_shared<int>(0), threshold = std::make_shared<int>(0);
  auto recipients = std::make_shared<std::vector<std::string>>();
  init->add_option("--shares", *shares, "number of key shares")->check(CLI::Range(1, 255));
  init->add_option("--threshold", *threshold, "shares needed to unseal")->check(CLI::Range(1, 255));
  init->add_option("--share-recipient", *recipients,
                   "a custodian's public key (PEM, X25519 or RSA); repeat once per share: "
                   "share i is encrypted to the i-th key");
  Action(init, rc, [&ctx, shares, threshold, recipients]() -> Status {
    json::object body;
    if (*shares) body["shares"] = *shares;
    if (*threshold) body["threshold"] = *threshold;
    if (!recipients->empty()) {
      KEEP_ASSIGN_OR_RETURN(body["share_recipients"], ReadRecipients(*recipients));
    }
    json::value b = body;
    KEEP_ASSIGN_OR_RETURN(auto v, ctx.Call("POST", "/v1/sys/init", &b));
    if (ctx.globals().json()) {
      ctx.PrintJson(v);
      return Status::Ok();
    }
    const Reply r(v, "operator init");
    TextOut out;
    PrintShares(out, r, *recipients);
    out << "root token: " << r.View("root_token") << "\n"
        << "Store the root token safely; it is shown only once.\n";
    return r.Print(out);
  });

  auto* unseal =
      op->add_subcommand("unseal", "unseal the server (prompts for a share when needed)");
  auto share = std::make_shared<std::string>();
  auto identity = std::make_shared<std::string>();
  auto reset = std::make_shared<bool>(false);
  unseal->add_option("share", *share,
                     "an unseal (or recovery) share; prompted without echo when omitted");
  unseal->add_option("--identity", *identity,
                     "your private key (PEM) when the share was encrypted to you; it is "
                     "decrypted here and the key never leaves this machine");
  unseal->add_flag("--reset", *reset, "discard the shares entered so far");
  Action(unseal, rc, [&ctx, share, reset, identity]() -> Status {
    json::object body = SecretBody();
    if (*reset) {
      body["reset"] = true;
    } else if (!share->empty() || !identity->empty()) {
      KEEP_ASSIGN_OR_RETURN(const SecretString text,
                            ShareToSubmit(*share, *identity, "Unseal share: "));
      body["share"] = text.view();
    } else {
      int health_status = 0;
      auto h = ctx.Call("GET", "/v1/sys/health", nullptr, &health_status);
      if (h.ok()) {
        const Reply r(*h, "health");
        const bool needs_share = r.OptStr("share_kind").value_or("") != "" && r.Bool("sealed") &&
                                 r.Str("seal_type") == "shamir";
        if (needs_share && r.ok()) {
          KEEP_ASSIGN_OR_RETURN(const SecretString text, ShareToSubmit("", "", "Unseal share: "));
          body["share"] = text.view();
        }
      }
    }
    const bool asked = !body.empty();
    json::value b(std::move(body));  // keeps the wiping storage
    KEEP_ASSIGN_OR_RETURN(auto v, ctx.Call("POST", "/v1/sys/unseal", &b));
    // An HSM seal that still cannot unseal itself (HSM lost): ask for a recovery share.
    if (!asked && isatty(STDIN_FILENO)) {
      const Reply r(v, "operator unseal");
      if (r.Bool("sealed") && r.OptStr("share_kind").value_or("") == "recovery" && r.ok()) {
        if (auto e = r.OptStr("seal_error")) std::cerr << "automatic unseal failed: " << *e << "\n";
        KEEP_ASSIGN_OR_RETURN(const SecretString text, ShareToSubmit("", "", "Recovery share: "));
        json::object o = SecretBody();
        o["share"] = text.view();
        b = json::value(std::move(o));
        KEEP_ASSIGN_OR_RETURN(v, ctx.Call("POST", "/v1/sys/unseal", &b));
      }
    }
    if (ctx.globals().json()) {
      ctx.PrintJson(v);
      return Status::Ok();
    }
    const Reply r(v, "operator unseal");
    TextOut out;
    const bool sealed = r.Bool("sealed");
    out << "sealed:   " << (sealed ? "true" : "false") << "\n";
    if (sealed) out << "progress: " << r.Int("progress") << "/" << r.Int("threshold") << "\n";
    if (r.OptBool("duplicate", false)) out << "that share was already given: not counted again\n";
    return r.Print(out);
  });

  Action(op->add_subcommand("seal", "seal the server: wipe the root key and keys from memory"), rc,
         [&ctx]() -> Status {
           KEEP_RETURN_IF_ERROR(ctx.Call("POST", "/v1/sys/seal").status());
           if (!ctx.globals().json()) {
             std::cout << "sealed\n";
           } else {
             ctx.PrintJson(json::object{{"sealed", true}});
           }
           return Status::Ok();
         });

  Action(op->add_subcommand("rotate",
                            "add a keyring term: new records use it, older records are "
                            "re-encrypted to it in the background (see keep status)"),
         rc, [&ctx]() -> Status {
           KEEP_ASSIGN_OR_RETURN(auto v, ctx.Call("POST", "/v1/sys/rotate"));
           if (ctx.globals().json()) {
             ctx.PrintJson(v);
             return Status::Ok();
           }
           const Reply r(v, "operator rotate");
           TextOut out;
           out << "keyring term: " << r.Int("term") << "\n";
           return r.Print(out);
         });

  AddRekeyCommands(*op, ctx, rc);
}

}  // namespace keep::cli
