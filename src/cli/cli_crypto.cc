// keep encrypt|decrypt|rewrap|datakey|random
#include <iostream>
#include <optional>
#include <sstream>

#include "cli/cli_internal.h"
#include "cli/file_stream.h"
#include "cli/reply.h"
#include "common/encoding.h"
#include "crypto/secret_bytes.h"

namespace keep::cli {
namespace {

struct CryptoArgs {
  std::string key, in, out;
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
  enc->add_option("--key", a->key, "key name")->required();
  enc->add_option("--context", a->context, "encryption context KEY=VALUE (repeatable)");
  enc->add_option("--in", a->in, "read plaintext from FILE (default stdin)");
  enc->add_option("--out", a->out, "write the ciphertext to FILE (default stdout)");
  Action(enc, rc, [&ctx, a]() -> Status {
    KEEP_ASSIGN_OR_RETURN(json::object context, ParseContext(a->context));
    json::object body = SecretBody();
    body["context"] = std::move(context);
    KEEP_RETURN_IF_ERROR(RefuseOutputOverInput(a->in, a->out));
    KEEP_ASSIGN_OR_RETURN(SecretString plain, ReadSecretInput(a->in));
    // With --format json and no --out the JSON answer is the output; with --out the
    // ciphertext goes there and the JSON answer to stdout.
    const bool to_file = !a->out.empty() && a->out != "-";
    std::optional<OutputFile> out;
    if (!ctx.globals().json() || to_file) {
      KEEP_ASSIGN_OR_RETURN(OutputFile f, OpenOutput(a->out, 0644));
      out.emplace(std::move(f));
    }
    body["plaintext"] = crypto::EncodeBase64Secret(AsBytes(plain.view())).view();
    plain.Wipe();
    json::value b(std::move(body));  // keeps the wiping storage
    KEEP_ASSIGN_OR_RETURN(auto v, ctx.Call("POST", "/v1/keys/" + a->key + "/encrypt", &b));
    if (out) {
      const Reply r(v, "encrypt");
      const std::string ct = r.Str("ciphertext");
      KEEP_RETURN_IF_ERROR(r.status());
      KEEP_RETURN_IF_ERROR(WriteAndCommit(*out, ct + "\n"));
    }
    if (ctx.globals().json()) ctx.PrintJson(v);
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
    KEEP_ASSIGN_OR_RETURN(json::object context, ParseContext(a->context));
    json::value b =
        json::object{{"ciphertext", Trim(std::move(ct))}, {"context", std::move(context)}};
    // With --format json and no --out the JSON answer (plaintext in base64) is the output;
    // with --out the plaintext goes there and the answer without it to stdout.
    const bool to_file = !a->out.empty() && a->out != "-";
    std::optional<OutputFile> out;
    if (!ctx.globals().json() || to_file) {  // a plaintext: 0600
      KEEP_ASSIGN_OR_RETURN(OutputFile f, OpenOutput(a->out, 0600));
      out.emplace(std::move(f));
    }
    KEEP_ASSIGN_OR_RETURN(
        auto v,
        ctx.Call("POST", a->key.empty() ? "/v1/decrypt" : "/v1/keys/" + a->key + "/decrypt", &b));
    const Reply r(v, "decrypt");
    if (out) {
      const std::string_view b64 = r.View("plaintext");
      KEEP_RETURN_IF_ERROR(r.status());
      auto plain = crypto::DecodeBase64Secret(b64);
      if (!plain.ok()) return BadAnswer("the server's answer to decrypt is malformed: bad base64");
      KEEP_RETURN_IF_ERROR(WriteAndCommit(*out, AsChars(plain->view())));
    }
    if (ctx.globals().json()) {
      if (!to_file) {
        ctx.PrintJson(v);
        return Status::Ok();
      }
      json::object meta = r.object();  // on the answer's wiping storage
      meta.erase("plaintext");
      meta["output"] = a->out;
      ctx.PrintJson(meta);
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
    KEEP_ASSIGN_OR_RETURN(json::object context, ParseContext(a->context));
    json::value b =
        json::object{{"ciphertext", Trim(std::move(ct))}, {"context", std::move(context)}};
    KEEP_ASSIGN_OR_RETURN(auto v, ctx.Call("POST", "/v1/keys/" + a->key + "/rewrap", &b));
    if (ctx.globals().json()) {
      ctx.PrintJson(v);
      return Status::Ok();
    }
    const Reply r(v, "rewrap");
    TextOut out;
    out << r.Str("ciphertext") << "\n";
    return r.Print(out);
  });

  auto* dk =
      app.add_subcommand("datakey", "generate a data key: plaintext (base64) and wrapped copy");
  dk->add_option("--key", a->key, "key name")->required();
  dk->add_option("--bits", a->bits, "key size")->check(CLI::IsMember({128, 256, 512}));
  dk->add_flag("--no-plaintext", a->no_plaintext, "return only the wrapped copy");
  dk->add_option("--context", a->context, "encryption context KEY=VALUE (repeatable)");
  Action(dk, rc, [&ctx, a]() -> Status {
    KEEP_ASSIGN_OR_RETURN(json::object context, ParseContext(a->context));
    json::value b = json::object{
        {"bits", a->bits}, {"plaintext", !a->no_plaintext}, {"context", std::move(context)}};
    KEEP_ASSIGN_OR_RETURN(auto v, ctx.Call("POST", "/v1/keys/" + a->key + "/datakey", &b));
    if (ctx.globals().json()) {
      ctx.PrintJson(v);
      return Status::Ok();
    }
    // Checked before anything is printed; the plaintext goes straight to stdout, never
    // through a buffer of ours.
    const Reply r(v, "datakey");
    const std::string ct = r.Str("ciphertext");
    const std::string_view plain = r.Has("plaintext") ? r.View("plaintext") : std::string_view();
    KEEP_RETURN_IF_ERROR(r.status());
    if (r.Has("plaintext")) std::cout << "plaintext:  " << plain << "\n";
    std::cout << "ciphertext: " << ct << "\n";
    return Status::Ok();
  });

  auto n = std::make_shared<int>(0);
  auto* rnd = app.add_subcommand("random", "N random bytes from the server, base64");
  rnd->add_option("bytes", *n, "how many bytes (1-1024)")->required()->check(CLI::Range(1, 1024));
  Action(rnd, rc, [&ctx, n]() -> Status {
    json::value b = json::object{{"bytes", *n}};
    KEEP_ASSIGN_OR_RETURN(auto v, ctx.Call("POST", "/v1/random", &b));
    if (ctx.globals().json()) {
      ctx.PrintJson(v);
      return Status::Ok();
    }
    const Reply r(v, "random");
    TextOut out;
    out << r.Str("random") << "\n";
    return r.Print(out);
  });
}

}  // namespace keep::cli
