// keep keygen: a key pair for a person (a share custodian, a file recipient).
#include <cstdlib>
#include <iostream>

#include "cli/cli_internal.h"
#include "cli/secret_input.h"
#include "common/output_file.h"
#include "crypto/pubkey.h"

namespace keep::cli {
namespace {

// A new file for a key (common/output_file.h): an existing regular file is never replaced
// (published with link(2)); a device or FIFO is written in place; links are followed.
Result<OutputFile> NewKeyFile(const std::string& path, mode_t mode) {
  OutputOptions opt;
  opt.mode = mode;
  opt.existing = OutputOptions::Existing::kRefuse;
  auto f = OutputFile::Open(path, opt);
  if (!f.ok()) return Usage(f.status().message());
  return f;
}

}  // namespace

void AddKeygenCommand(CLI::App& app, Context& ctx, int& rc) {
  auto* kg = app.add_subcommand(
      "keygen", "make a key pair for a person: OUT (private, mode 0600) and OUT.pub");
  auto type = std::make_shared<std::string>("x25519");
  auto out = std::make_shared<std::string>();
  auto with_pass = std::make_shared<bool>(false);
  kg->add_option("--type", *type, "x25519 (default), rsa-3072 or rsa-4096")
      ->check(CLI::IsMember({"x25519", "rsa-3072", "rsa-4096"}));
  kg->add_option("--out", *out, "file name of the private key")->required();
  kg->add_flag("--passphrase", *with_pass,
               "encrypt the private key with a passphrase (KEEP_PASSPHRASE, --passphrase-file, "
               "or asked twice on the terminal)");
  Action(kg, rc, [&ctx, type, out, with_pass]() -> Status {
    // Refused before any work (or passphrase prompt) if either file exists.
    KEEP_ASSIGN_OR_RETURN(OutputFile priv, NewKeyFile(*out, 0600));
    KEEP_ASSIGN_OR_RETURN(OutputFile pubf, NewKeyFile(*out + ".pub", 0644));
    const crypto::KeyType kt = *type == "x25519" ? crypto::KeyType::kX25519 : crypto::KeyType::kRsa;
    auto key = crypto::GeneratePrivateKey(kt, *type == "rsa-4096" ? 4096 : 3072);
    KEEP_RETURN_IF_ERROR(key.status());
    crypto::SecretBytes pass;
    if (*with_pass) {
      KEEP_ASSIGN_OR_RETURN(pass, ReadPassphrase("Passphrase: ", /*confirm=*/true));
      if (pass.size() < 8) return Usage("use a passphrase of at least 8 characters");
    }
    KEEP_ASSIGN_OR_RETURN(auto pem, crypto::PrivateKeyPem(*key, pass.view()));
    const std::string pub = crypto::PublicKeyPem(key->public_key());
    // The private key is published first, so a failure can leave a private key without its
    // .pub (openssl pkey -pubout remakes it), never a public key whose private half is lost.
    Status st = priv.Write(pem.view());
    if (st.ok()) st = pubf.Write(AsBytes(pub));
    if (st.ok()) st = priv.Commit();
    if (st.ok()) st = pubf.Commit();
    KEEP_RETURN_IF_ERROR(st);
    if (ctx.globals().json()) {
      ctx.PrintJson(json::object{{"private_key", *out},
                                 {"public_key", *out + ".pub"},
                                 {"type", *type},
                                 {"encrypted", *with_pass},
                                 {"fingerprint", key->public_key().fingerprint()}});
    } else {
      std::cout << "private key: " << *out << " (" << key->public_key().Describe() << ")\n"
                << "public key:  " << *out << ".pub\n"
                << "fingerprint: " << key->public_key().fingerprint() << "\n";
    }
    return Status::Ok();
  });
}

}  // namespace keep::cli
