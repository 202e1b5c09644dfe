// keep encrypt|decrypt|rewrap|datakey|random
#include <openssl/crypto.h>

#include <iostream>
#include <optional>

#include "cli/cli_internal.h"
#include "cli/file_stream.h"
#include "cli/reply.h"
#include "common/encoding.h"

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

void Wipe(std::string& s) {
  OPENSSL_cleanse(s.data(), s.size());
}

}  // namespace

void AddCryptoCommands(CLI::App& app, Context& ctx, int& rc) {
  auto a = std::make_shared<CryptoArgs>();

  auto* enc = app.add_subcommand("encrypt", "encrypt data under a key; prints the ciphertext");
  enc->add_option("--key", a->key, "key name")->required();
  enc->add_option("--context", a->context, "encryption context KEY=VALUE (repeatable)");
  enc->add_option("--in", a->in, "read plaintext from FILE (default stdin)");
  enc->add_option("--out", a->out, "write the ciphertext to FILE (default stdout)");
  enc->callback([&ctx, &rc, a] {
    json::object body{{"context", ParseContext(a->context)}};
    RefuseOutputOverInput(a->in, a->out);
    std::string plain = ReadInput(a->in);
    // With --format json and no --out the JSON answer is the output; with --out the
    // ciphertext goes there and the JSON answer to stdout.
    const bool to_file = !a->out.empty() && a->out != "-";
    std::optional<OutputFile> out;
    if (!ctx.globals().json() || to_file) out.emplace(OpenOutput(a->out, 0644));
    std::string b64 = Base64Encode(AsBytes(plain));
    Wipe(plain);
    body["plaintext"] = b64;
    Wipe(b64);
    json::value b = body;
    auto v = ctx.Call("POST", "/v1/keys/" + a->key + "/encrypt", &b);
    if (!v) {
      rc = 1;
      return;
    }
    if (out && !WriteAndCommit(*out, Reply(*v, "encrypt").Str("ciphertext") + "\n")) {
      rc = 1;
      return;
    }
    if (ctx.globals().json()) ctx.PrintJson(*v);
  });

  auto* dec = app.add_subcommand("decrypt", "decrypt a ciphertext; writes the raw plaintext");
  dec->add_option("--key", a->key, "key name (default: the key named in the ciphertext)");
  dec->add_option("--context", a->context, "encryption context KEY=VALUE (repeatable)");
  dec->add_option("--in", a->in, "read the ciphertext from FILE (default stdin)");
  dec->add_option("--out", a->out, "write the plaintext to FILE (default stdout)");
  dec->callback([&ctx, &rc, a] {
    RefuseOutputOverInput(a->in, a->out);
    json::value b =
        json::object{{"ciphertext", Trim(ReadInput(a->in))}, {"context", ParseContext(a->context)}};
    // With --format json and no --out the JSON answer (plaintext in base64) is the output;
    // with --out the plaintext goes there and the answer without it to stdout.
    const bool to_file = !a->out.empty() && a->out != "-";
    std::optional<OutputFile> out;
    if (!ctx.globals().json() || to_file) out.emplace(OpenOutput(a->out, 0600));  // plaintext
    auto v =
        ctx.Call("POST", a->key.empty() ? "/v1/decrypt" : "/v1/keys/" + a->key + "/decrypt", &b);
    if (!v) {
      rc = 1;
      return;
    }
    const Reply r(*v, "decrypt");
    if (out) {
      auto plain = Base64Decode(r.View("plaintext"));
      if (!plain.ok()) throw Failure{"the server's answer to decrypt is malformed: bad base64"};
      const bool written = WriteAndCommit(*out, AsChars(*plain));
      OPENSSL_cleanse(plain->data(), plain->size());
      if (!written) {
        rc = 1;
        return;
      }
    }
    if (ctx.globals().json()) {
      if (!to_file) return ctx.PrintJson(*v);
      json::object meta = r.object();
      if (auto* p = meta.if_contains("plaintext"); p && p->is_string()) {
        OPENSSL_cleanse(p->as_string().data(), p->as_string().size());
      }
      meta.erase("plaintext");
      meta["output"] = a->out;
      ctx.PrintJson(meta);
    }
  });

  auto* rw = app.add_subcommand("rewrap", "re-encrypt a ciphertext under the key's latest version");
  rw->add_option("--key", a->key, "key name")->required();
  rw->add_option("--context", a->context, "encryption context KEY=VALUE (repeatable)");
  rw->add_option("--in", a->in, "read the ciphertext from FILE (default stdin)");
  rw->callback([&ctx, &rc, a] {
    json::value b =
        json::object{{"ciphertext", Trim(ReadInput(a->in))}, {"context", ParseContext(a->context)}};
    auto v = ctx.Call("POST", "/v1/keys/" + a->key + "/rewrap", &b);
    if (!v) {
      rc = 1;
      return;
    }
    if (ctx.globals().json()) return ctx.PrintJson(*v);
    std::cout << Reply(*v, "rewrap").Str("ciphertext") << "\n";
  });

  auto* dk =
      app.add_subcommand("datakey", "generate a data key: plaintext (base64) and wrapped copy");
  dk->add_option("--key", a->key, "key name")->required();
  dk->add_option("--bits", a->bits, "key size")->check(CLI::IsMember({128, 256, 512}));
  dk->add_flag("--no-plaintext", a->no_plaintext, "return only the wrapped copy");
  dk->add_option("--context", a->context, "encryption context KEY=VALUE (repeatable)");
  dk->callback([&ctx, &rc, a] {
    json::value b = json::object{
        {"bits", a->bits}, {"plaintext", !a->no_plaintext}, {"context", ParseContext(a->context)}};
    auto v = ctx.Call("POST", "/v1/keys/" + a->key + "/datakey", &b);
    if (!v) {
      rc = 1;
      return;
    }
    if (ctx.globals().json()) return ctx.PrintJson(*v);
    const Reply r(*v, "datakey");
    if (r.Has("plaintext")) std::cout << "plaintext:  " << r.View("plaintext") << "\n";
    std::cout << "ciphertext: " << r.Str("ciphertext") << "\n";
  });

  auto n = std::make_shared<int>(0);
  auto* rnd = app.add_subcommand("random", "N random bytes from the server, base64");
  rnd->add_option("bytes", *n, "how many bytes (1-1024)")->required()->check(CLI::Range(1, 1024));
  rnd->callback([&ctx, &rc, n] {
    json::value b = json::object{{"bytes", *n}};
    auto v = ctx.Call("POST", "/v1/random", &b);
    if (!v) {
      rc = 1;
      return;
    }
    if (ctx.globals().json()) return ctx.PrintJson(*v);
    std::cout << Reply(*v, "random").Str("random") << "\n";
  });
}

}  // namespace keep::cli
