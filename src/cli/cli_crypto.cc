// keep encrypt|decrypt|rewrap|datakey|random
#include <iostream>
#include <optional>
#include <sstream>

#include "cli/cli_internal.h"
#include "cli/file_stream.h"
#include "common/encoding.h"
#include "crypto/secret_bytes.h"

namespace keep::cli {
namespace {

struct CryptoArgs {
  std::string key, in, out, public_key;
  std::vector<std::string> context;
  int bits = 256;
  bool no_plaintext = false;
};

std::string Trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace

void AddCryptoCommands(CLI::App& app, Context& ctx, int& rc) {
  auto a = std::make_shared<CryptoArgs>();

  auto* enc = app.add_subcommand("encrypt", "encrypt data under a key; prints the ciphertext");
  auto* key_opt = enc->add_option("--key", a->key, "key name");
  enc->add_option("--public-key", a->public_key,
                  "encrypt offline, with no server, to this public key file (keep key public)")
      ->excludes(key_opt);
  enc->add_option("--context", a->context, "encryption context KEY=VALUE (repeatable)");
  enc->add_option("--in", a->in, "read plaintext from FILE (default stdin)");
  enc->add_option("--out", a->out, "write the ciphertext to FILE (default stdout)");
  Action(enc, rc, [&ctx, a]() -> Status {
    if (a->key.empty() && a->public_key.empty()) {
      return Usage("encrypt: give --key (through keepd) or --public-key (offline)");
    }
    KEEP_ASSIGN_OR_RETURN(EncryptionContext context, ParseContextMap(a->context));
    KEEP_RETURN_IF_ERROR(RefuseOutputOverInput(a->in, a->out));
    KEEP_ASSIGN_OR_RETURN(SecretString plain, ReadSecretInput(a->in));
    if (!a->public_key.empty()) {  // no server: HPKE or RSA-OAEP to the key file
      KEEP_ASSIGN_OR_RETURN(std::string file, ReadInput(a->public_key));
      auto sealed = SealToPublicKey(file, plain.view(), context);
      plain.Wipe();
      if (!sealed.ok()) return Prefixed(sealed.status(), a->public_key + ": ");
      KEEP_ASSIGN_OR_RETURN(OutputFile out, OpenOutput(a->out, 0644));
      return WriteAndCommit(out, *sealed + "\n");
    }
    // With --format json and no --out the JSON answer is the output; with --out the
    // ciphertext goes there and the JSON answer to stdout.
    const bool to_file = !a->out.empty() && a->out != "-";
    std::optional<OutputFile> out;
    if (!ctx.globals().json() || to_file) {
      KEEP_ASSIGN_OR_RETURN(OutputFile f, OpenOutput(a->out, 0644));
      out.emplace(std::move(f));
    }
    KEEP_ASSIGN_OR_RETURN(Client * c, ctx.client());
    auto e = c->Encrypt(a->key, plain.view(), context);
    plain.Wipe();
    KEEP_RETURN_IF_ERROR(ctx.Refused(e.status()));
    if (out) KEEP_RETURN_IF_ERROR(WriteAndCommit(*out, e->ciphertext + "\n"));
    if (ctx.globals().json()) {
      ctx.PrintJson(
          json::object{{"ciphertext", e->ciphertext}, {"key", e->key}, {"version", e->version}});
    }
    return Status::Ok();
  });

  auto* dec = app.add_subcommand("decrypt", "decrypt a ciphertext; writes the raw plaintext");
  dec->add_option("--key", a->key, "key name (default: the key named in the ciphertext)");
  dec->add_option("--context", a->context, "encryption context KEY=VALUE (repeatable)");
  dec->add_option("--in", a->in, "read the ciphertext from FILE (default stdin)");
  dec->add_option("--out", a->out, "write the plaintext to FILE (default stdout)");
  Action(dec, rc, [&ctx, a]() -> Status {
    KEEP_RETURN_IF_ERROR(RefuseOutputOverInput(a->in, a->out));
    KEEP_ASSIGN_OR_RETURN(std::string ct, ReadInput(a->in));
    KEEP_ASSIGN_OR_RETURN(EncryptionContext context, ParseContextMap(a->context));
    // With --format json and no --out the JSON answer (plaintext in base64) is the output;
    // with --out the plaintext goes there and the answer without it to stdout.
    const bool to_file = !a->out.empty() && a->out != "-";
    std::optional<OutputFile> out;
    if (!ctx.globals().json() || to_file) {  // a plaintext: 0600
      KEEP_ASSIGN_OR_RETURN(OutputFile f, OpenOutput(a->out, 0600));
      out.emplace(std::move(f));
    }
    KEEP_ASSIGN_OR_RETURN(Client * c, ctx.client());
    auto p = c->Decrypt(a->key, Trim(std::move(ct)), context);
    KEEP_RETURN_IF_ERROR(ctx.Refused(p.status()));
    if (out) KEEP_RETURN_IF_ERROR(WriteAndCommit(*out, p->plaintext.view()));
    if (ctx.globals().json()) {
      json::object o = SecretBody();  // the plaintext, base64, in wiping memory
      if (to_file) {
        o["output"] = a->out;
      } else {
        o["plaintext"] = crypto::EncodeBase64Secret(AsBytes(p->plaintext.view())).view();
      }
      o["key"] = p->key;
      o["version"] = p->version;
      ctx.PrintJson(o);
    }
    return Status::Ok();
  });

  auto* rw = app.add_subcommand("rewrap", "re-encrypt a ciphertext under the key's latest version");
  rw->add_option("--key", a->key, "key name")->required();
  rw->add_option("--context", a->context, "encryption context KEY=VALUE (repeatable)");
  rw->add_option("--in", a->in, "read the ciphertext from FILE (default stdin)");
  auto stream = std::make_shared<RewrapStreamArgs>();
  auto streaming = std::make_shared<bool>(false);
  rw->add_flag("--stream", *streaming,
               "rewrap many: one keep ciphertext, base64 record or JSON object "
               "{\"ciphertext\"|\"record\", \"context\"} per line, stdin to stdout, in batches");
  rw->add_option("--rate", stream->rate, "with --stream: at most this many items per second")
      ->check(CLI::NonNegativeNumber);
  rw->add_option("--batch", stream->batch, "with --stream: items per request (default 1000)")
      ->check(CLI::Range(1, 10000));
  rw->add_option("--out", stream->out, "with --stream: write to FILE (default stdout)");
  Action(rw, rc, [&ctx, a, stream, streaming]() -> Status {
    if (*streaming) {
      stream->key = a->key;
      stream->context = a->context;
      stream->in = a->in;
      return RewrapStream(ctx, *stream);
    }
    KEEP_ASSIGN_OR_RETURN(std::string ct, ReadInput(a->in));
    KEEP_ASSIGN_OR_RETURN(EncryptionContext context, ParseContextMap(a->context));
    KEEP_ASSIGN_OR_RETURN(Client * c, ctx.client());
    auto w = c->Rewrap(a->key, Trim(std::move(ct)), context);
    KEEP_RETURN_IF_ERROR(ctx.Refused(w.status()));
    if (ctx.globals().json()) {
      ctx.PrintJson(
          json::object{{"ciphertext", w->ciphertext}, {"key", w->key}, {"version", w->version}});
    } else {
      std::cout << w->ciphertext << "\n";
    }
    return Status::Ok();
  });

  auto* dk =
      app.add_subcommand("datakey", "generate a data key: plaintext (base64) and wrapped copy");
  dk->add_option("--key", a->key, "key name")->required();
  dk->add_option("--bits", a->bits, "key size")->check(CLI::IsMember({128, 256, 512}));
  dk->add_flag("--no-plaintext", a->no_plaintext, "return only the wrapped copy");
  dk->add_option("--context", a->context, "encryption context KEY=VALUE (repeatable)");
  Action(dk, rc, [&ctx, a]() -> Status {
    KEEP_ASSIGN_OR_RETURN(EncryptionContext context, ParseContextMap(a->context));
    KEEP_ASSIGN_OR_RETURN(Client * c, ctx.client());
    auto d = c->GenerateDataKey(a->key, a->bits, !a->no_plaintext, context);
    KEEP_RETURN_IF_ERROR(ctx.Refused(d.status()));
    // The plaintext goes from wiping memory straight to stdout.
    SecretString b64;
    if (d->plaintext) b64 = crypto::EncodeBase64Secret(AsBytes(d->plaintext->view()));
    if (ctx.globals().json()) {
      json::object o = SecretBody();
      if (d->plaintext) o["plaintext"] = b64.view();
      o["ciphertext"] = d->ciphertext;
      o["key"] = d->key;
      o["version"] = d->version;
      ctx.PrintJson(o);
      return Status::Ok();
    }
    if (d->plaintext) std::cout << "plaintext:  " << b64.view() << "\n";
    std::cout << "ciphertext: " << d->ciphertext << "\n";
    return Status::Ok();
  });

  auto n = std::make_shared<int>(0);
  auto* rnd = app.add_subcommand("random", "N random bytes from the server, base64");
  rnd->add_option("bytes", *n, "how many bytes (1-1024)")->required()->check(CLI::Range(1, 1024));
  Action(rnd, rc, [&ctx, n]() -> Status {
    KEEP_ASSIGN_OR_RETURN(Client * c, ctx.client());
    auto r = c->Random(*n);
    KEEP_RETURN_IF_ERROR(ctx.Refused(r.status()));
    const SecretString b64 = crypto::EncodeBase64Secret(AsBytes(r->view()));
    if (ctx.globals().json()) {
      json::object o = SecretBody();
      o["random"] = b64.view();
      ctx.PrintJson(o);
    } else {
      std::cout << b64.view() << "\n";
    }
    return Status::Ok();
  });
}

}  // namespace keep::cli
