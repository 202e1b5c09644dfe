// keep status, keep operator init|unseal|seal|rotate
#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "cli/cli_internal.h"
#include "crypto/pubkey.h"
#include "seal/shares.h"

namespace keep::cli {
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

namespace {

// Reads the custodians' public keys given with --share-recipient.
json::array ReadRecipients(const std::vector<std::string>& files) {
  json::array out;
  for (const auto& f : files) {
    const std::string pem = ReadInput(f);
    auto key = crypto::ParsePublicKeyPem(pem);
    if (!key.ok()) throw UsageError{f + ": " + std::string(key.status().message())};
    out.emplace_back(pem);
  }
  return out;
}

// The share to submit: from the argument or a hidden prompt; decrypted locally with
// --identity when it was encrypted to this custodian. The plaintext share never leaves
// this process except in the request to the server.
std::string ShareToSubmit(const std::string& given, const std::string& identity,
                          const char* prompt) {
  std::string text = given.empty() ? PromptHidden(prompt) : given;
  if (identity.empty()) return text;
  const crypto::PrivateKey key = LoadIdentity(identity);
  auto share = seal::DecryptShare(key, text);
  if (!share.ok()) throw UsageError{std::string(share.status().message())};
  return std::string(AsChars(share->view()));
}

void PrintShares(const json::object& o, const std::vector<std::string>& recipients) {
  int i = 0;
  const std::string kind =
      o.contains("share_kind") ? std::string(o.at("share_kind").as_string()) : "";
  for (const auto& s : o.at("shares").as_array()) {
    std::cout << kind << " share " << i + 1;
    if (static_cast<size_t>(i) < recipients.size()) std::cout << " (for " << recipients[i] << ")";
    std::cout << ": " << s.as_string().c_str() << "\n";
    ++i;
  }
  if (i > 0) {
    std::cout << "\nAny " << json::serialize(o.at("threshold")) << " of these " << i << " " << kind
              << " shares rebuild the root key. Give each to a different custodian;\n"
              << "they are shown only once and keep does not store them.\n";
  }
}

}  // namespace

void PrintRekeyStatus(const json::object& o) {
  if (!o.at("started").as_bool()) {
    std::cout << "no rekey in progress\n";
    return;
  }
  std::cout << "nonce:     " << o.at("nonce").as_string().c_str() << "\n"
            << "progress:  " << json::serialize(o.at("progress")) << "/"
            << json::serialize(o.at("required")) << " current "
            << o.at("share_kind").as_string().c_str() << " shares\n"
            << "new set:   " << json::serialize(o.at("new_shares")) << " shares, threshold "
            << json::serialize(o.at("new_threshold")) << "\n";
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
  start->callback([&ctx, &rc, shares, threshold, recipients] {
    json::object body{{"shares", *shares}, {"threshold", *threshold}};
    if (!recipients->empty()) body["share_recipients"] = ReadRecipients(*recipients);
    json::value b = body;
    auto v = ctx.Call("POST", "/v1/sys/rekey/init", &b);
    if (!v) {
      rc = 1;
      return;
    }
    if (ctx.globals().json()) return ctx.PrintJson(*v);
    PrintRekeyStatus(v->as_object());
    std::cout << "Custodians now run: keep operator rekey submit --nonce "
              << v->at("nonce").as_string().c_str() << "\n";
  });
  rekey->add_subcommand("status", "show the rekey in progress")->callback([&] {
    auto v = ctx.Call("GET", "/v1/sys/rekey");
    if (!v) {
      rc = 1;
      return;
    }
    if (ctx.globals().json()) return ctx.PrintJson(*v);
    PrintRekeyStatus(v->as_object());
  });
  rekey->add_subcommand("cancel", "cancel the rekey in progress")->callback([&] {
    if (!ctx.Call("DELETE", "/v1/sys/rekey")) {
      rc = 1;
      return;
    }
    if (!ctx.globals().json()) std::cout << "rekey cancelled\n";
  });
  auto* submit = rekey->add_subcommand("submit", "give one current share to the rekey");
  auto nonce = std::make_shared<std::string>();
  auto share = std::make_shared<std::string>();
  auto identity = std::make_shared<std::string>();
  submit->add_option("--nonce", *nonce, "the nonce shown by rekey init/status (check it)")
      ->required();
  submit->add_option("share", *share, "a current share; prompted without echo when omitted");
  submit->add_option("--identity", *identity, "your private key when the share is encrypted");
  submit->callback([&ctx, &rc, nonce, share, identity] {
    json::value b = json::object{{"nonce", *nonce},
                                 {"share", ShareToSubmit(*share, *identity, "Current share: ")}};
    auto v = ctx.Call("POST", "/v1/sys/rekey/update", &b);
    if (!v) {
      rc = 1;
      return;
    }
    if (ctx.globals().json()) return ctx.PrintJson(*v);
    const auto& o = v->as_object();
    if (!o.at("complete").as_bool()) return PrintRekeyStatus(o);
    std::cout << "Rekey complete. The previous shares no longer work.\n\n";
    PrintShares(o, {});
  });
}

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
              << "seal type:   " << o.at("seal_type").as_string().c_str() << "\n";
    if (const auto* e = o.if_contains("seal_error"); e && e->is_string()) {
      std::cout << "seal error:  " << e->as_string().c_str() << "\n";
    }
    if (o.contains("auto_unseal_paused")) {
      std::cout << "             automatic unseal stopped (the HSM refused the PIN): fix it, "
                   "then keep operator unseal\n";
    }
    if (o.contains("operator_sealed")) {
      std::cout << "             sealed by an operator: unseal explicitly\n";
    }
    if (const auto* st = o.if_contains("store"); st && st->is_object()) {
      const auto& so = st->as_object();
      const auto* ok = so.if_contains("reachable");
      if (ok && ok->is_bool() && !ok->as_bool()) {
        const auto* err = so.if_contains("error");
        std::cout << "store:       UNREACHABLE"
                  << (err && err->is_string() ? " (" + std::string(err->as_string()) + ")" : "")
                  << (o.contains("degraded") && o.at("degraded").as_bool()
                          ? "; degraded: serving keys already in memory"
                          : "")
                  << "\n";
      } else {
        std::cout << "store:       reachable\n";
      }
    }
    std::cout << "version:     " << o.at("version").as_string().c_str() << "\n";
    if (const auto* id = o.if_contains("node_id"); id && id->is_string()) {
      std::cout << "node id:     " << id->as_string().c_str() << "\n";
    }
    if (const auto* k = o.if_contains("share_kind");
        k && k->is_string() && !k->as_string().empty()) {
      std::cout << "shares:      " << k->as_string().c_str() << ", threshold "
                << json::serialize(o.at("unseal_threshold"));
      if (o.at("sealed").as_bool()) {
        std::cout << ", unseal progress " << json::serialize(o.at("unseal_progress")) << "/"
                  << json::serialize(o.at("unseal_threshold"));
      }
      std::cout << "\n";
    }
    if (const auto* k = o.if_contains("keyring"); k && k->is_object()) {
      const auto& ko = k->as_object();
      std::cout << "keyring:     term " << json::serialize(ko.at("active_term"))
                << " active, terms " << json::serialize(ko.at("terms"));
      if (ko.at("reencrypting").as_bool()) {
        std::cout << ", re-encrypting: " << json::serialize(ko.at("rewritten")) << "/"
                  << json::serialize(ko.at("old_records")) << " records moved";
      } else if (ko.at("last_completed").as_int64() > 0) {
        std::cout << ", every record under the active term";
      }
      std::cout << "\n";
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
  auto recipients = std::make_shared<std::vector<std::string>>();
  init->add_option("--shares", *shares, "number of key shares")->check(CLI::Range(1, 255));
  init->add_option("--threshold", *threshold, "shares needed to unseal")->check(CLI::Range(1, 255));
  init->add_option("--share-recipient", *recipients,
                   "a custodian's public key (PEM, X25519 or RSA); repeat once per share: "
                   "share i is encrypted to the i-th key");
  init->callback([&ctx, &rc, shares, threshold, recipients] {
    json::object body;
    if (*shares) body["shares"] = *shares;
    if (*threshold) body["threshold"] = *threshold;
    if (!recipients->empty()) body["share_recipients"] = ReadRecipients(*recipients);
    json::value b = body;
    auto v = ctx.Call("POST", "/v1/sys/init", &b);
    if (!v) {
      rc = 1;
      return;
    }
    if (ctx.globals().json()) return ctx.PrintJson(*v);
    const auto& o = v->as_object();
    PrintShares(o, *recipients);
    std::cout << "root token: " << o.at("root_token").as_string().c_str() << "\n"
              << "Store the root token safely; it is shown only once.\n";
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
  unseal->callback([&ctx, &rc, share, reset, identity] {
    json::object body;
    if (*reset) {
      body["reset"] = true;
    } else if (!share->empty() || !identity->empty()) {
      body["share"] = ShareToSubmit(*share, *identity, "Unseal share: ");
    } else {
      int health_status = 0;
      auto h = ctx.Call("GET", "/v1/sys/health", nullptr, &health_status);
      const bool needs_share = h && h->is_object() && h->as_object().contains("share_kind") &&
                               !h->as_object().at("share_kind").as_string().empty() &&
                               h->as_object().at("sealed").as_bool() &&
                               h->as_object().at("seal_type").as_string() == "shamir";
      if (needs_share) body["share"] = ShareToSubmit("", "", "Unseal share: ");
    }
    json::value b = body;
    auto v = ctx.Call("POST", "/v1/sys/unseal", &b);
    // An HSM seal that still cannot unseal itself (HSM lost): ask for a recovery share.
    if (v && body.empty() && v->at("sealed").as_bool() &&
        v->at("share_kind").as_string() == "recovery" && isatty(STDIN_FILENO)) {
      if (const auto* e = v->as_object().if_contains("seal_error"); e && e->is_string()) {
        std::cerr << "automatic unseal failed: " << e->as_string().c_str() << "\n";
      }
      b = json::object{{"share", ShareToSubmit("", "", "Recovery share: ")}};
      v = ctx.Call("POST", "/v1/sys/unseal", &b);
    }
    if (!v) {
      rc = 1;
      return;
    }
    if (ctx.globals().json()) return ctx.PrintJson(*v);
    const auto& o = v->as_object();
    std::cout << "sealed:   " << json::serialize(o.at("sealed")) << "\n";
    if (o.at("sealed").as_bool()) {
      std::cout << "progress: " << json::serialize(o.at("progress")) << "/"
                << json::serialize(o.at("threshold")) << "\n";
    }
    if (o.contains("duplicate")) std::cout << "that share was already given: not counted again\n";
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

  op->add_subcommand("rotate",
                     "add a keyring term: new records use it, older records are re-encrypted "
                     "to it in the background (see keep status)")
      ->callback([&] {
        auto v = ctx.Call("POST", "/v1/sys/rotate");
        if (!v) {
          rc = 1;
          return;
        }
        if (ctx.globals().json()) return ctx.PrintJson(*v);
        std::cout << "keyring term: " << json::serialize(v->at("term")) << "\n";
      });

  AddRekeyCommands(*op, ctx, rc);
}

}  // namespace keep::cli
