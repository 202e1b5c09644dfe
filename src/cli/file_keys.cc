#include "cli/file_keys.h"

#include <cstdlib>

#include "cli/secret_input.h"
#include "common/encoding.h"
#include "crypto/pubkey.h"

namespace keep::cli {

namespace ff = format::file;

// The keep stanza's file key is a keep ciphertext bound to this context.
const EncryptionContext& KeepStanzaContext() {
  static const EncryptionContext c{{"keep-file", "v1"}};
  return c;
}

Result<std::vector<crypto::PublicKey>> LoadRecipients(const std::vector<std::string>& files) {
  std::vector<crypto::PublicKey> out;
  for (const auto& f : files) {
    KEEP_ASSIGN_OR_RETURN(const std::string pem, ReadInput(f));
    auto k = crypto::ParsePublicKeyPem(pem);
    if (!k.ok()) return Usage(f + ": " + k.status().message());
    out.push_back(std::move(*k));
  }
  return out;
}

namespace {

// A file key the server returned (a data key's or a decrypted stanza's plaintext), moved
// into locked memory; the answer's copy is wiped with it. A key of the wrong size is a bad
// answer (exit 1).
Result<crypto::SecretBytes> FileKeyFrom(const SecretString& plaintext) {
  if (plaintext.size() != ff::kFileKeySize) {
    return BadAnswer("the server returned a malformed file key");
  }
  return crypto::SecretBytes::LockedCopyOf(AsBytes(plaintext.view()));
}

ff::Stanza KeepStanzaFrom(const std::string& key, std::string_view ciphertext) {
  return ff::Stanza{ff::StanzaType::kKeep, Bytes(key.begin(), key.end()),
                    Bytes(ciphertext.begin(), ciphertext.end())};
}

}  // namespace

Result<ff::Stanza> KeepStanza(Context& ctx, const std::string& key,
                              const crypto::SecretBytes& file_key) {
  KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
  auto c = client->Encrypt(key, AsChars(file_key.view()), KeepStanzaContext());
  KEEP_RETURN_IF_ERROR(ctx.Refused(c.status()));
  return KeepStanzaFrom(key, c->ciphertext);
}

Result<std::pair<crypto::SecretBytes, ff::Stanza>> KeepDataKey(Context& ctx,
                                                               const std::string& key) {
  KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
  auto d = client->GenerateDataKey(key, 256, true, KeepStanzaContext());
  KEEP_RETURN_IF_ERROR(ctx.Refused(d.status()));
  KEEP_ASSIGN_OR_RETURN(auto file_key, FileKeyFrom(*d->plaintext));
  return std::pair{std::move(file_key), KeepStanzaFrom(key, d->ciphertext)};
}

// The file key: from a stanza one of `identities` opens, else from a keep stanza through
// the server.
Result<crypto::SecretBytes> FileKey(Context& ctx, const ff::Header& h,
                                    const std::vector<std::string>& identity_files) {
  for (const auto& f : identity_files) {
    KEEP_ASSIGN_OR_RETURN(const crypto::PrivateKey id, LoadIdentity(f));
    for (const auto& s : h.stanzas) {
      auto k = ff::OpenStanza(id, s);
      if (k.ok()) {
        KEEP_RETURN_IF_ERROR(ff::VerifyHeader(*k, h));
        return std::move(*k);
      }
    }
  }
  if (!identity_files.empty()) {
    return InvalidArgument("none of the given identities is a recipient of this file", "wrong_key");
  }
  for (const auto& s : h.stanzas) {
    if (s.type != ff::StanzaType::kKeep) continue;
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    auto p = client->Decrypt("", AsChars(s.body), KeepStanzaContext());
    KEEP_RETURN_IF_ERROR(ctx.Refused(p.status()));
    KEEP_ASSIGN_OR_RETURN(auto key, FileKeyFrom(p->plaintext));
    if (p->key != AsChars(s.recipient)) {
      return InvalidArgument("the keep stanza names key '" + std::string(AsChars(s.recipient)) +
                                 "' but its ciphertext is under another key",
                             "invalid_file");
    }
    KEEP_RETURN_IF_ERROR(ff::VerifyHeader(key, h));
    return key;
  }
  return InvalidArgument("this file has no keep stanza: give your private key with -i",
                         "wrong_key");
}

// A new file key with stanzas for `recipients` and its sealed header. With `keep_key` the
// file key is a data key of that keep key (the server's datakey API) and the file gets its
// keep stanza.
Result<ff::NewFile> NewSealedFile(Context& ctx, const std::vector<crypto::PublicKey>& recipients,
                                  const std::string& keep_key, uint8_t segment_log2) {
  KEEP_ASSIGN_OR_RETURN(ff::NewFile nf, ff::NewFileKey(segment_log2));
  std::optional<ff::Stanza> keep_stanza;
  if (!keep_key.empty()) {  // the server makes the file key (the salt stays ours)
    KEEP_ASSIGN_OR_RETURN(auto dk, KeepDataKey(ctx, keep_key));
    nf.file_key = std::move(dk.first);
    keep_stanza = std::move(dk.second);
  }
  for (const auto& r : recipients) {
    KEEP_ASSIGN_OR_RETURN(auto s, ff::WrapForRecipient(r, nf.file_key));
    nf.header.stanzas.push_back(std::move(s));
  }
  if (keep_stanza) nf.header.stanzas.push_back(std::move(*keep_stanza));
  KEEP_RETURN_IF_ERROR(ff::SealHeader(nf.file_key, nf.header));
  return nf;
}

Result<crypto::PrivateKey> LoadIdentity(const std::string& path) {
  KEEP_ASSIGN_OR_RETURN(const std::string pem, ReadInput(path));
  crypto::SecretBytes pass;
  if (pem.find("ENCRYPTED PRIVATE KEY") != std::string::npos) {
    KEEP_ASSIGN_OR_RETURN(
        pass, ReadPassphrase(("Passphrase for " + path + ": ").c_str(), /*confirm=*/false));
  }
  auto key = crypto::ParsePrivateKeyPem(pem, pass.view());
  // A wrong passphrase or a damaged key is a refusal (exit 1), not a usage error.
  if (!key.ok()) return Prefixed(key.status(), path + ": ");
  return key;
}

}  // namespace keep::cli
