// keep operator init|unseal|seal|rotate|rekey (keep status: cli_status.cc)
#include <unistd.h>

#include <iostream>
#include <sstream>

#include "cli/cli_internal.h"
#include "cli/secret_input.h"
#include "common/wiping_json.h"
#include "crypto/pubkey.h"
#include "seal/shares.h"

namespace keep::cli {
namespace {

// Reads the custodians' public keys given with --share-recipient (checked here, so a wrong
// file is named before anything is sent).
Result<std::vector<std::string>> ReadRecipients(const std::vector<std::string>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) {
    KEEP_ASSIGN_OR_RETURN(std::string pem, ReadInput(f));
    auto key = crypto::ParsePublicKeyPem(pem);
    if (!key.ok()) return Usage(f + ": " + std::string(key.status().message()));
    out.push_back(std::move(pem));
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

// Shares as JSON strings on wiping storage (the answer to init and a completed rekey).
json::array SharesJson(const std::vector<SecretString>& shares) {
  json::array a(WipingJsonStorage());
  for (const auto& sh : shares) a.emplace_back(json::string_view(sh.data(), sh.size()));
  return a;
}

void PrintShares(std::ostream& out, const std::vector<SecretString>& shares,
                 const std::string& kind, int threshold,
                 const std::vector<std::string>& recipients) {
  for (size_t i = 0; i < shares.size(); ++i) {
    out << kind << " share " << i + 1;
    if (i < recipients.size()) out << " (for " << recipients[i] << ")";
    out << ": " << shares[i].view() << "\n";
  }
  if (!shares.empty()) {
    out << "\nAny " << threshold << " of these " << shares.size() << " " << kind
        << " shares rebuild the root key. Give each to a different custodian;\n"
        << "they are shown only once and keep does not store them.\n";
  }
}

json::object UnsealJson(const UnsealStatus& u) {
  json::object o{{"sealed", u.sealed}, {"progress", u.progress},     {"threshold", u.threshold},
                 {"shares", u.shares}, {"share_kind", u.share_kind}, {"seal_type", u.seal_type}};
  if (u.duplicate) o["duplicate"] = true;
  if (!u.seal_error.empty()) o["seal_error"] = u.seal_error;
  return o;
}

json::object RekeyJson(const RekeyStatus& r) {
  if (r.complete) {
    json::object o(WipingJsonStorage());
    o["complete"] = true;
    o["shares"] = SharesJson(r.shares);
    o["threshold"] = r.threshold;
    o["share_kind"] = r.share_kind;
    return o;
  }
  return json::object{{"started", r.started},       {"nonce", r.nonce},
                      {"progress", r.progress},     {"required", r.required},
                      {"new_shares", r.new_shares}, {"new_threshold", r.new_threshold},
                      {"share_kind", r.share_kind}, {"complete", false}};
}

void PrintRekeyStatus(std::ostream& out, const RekeyStatus& r) {
  if (!r.started) {
    out << "no rekey in progress\n";
    return;
  }
  out << "nonce:     " << r.nonce << "\n"
      << "progress:  " << r.progress << "/" << r.required << " current " << r.share_kind
      << " shares\n"
      << "new set:   " << r.new_shares << " shares, threshold " << r.new_threshold << "\n";
}

}  // namespace

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
    InitRequest set{*shares, *threshold, {}};
    KEEP_ASSIGN_OR_RETURN(set.share_recipients, ReadRecipients(*recipients));
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    auto r = client->StartRekey(set);
    KEEP_RETURN_IF_ERROR(ctx.Refused(r.status()));
    if (ctx.globals().json()) {
      ctx.PrintJson(RekeyJson(*r));
      return Status::Ok();
    }
    TextOut out;
    PrintRekeyStatus(out, *r);
    out << "Custodians now run: keep operator rekey submit --nonce " << r->nonce << "\n";
    std::cout << out.view();
    return Status::Ok();
  });
  Action(rekey->add_subcommand("status", "show the rekey in progress"), rc, [&ctx]() -> Status {
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    auto r = client->GetRekey();
    KEEP_RETURN_IF_ERROR(ctx.Refused(r.status()));
    if (ctx.globals().json()) {
      ctx.PrintJson(RekeyJson(*r));
      return Status::Ok();
    }
    TextOut out;
    PrintRekeyStatus(out, *r);
    std::cout << out.view();
    return Status::Ok();
  });
  Action(rekey->add_subcommand("cancel", "cancel the rekey in progress"), rc, [&ctx]() -> Status {
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    KEEP_RETURN_IF_ERROR(ctx.Refused(client->CancelRekey()));
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
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    auto r = client->SubmitRekeyShare(*nonce, text.view());
    KEEP_RETURN_IF_ERROR(ctx.Refused(r.status()));
    if (ctx.globals().json()) {
      ctx.PrintJson(RekeyJson(*r));
      return Status::Ok();
    }
    TextOut out;
    if (!r->complete) {
      PrintRekeyStatus(out, *r);
    } else {
      out << "Rekey complete. The previous shares no longer work.\n\n";
      PrintShares(out, r->shares, r->share_kind, r->threshold, {});
    }
    std::cout << out.view();
    return Status::Ok();
  });
}

