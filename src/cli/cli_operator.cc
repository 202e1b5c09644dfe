// keep status, keep operator init|unseal|seal|rotate
#include <unistd.h>

#include <iostream>

#include "cli/cli_internal.h"
#include "cli/reply.h"
#include "cli/secret_input.h"
#include "crypto/pubkey.h"
#include "seal/shares.h"

namespace keep::cli {
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
  std::string text = given;
  if (text.empty()) {
    const crypto::SecretBytes typed = ReadShare(prompt);
    text.assign(AsChars(typed.view()));
  }
  if (identity.empty()) return text;
  const crypto::PrivateKey key = LoadIdentity(identity);
  auto share = seal::DecryptShare(key, text);
  if (!share.ok()) throw UsageError{std::string(share.status().message())};
  return std::string(AsChars(share->view()));
}

void PrintShares(const Reply& r, const std::vector<std::string>& recipients) {
  const std::string kind = r.OptStr("share_kind").value_or("");
  const auto shares = r.Strings("shares");
  for (size_t i = 0; i < shares.size(); ++i) {
    std::cout << kind << " share " << i + 1;
    if (i < recipients.size()) std::cout << " (for " << recipients[i] << ")";
    std::cout << ": " << shares[i] << "\n";
  }
  if (!shares.empty()) {
    std::cout << "\nAny " << r.Int("threshold") << " of these " << shares.size() << " " << kind
              << " shares rebuild the root key. Give each to a different custodian;\n"
              << "they are shown only once and keep does not store them.\n";
  }
}

}  // namespace

// `keep status` in text (the health answer).
void PrintStatus(const Reply& r) {
  const bool sealed = r.Bool("sealed");
  std::cout << "initialized: " << (r.Bool("initialized") ? "true" : "false") << "\n"
            << "sealed:      " << (sealed ? "true" : "false") << "\n"
            << "seal type:   " << r.Str("seal_type") << "\n";
  if (auto e = r.OptStr("seal_error")) std::cout << "seal error:  " << *e << "\n";
  if (r.OptBool("auto_unseal_paused", false)) {
    std::cout << "             automatic unseal stopped (the HSM refused the PIN): fix it, "
                 "then keep operator unseal\n";
  }
  if (r.OptBool("operator_sealed", false)) {
    std::cout << "             sealed by an operator: unseal explicitly\n";
  }
  if (r.Has("store")) {
    const Reply st = r.Object("store");
    if (!st.Bool("reachable")) {
      std::cout << "store:       UNREACHABLE";
      if (auto e = st.OptStr("error")) std::cout << " (" << *e << ")";
      if (r.OptBool("degraded", false)) std::cout << "; degraded: serving keys already in memory";
      std::cout << "\n";
    } else {
      std::cout << "store:       reachable\n";
    }
  }
  std::cout << "version:     " << r.Str("version") << "\n";
  if (auto id = r.OptStr("node_id")) std::cout << "node id:     " << *id << "\n";
  if (const auto kind = r.OptStr("share_kind"); kind && !kind->empty()) {
    std::cout << "shares:      " << *kind << ", threshold " << r.Int("unseal_threshold");
    if (sealed) {
      std::cout << ", unseal progress " << r.Int("unseal_progress") << "/"
                << r.Int("unseal_threshold");
    }
    std::cout << "\n";
  }
  if (r.Has("keyring")) {
    const Reply k = r.Object("keyring");
    std::string terms;
    for (int64_t t : k.Ints("terms")) terms += (terms.empty() ? "" : ",") + std::to_string(t);
    std::cout << "keyring:     term " << k.Int("active_term") << " active, terms [" << terms << "]";
    if (k.Bool("reencrypting")) {
      std::cout << ", re-encrypting: " << k.Int("rewritten") << "/" << k.Int("old_records")
                << " records moved";
    } else if (k.Int("last_completed") > 0) {
      std::cout << ", every record under the active term";
    }
    std::cout << "\n";
  }
  if (r.Has("replication")) {
    const Reply rep = r.Object("replication");
    std::cout << "replication: " << (rep.Bool("connected") ? "connected" : "DISCONNECTED") << ", "
              << rep.Int("lag_ms") << " ms behind, " << rep.Int("changes_applied")
              << " changes applied\n";
  }
}

