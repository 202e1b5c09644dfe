// keep key public, keep sign|verify, keep hmac [--verify] — keys beyond AES, through
// libkeep's typed calls.
#include <iostream>

#include "cli/cli_internal.h"
#include "crypto/asymmetric.h"

namespace keep::cli {
namespace {

struct SignArgs {
  std::string key, in, out, algorithm, signature, signature_file, raw_out;
  bool digest = false, verify = false, der = false;
  int version = 0;
};

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// The signature or MAC to check: --signature TEXT or --signature-file FILE.
Result<std::string> GivenSignature(const SignArgs& a, const char* what) {
  if (a.signature.empty() == a.signature_file.empty()) {
    return Usage(std::string("give the ") + what + " with exactly one of --signature and " +
                 "--signature-file");
  }
  if (!a.signature.empty()) return a.signature;
  KEEP_ASSIGN_OR_RETURN(std::string text, ReadInput(a.signature_file));
  return Trimmed(std::move(text));
}

Status PrintSignature(Context& ctx, const SignArgs& a, const Signature& s, const char* field) {
  if (!a.raw_out.empty()) {  // the raw bytes, for openssl and other tools
    KEEP_ASSIGN_OR_RETURN(OutputFile f, OpenOutput(a.raw_out, 0644));
    KEEP_RETURN_IF_ERROR(WriteAndCommit(f, s.bytes));
  }
  if (ctx.globals().json()) {
    json::object o{{field, s.text}, {"key", s.key}, {"version", s.version}};
    if (!s.algorithm.empty()) o["algorithm"] = s.algorithm;
    ctx.PrintJson(o);
    return Status::Ok();
  }
  KEEP_ASSIGN_OR_RETURN(OutputFile out, OpenOutput(a.out, 0644));
  return WriteAndCommit(out, s.text + "\n");
}

Status Checked(Context& ctx, const Result<Verification>& v) {
  KEEP_RETURN_IF_ERROR(ctx.Refused(v.status()));
  if (ctx.globals().json()) {
    ctx.PrintJson(json::object{{"valid", v->valid}, {"key", v->key}, {"version", v->version}});
  } else if (v->valid) {
    std::cout << "valid (key " << v->key << ", version " << v->version << ")\n";
  }
  if (!v->valid) {
    return Status(Code::kInvalidArgument, "invalid_signature",
                  "not valid for key " + v->key + " version " + std::to_string(v->version) +
                      " (invalid_signature)");
  }
  return Status::Ok();
}

}  // namespace

void AddSignCommands(CLI::App& app, CLI::App& key_cmd, Context& ctx, int& rc) {
  auto a = std::make_shared<SignArgs>();

  auto* pub = key_cmd.add_subcommand(
      "public", "write a key version's public half (PEM with keep's lines: NAME.pub)");
  pub->add_option("name", a->key, "key name")->required();
  pub->add_option("--version", a->version, "key version (default: the latest)")
      ->check(CLI::PositiveNumber);
  pub->add_option("--out", a->out, "write to FILE (default stdout)");
  pub->add_flag("--der", a->der, "write the DER SubjectPublicKeyInfo alone (no keep lines)");
  Action(pub, rc, [&ctx, a]() -> Status {
    KEEP_ASSIGN_OR_RETURN(Client * c, ctx.client());
    std::optional<uint32_t> v;
    if (a->version > 0) v = static_cast<uint32_t>(a->version);
    auto p = c->GetPublicKey(a->key, v);
    KEEP_RETURN_IF_ERROR(ctx.Refused(p.status()));
    if (a->der) {
      KEEP_ASSIGN_OR_RETURN(OutputFile out, OpenOutput(a->out, 0644));
      return WriteAndCommit(out, p->der);
    }
    if (ctx.globals().json() && (a->out.empty() || a->out == "-")) {
      ctx.PrintJson(json::object{{"key", p->key},
                                 {"key_id", p->key_id},
                                 {"version", p->version},
                                 {"type", p->type},
                                 {"purpose", p->purpose},
                                 {"public_key_pem", p->pem},
                                 {"public_key_file", p->file}});
      return Status::Ok();
    }
    KEEP_ASSIGN_OR_RETURN(OutputFile out, OpenOutput(a->out, 0644));
    return WriteAndCommit(out, p->file);
  });

  auto* import = key_cmd.add_subcommand(
      "import", "import key material as the key's new version (wrapped here, unwrapped by keepd)");
  import->add_option("name", a->key, "key name")->required();
  import
      ->add_option("--material", a->in,
                   "FILE: 32 raw bytes (AES), the hash's size (HMAC), or a private key (PEM or "
                   "PKCS#8 DER) for asymmetric keys")
      ->required();
  Action(import, rc, [&ctx, a]() -> Status {
    KEEP_ASSIGN_OR_RETURN(SecretString raw, ReadSecretInput(a->in));
    SecretString material;
    if (std::string_view(raw).find("-----BEGIN") != std::string_view::npos) {
      auto pair = crypto::asym::KeyPair::FromPemOrDer(AsBytes(std::string_view(raw)));
      if (!pair.ok()) return Prefixed(pair.status(), a->in + ": ");
      KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes der, pair->Pkcs8());
      material.assign(reinterpret_cast<const char*>(der.data()), der.size());
    } else {
      material = std::move(raw);
    }
    KEEP_ASSIGN_OR_RETURN(Client * c, ctx.client());
    auto k = c->ImportKeyMaterial(a->key, material);
    KEEP_RETURN_IF_ERROR(ctx.Refused(k.status()));
    if (ctx.globals().json()) {
      ctx.PrintJson(json::object{{"key", k->name}, {"version", k->latest_version}});
    } else {
      std::cout << "imported version " << k->latest_version << " of " << k->name
                << " (origin external)\n";
    }
    return Status::Ok();
  });