void AddOperatorCommands(CLI::App& app, Context& ctx, int& rc) {
  AddStatusCommand(app, ctx, rc);

  auto* op = app.add_subcommand("operator", "operator tasks: init, unseal, seal, rotate, backup");
  op->require_subcommand(1);
  AddBackupCommand(*op, ctx, rc);

  auto* init = op->add_subcommand("init", "initialize the server (once)");
  auto shares = std::make_shared<int>(0), threshold = std::make_shared<int>(0);
  auto recipients = std::make_shared<std::vector<std::string>>();
  init->add_option("--shares", *shares, "number of key shares")->check(CLI::Range(1, 255));
  init->add_option("--threshold", *threshold, "shares needed to unseal")->check(CLI::Range(1, 255));
  init->add_option("--share-recipient", *recipients,
                   "a custodian's public key (PEM, X25519 or RSA); repeat once per share: "
                   "share i is encrypted to the i-th key");
  Action(init, rc, [&ctx, shares, threshold, recipients]() -> Status {
    InitRequest req{*shares, *threshold, {}};
    KEEP_ASSIGN_OR_RETURN(req.share_recipients, ReadRecipients(*recipients));
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    auto r = client->Init(req);
    KEEP_RETURN_IF_ERROR(ctx.Refused(r.status()));
    if (ctx.globals().json()) {
      json::object o(WipingJsonStorage());
      o["shares"] = SharesJson(r->shares);
      o["root_token"] = json::string_view(r->root_token.data(), r->root_token.size());
      o["share_kind"] = r->share_kind;
      o["threshold"] = r->threshold;
      o["encrypted"] = r->encrypted;
      ctx.PrintJson(o);
      return Status::Ok();
    }
    TextOut out;
    PrintShares(out, r->shares, r->share_kind, r->threshold, *recipients);
    out << "root token: " << r->root_token.view() << "\n"
        << "Store the root token safely; it is shown only once.\n";
    std::cout << out.view();
    return Status::Ok();
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
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    Result<UnsealStatus> u = Status::Ok();
    bool asked = false;  // a share (or a reset) was given
    if (*reset) {
      u = client->ResetUnseal();
      asked = true;
    } else {
      SecretString text;
      if (!share->empty() || !identity->empty()) {
        KEEP_ASSIGN_OR_RETURN(text, ShareToSubmit(*share, *identity, "Unseal share: "));
      } else if (auto h = client->Health();
                 h.ok() && h->sealed && !h->share_kind.empty() && h->seal_type == "shamir") {
        KEEP_ASSIGN_OR_RETURN(text, ShareToSubmit("", "", "Unseal share: "));
      }
      asked = !text.empty();
      // No share: the server retries its automatic unseal (an HSM seal).
      u = client->Unseal(text.view());
    }
    KEEP_RETURN_IF_ERROR(ctx.Refused(u.status()));
    // An HSM seal that still cannot unseal itself (HSM lost): ask for a recovery share.
    if (!asked && isatty(STDIN_FILENO) && u->sealed && u->share_kind == "recovery") {
      if (!u->seal_error.empty()) std::cerr << "automatic unseal failed: " << u->seal_error << "\n";
      KEEP_ASSIGN_OR_RETURN(const SecretString text, ShareToSubmit("", "", "Recovery share: "));
      u = client->Unseal(text.view());
      KEEP_RETURN_IF_ERROR(ctx.Refused(u.status()));
    }
    if (ctx.globals().json()) {
      ctx.PrintJson(UnsealJson(*u));
      return Status::Ok();
    }
    TextOut out;
    out << "sealed:   " << (u->sealed ? "true" : "false") << "\n";
    if (u->sealed) out << "progress: " << u->progress << "/" << u->threshold << "\n";
    if (u->duplicate) out << "that share was already given: not counted again\n";
    std::cout << out.view();
    return Status::Ok();
  });

  Action(op->add_subcommand("seal", "seal the server: wipe the root key and keys from memory"), rc,
         [&ctx]() -> Status {
           KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
           KEEP_RETURN_IF_ERROR(ctx.Refused(client->Seal()));
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
           KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
           auto term = client->RotateKeyring();
           KEEP_RETURN_IF_ERROR(ctx.Refused(term.status()));
           if (ctx.globals().json()) {
             ctx.PrintJson(json::object{{"term", *term}});
           } else {
             std::cout << "keyring term: " << *term << "\n";
           }
           return Status::Ok();
         });

  AddRekeyCommands(*op, ctx, rc);
}

}  // namespace keep::cli