void PrintRekeyStatus(const Reply& r) {
  if (!r.Bool("started")) {
    std::cout << "no rekey in progress\n";
    return;
  }
  std::cout << "nonce:     " << r.Str("nonce") << "\n"
            << "progress:  " << r.Int("progress") << "/" << r.Int("required") << " current "
            << r.Str("share_kind") << " shares\n"
            << "new set:   " << r.Int("new_shares") << " shares, threshold "
            << r.Int("new_threshold") << "\n";
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
    const Reply r(*v, "operator rekey init");
    PrintRekeyStatus(r);
    std::cout << "Custodians now run: keep operator rekey submit --nonce " << r.Str("nonce")
              << "\n";
  });
  rekey->add_subcommand("status", "show the rekey in progress")->callback([&] {
    auto v = ctx.Call("GET", "/v1/sys/rekey");
    if (!v) {
      rc = 1;
      return;
    }
    if (ctx.globals().json()) return ctx.PrintJson(*v);
    PrintRekeyStatus(Reply(*v, "operator rekey status"));
  });
  rekey->add_subcommand("cancel", "cancel the rekey in progress")->callback([&] {
    if (!ctx.Call("DELETE", "/v1/sys/rekey")) {
      rc = 1;
      return;
    }
    if (ctx.globals().json()) {
      ctx.PrintJson(json::object{{"cancelled", true}});
    } else {
      std::cout << "rekey cancelled\n";
    }
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
    const Reply r(*v, "operator rekey submit");
    if (!r.Bool("complete")) return PrintRekeyStatus(r);
    std::cout << "Rekey complete. The previous shares no longer work.\n\n";
    PrintShares(r, {});
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
    const Reply r(*v, "status");
    if (ctx.globals().json()) {
      ctx.PrintJson(*v);
    } else {
      PrintStatus(r);
    }
    // As `vault status`: 2 when sealed or not initialized (a degraded node serves: 0).
    rc = r.Bool("initialized") && !r.Bool("sealed") ? 0 : 2;
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
    const Reply r(*v, "operator init");
    PrintShares(r, *recipients);
    std::cout << "root token: " << r.View("root_token") << "\n"
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
      if (h) {
        const Reply r(*h, "health");
        const bool needs_share = r.OptStr("share_kind").value_or("") != "" && r.Bool("sealed") &&
                                 r.Str("seal_type") == "shamir";
        if (needs_share) body["share"] = ShareToSubmit("", "", "Unseal share: ");
      }
    }
    json::value b = body;
    auto v = ctx.Call("POST", "/v1/sys/unseal", &b);
    // An HSM seal that still cannot unseal itself (HSM lost): ask for a recovery share.
    if (v && body.empty() && isatty(STDIN_FILENO)) {
      const Reply r(*v, "operator unseal");
      if (r.Bool("sealed") && r.OptStr("share_kind").value_or("") == "recovery") {
        if (auto e = r.OptStr("seal_error")) std::cerr << "automatic unseal failed: " << *e << "\n";
        b = json::object{{"share", ShareToSubmit("", "", "Recovery share: ")}};
        v = ctx.Call("POST", "/v1/sys/unseal", &b);
      }
    }
    if (!v) {
      rc = 1;
      return;
    }
    if (ctx.globals().json()) return ctx.PrintJson(*v);
    const Reply r(*v, "operator unseal");
    const bool sealed = r.Bool("sealed");
    std::cout << "sealed:   " << (sealed ? "true" : "false") << "\n";
    if (sealed) std::cout << "progress: " << r.Int("progress") << "/" << r.Int("threshold") << "\n";
    if (r.OptBool("duplicate", false)) {
      std::cout << "that share was already given: not counted again\n";
    }
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
        std::cout << "keyring term: " << Reply(*v, "operator rotate").Int("term") << "\n";
      });

  AddRekeyCommands(*op, ctx, rc);
}

}  // namespace keep::cli
