// keep keygen: a key pair for a person (a share custodian, a file recipient).
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>

#include "cli/cli_age.h"
#include "cli/cli_internal.h"
#include "cli/secret_input.h"
#include "common/output_file.h"
#include "crypto/pubkey.h"
#include "format/age.h"

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

// mkdir -p with mode 0700 for the directories it creates.
Status MakeParents(const std::string& path) {
  for (size_t i = path.find('/', 1); i != std::string::npos; i = path.find('/', i + 1)) {
    const std::string dir = path.substr(0, i);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return Usage("cannot create " + dir + ": " + std::strerror(errno));
    }
  }
  return Status::Ok();
}

// An age identity file as age-keygen writes it: created and public key comments, then the
// AGE-SECRET-KEY-1… line; at the default identity location when `out` is empty.
Status AgeKeygen(Context& ctx, std::string out) {
  if (out.empty()) {
    out = DefaultAgeIdentityFile();
    if (out.empty()) return Usage("give --out (no HOME for the default identity location)");
    KEEP_RETURN_IF_ERROR(MakeParents(out));
  }
  KEEP_ASSIGN_OR_RETURN(OutputFile file, NewKeyFile(out, 0600));
  KEEP_ASSIGN_OR_RETURN(format::age::Identity id, format::age::GenerateIdentity());
  const std::string recipient = format::age::RecipientString(id.public_key);
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  char created[32];
  std::strftime(created, sizeof created, "%FT%TZ", ::gmtime_r(&now, &tm));
  SecretString text;
  text += std::string("# created: ") + created + "\n# public key: " + recipient + "\n";
  text += format::age::IdentityString(id);
  text += '\n';
  KEEP_RETURN_IF_ERROR(file.Write(AsBytes(std::string_view(text))));
  KEEP_RETURN_IF_ERROR(file.Commit());
  if (ctx.globals().json()) {
    ctx.PrintJson(json::object{{"identity", out}, {"recipient", recipient}, {"type", "age"}});
  } else {
    std::cout << "identity:   " << out << " (age, X25519)\n"
              << "public key: " << recipient << "\n";
  }
  return Status::Ok();
}

}  // namespace

void AddKeygenCommand(CLI::App& app, Context& ctx, int& rc) {
  auto* kg = app.add_subcommand(
      "keygen", "make a key pair for a person: OUT (private, mode 0600) and OUT.pub");
  auto type = std::make_shared<std::string>("x25519");
  auto out = std::make_shared<std::string>();
  auto with_pass = std::make_shared<bool>(false);
  kg->add_option("--type", *type,
                 "x25519 (default), rsa-3072 or rsa-4096 (PEM), or age (an age identity file, "
                 "as age-keygen writes)")
      ->check(CLI::IsMember({"x25519", "rsa-3072", "rsa-4096", "age"}));
  kg->add_option("--out", *out,
                 "file name of the private key (required but for --type age, whose default is "
                 "$KEEP_AGE_KEY_FILE or ~/.config/keep/age/keys.txt)");
  kg->add_flag("--passphrase", *with_pass,
               "encrypt the private key with a passphrase (KEEP_PASSPHRASE, --passphrase-file, "
               "or asked twice on the terminal)");
  Action(kg, rc, [&ctx, type, out, with_pass]() -> Status {
    if (*type == "age") {
      if (*with_pass) return Usage("age identity files have no passphrase here: use age -p");
      return AgeKeygen(ctx, *out);
    }
    if (out->empty()) return Usage("--out is required");
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