  auto* sign = app.add_subcommand("sign", "sign data with a signing key; prints keep:v<N>:<b64>");
  sign->add_option("--key", a->key, "key name")->required();
  sign->add_option("--in", a->in, "read the message (or digest) from FILE (default stdin)");
  sign->add_flag("--digest", a->digest, "the input is a digest of the message (raw bytes)");
  sign->add_option("--algorithm", a->algorithm,
                   "rsa-pss-sha256 (RSA default), rsa-pkcs1-sha256, ecdsa-sha384, …");
  sign->add_option("--version", a->version, "key version (default: the latest)")
      ->check(CLI::PositiveNumber);
  sign->add_option("--out", a->out, "write the signature to FILE (default stdout)");
  sign->add_option("--raw-out", a->raw_out, "also write the raw signature bytes to FILE");
  Action(sign, rc, [&ctx, a]() -> Status {
    KEEP_ASSIGN_OR_RETURN(std::string data, ReadInput(a->in));
    KEEP_ASSIGN_OR_RETURN(Client * c, ctx.client());
    std::optional<uint32_t> v;
    if (a->version > 0) v = static_cast<uint32_t>(a->version);
    auto s = c->Sign(a->key, data, a->digest, a->algorithm, v);
    KEEP_RETURN_IF_ERROR(ctx.Refused(s.status()));
    return PrintSignature(ctx, *a, *s, "signature");
  });

  auto* verify = app.add_subcommand(
      "verify", "verify a signature through keep (exit 1 with invalid_signature when not valid)");
  verify->add_option("--key", a->key, "key name")->required();
  verify->add_option("--in", a->in, "read the message (or digest) from FILE (default stdin)");
  verify->add_flag("--digest", a->digest, "the input is a digest of the message");
  verify->add_option("--algorithm", a->algorithm, "the algorithm it was signed with");
  verify->add_option("--signature", a->signature, "keep:v<N>:<base64>");
  verify->add_option("--signature-file", a->signature_file, "read the signature from FILE");
  Action(verify, rc, [&ctx, a]() -> Status {
    KEEP_ASSIGN_OR_RETURN(std::string sig, GivenSignature(*a, "signature"));
    KEEP_ASSIGN_OR_RETURN(std::string data, ReadInput(a->in));
    KEEP_ASSIGN_OR_RETURN(Client * c, ctx.client());
    return Checked(ctx, c->Verify(a->key, data, sig, a->digest, a->algorithm));
  });

  auto* hmac = app.add_subcommand(
      "hmac", "make (or with --verify check) an HMAC with an HMAC key; prints keep:v<N>:<b64>");
  hmac->add_option("--key", a->key, "key name")->required();
  hmac->add_option("--in", a->in, "read the message from FILE (default stdin)");
  hmac->add_option("--version", a->version, "key version (default: the latest)")
      ->check(CLI::PositiveNumber);
  hmac->add_flag("--verify", a->verify, "check --signature/--signature-file instead");
  hmac->add_option("--signature", a->signature, "the MAC to check, keep:v<N>:<base64>");
  hmac->add_option("--signature-file", a->signature_file, "read the MAC to check from FILE");
  hmac->add_option("--out", a->out, "write the MAC to FILE (default stdout)");
  hmac->add_option("--raw-out", a->raw_out, "also write the raw MAC bytes to FILE");
  Action(hmac, rc, [&ctx, a]() -> Status {
    KEEP_ASSIGN_OR_RETURN(SecretString data, ReadSecretInput(a->in));
    KEEP_ASSIGN_OR_RETURN(Client * c, ctx.client());
    if (a->verify) {
      KEEP_ASSIGN_OR_RETURN(std::string mac, GivenSignature(*a, "MAC"));
      return Checked(ctx, c->VerifyHmac(a->key, data.view(), mac));
    }
    std::optional<uint32_t> v;
    if (a->version > 0) v = static_cast<uint32_t>(a->version);
    auto s = c->Hmac(a->key, data.view(), v);
    KEEP_RETURN_IF_ERROR(ctx.Refused(s.status()));
    return PrintSignature(ctx, *a, *s, "mac");
  });
}

}  // namespace keep::cli
