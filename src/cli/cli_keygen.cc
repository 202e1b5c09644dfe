// keep keygen: a key pair for a person (a share custodian, a file recipient).
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "cli/cli_internal.h"
#include "crypto/pubkey.h"

namespace keep::cli {
namespace {

// Writes `data` to a new file with mode `mode`; refuses to overwrite.
void WriteNewFile(const std::string& path, ByteView data, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) throw UsageError{"cannot create " + path + " (does it exist already?)"};
  const bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    throw UsageError{"cannot write " + path};
  }
}

}  // namespace

void AddKeygenCommand(CLI::App& app, int& rc) {
  auto* kg = app.add_subcommand(
      "keygen", "make a key pair for a person: OUT (private, mode 0600) and OUT.pub");
  auto type = std::make_shared<std::string>("x25519");
  auto out = std::make_shared<std::string>();
  auto with_pass = std::make_shared<bool>(false);
  kg->add_option("--type", *type, "x25519 (default), rsa-3072 or rsa-4096")
      ->check(CLI::IsMember({"x25519", "rsa-3072", "rsa-4096"}));
  kg->add_option("--out", *out, "file name of the private key")->required();
  kg->add_flag("--passphrase", *with_pass,
               "encrypt the private key with a passphrase (prompted, or KEEP_KEYGEN_PASSPHRASE)");
  kg->callback([&rc, type, out, with_pass] {
    const crypto::KeyType kt = *type == "x25519" ? crypto::KeyType::kX25519 : crypto::KeyType::kRsa;
    auto key = crypto::GeneratePrivateKey(kt, *type == "rsa-4096" ? 4096 : 3072);
    if (!key.ok()) throw UsageError{std::string(key.status().message())};
    crypto::SecretBytes pass;
    if (*with_pass) {
      const char* env = std::getenv("KEEP_KEYGEN_PASSPHRASE");
      std::string p = env != nullptr ? env : PromptHidden("Passphrase: ");
      if (env == nullptr && PromptHidden("Again: ") != p) throw UsageError{"passphrases differ"};
      if (p.size() < 8) throw UsageError{"use a passphrase of at least 8 characters"};
      pass = crypto::SecretBytes::CopyOf(AsBytes(p));
    }
    auto pem = crypto::PrivateKeyPem(*key, pass.view());
    if (!pem.ok()) throw UsageError{std::string(pem.status().message())};
    const std::string pub = crypto::PublicKeyPem(key->public_key());
    WriteNewFile(*out + ".pub", AsBytes(pub), 0644);
    WriteNewFile(*out, pem->view(), 0600);
    std::cout << "private key: " << *out << " (" << key->public_key().Describe() << ")\n"
              << "public key:  " << *out << ".pub\n"
              << "fingerprint: " << key->public_key().fingerprint() << "\n";
    rc = 0;
  });
}

}  // namespace keep::cli
