// keep file encrypt|decrypt|recipients list|add|remove|rekey: files for several people
// (format: docs/formats.md §8), streamed in constant memory, stdin → stdout by default.
#include <openssl/crypto.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <utility>

#include "cli/cli_age.h"
#include "cli/cli_internal.h"
#include "cli/file_keys.h"
#include "cli/file_stream.h"
#include "cli/secret_input.h"
#include "common/encoding.h"
#include "crypto/pubkey.h"
#include "format/age.h"
#include "format/file.h"

namespace keep::cli {
namespace {

namespace ff = format::file;

Result<ff::Header> ReadHeaderFrom(Input& in) {
  return ff::ReadHeader([&](uint8_t* buf, size_t n) { return in.Read(buf, n); });
}

json::object RecipientJson(const ff::Stanza& s) {
  switch (s.type) {
    case ff::StanzaType::kX25519:
      return {{"type", "x25519"}, {"fingerprint", HexEncode(s.recipient)}};
    case ff::StanzaType::kRsaOaep:
      return {{"type", "rsa"}, {"fingerprint", HexEncode(s.recipient)}};
    case ff::StanzaType::kKeep:
      return {{"type", "keep"}, {"key", std::string(AsChars(s.recipient))}};
  }
  return {};
}

// With --format json, what a command that wrote a file (not stdout) says it did.
void PrintWritten(Context& ctx, const std::string& path, const ff::Header* h) {
  if (!ctx.globals().json() || path.empty() || path == "-") return;
  json::object o{{"file", path}};
  if (h != nullptr) {
    json::array r;
    for (const auto& s : h->stanzas) r.push_back(RecipientJson(s));
    o["recipients"] = std::move(r);
  }
  ctx.PrintJson(o);
}

std::string RecipientText(const ff::Stanza& s) {
  switch (s.type) {
    case ff::StanzaType::kX25519:
      return "x25519  " + HexEncode(s.recipient);
    case ff::StanzaType::kRsaOaep:
      return "rsa     " + HexEncode(s.recipient);
    case ff::StanzaType::kKeep:
      return "keep    " + std::string(AsChars(s.recipient));
  }
  return "?";
}

// Encrypts `in` to `out` with a new file key for `recipients` (+ the keep key).
Status EncryptStream(Context& ctx, Input& in, Output& out, const std::string& out_path,
                     const std::vector<crypto::PublicKey>& recipients,
                     const std::string& keep_key) {
  KEEP_ASSIGN_OR_RETURN(ff::NewFile nf, NewSealedFile(ctx, recipients, keep_key));
  KEEP_ASSIGN_OR_RETURN(auto e, ff::Encryptor::Create(nf.file_key, nf.header,
                                                      [&](ByteView b) { return out.Write(b); }));
  KEEP_RETURN_IF_ERROR(out.Write(ff::SerializeHeader(nf.header)));
  if (in.seekable()) {  // a regular file: every core reads and seals its own segments
    KEEP_ASSIGN_OR_RETURN(const uint64_t size, in.Remaining());
    Progress progress(size);
    uint64_t shown = 0;
    auto show = [&](uint64_t done) {
      progress.Add(static_cast<size_t>(done - std::exchange(shown, done)));
    };
    // Sealed straight from the page cache when the file can be mapped (no copy, nothing to
    // wipe); else each worker preads its part.
    if (auto mapped = in.Map(size); mapped.ok()) {
      Status st = e.WriteMapped(mapped->view(), show);
      if (!st.ok() && st.message() == ff::kInputChanged) {
        return InvalidArgument(in.path() + " changed (it got shorter) while it was read");
      }
      KEEP_RETURN_IF_ERROR(st);
      // A file that lost less than a page reads as zeros there, not SIGBUS: what was mapped
      // must still be there at the end (as ReadAt's short read would have said).
      KEEP_ASSIGN_OR_RETURN(const uint64_t after, in.Remaining());
      if (after < size) {
        return InvalidArgument(in.path() + " changed (it got shorter) while it was read");
      }
    } else {
      KEEP_RETURN_IF_ERROR(e.WriteAt(
          size, [&](uint64_t at, std::span<uint8_t> to) { return in.ReadAt(at, to); }, show));
    }
  } else {
    KEEP_RETURN_IF_ERROR(PumpInto(
        in, 0, [&] { return e.Space(); }, [&](size_t n) { e.Commit(n); }));
  }
  KEEP_RETURN_IF_ERROR(e.Finish());
  KEEP_RETURN_IF_ERROR(out.Commit());
  PrintWritten(ctx, out_path, &nf.header);
  return Status::Ok();
}

}  // namespace

void AddFileCommands(CLI::App& app, Context& ctx, int& rc) {
  auto* file =
      app.add_subcommand("file", "encrypt files for people (X25519/RSA keys) and keep keys");
  file->require_subcommand(1);

  struct EncArgs {
    std::vector<std::string> recipients, recipient_files;
    std::string key, in, out;
    bool armor = false;
  };
  auto ea = std::make_shared<EncArgs>();
  auto* enc = file->add_subcommand("encrypt", "encrypt IN (default stdin) to OUT (default stdout)");
  enc->add_option("-r,--recipient", ea->recipients,
                  "a recipient: a public key file (PEM), or an age recipient (age1… or an SSH "
                  "public key \"ssh-ed25519 AAAA…\": the file is then written in the age v1 "
                  "format), repeatable")
      ->allow_extra_args(false);
  enc->add_option("-R,--recipients-file", ea->recipient_files,
                  "age recipients, one age1… or SSH public key per line (# comments), as age -R "
                  "reads them (~/.ssh/id_ed25519.pub, authorized_keys without options)")
      ->allow_extra_args(false);
  enc->add_flag("-a,--armor", ea->armor,
                "age files: write PEM-style ASCII armor (age -a) instead of binary");
  enc->add_option("--key", ea->key, "also wrap the file key with this keep key (server)");
  enc->add_option("in", ea->in, "input file ('-' or none: stdin)");
  enc->add_option("-o,--out", ea->out,
                  "output (default stdout): a file is replaced only when complete; a device "
                  "or FIFO is written in place; a link is followed");
  Action(enc, rc, [&ctx, ea]() -> Status {
    KEEP_ASSIGN_OR_RETURN(auto age, ReadRecipientsFiles(ea->recipient_files));
    std::vector<std::string> pem;
    for (const std::string& r : ea->recipients) {
      if (!IsAgeRecipient(r)) {
        pem.push_back(r);
        continue;
      }
      auto key = format::age::ParseRecipient(r);
      if (!key.ok()) return Usage(key.status().message());
      age.push_back(std::move(*key));
    }
    if (!age.empty()) {
      if (!pem.empty() || !ea->key.empty()) {
        return Usage(
            "age recipients (age1…, ssh-…) do not mix with PEM recipients or --key: a file is "
            "either age or keep format");
      }
      KEEP_RETURN_IF_ERROR(RefuseOutputOverInput(ea->in, ea->out));
      KEEP_ASSIGN_OR_RETURN(Input in, Input::Open(ea->in));
      KEEP_ASSIGN_OR_RETURN(Output out, Output::Open(ea->out, 0644, &in));
      KEEP_RETURN_IF_ERROR(AgeEncrypt(age, in, out, ea->armor));
      PrintWritten(ctx, ea->out, nullptr);
      return Status::Ok();
    }
    if (ea->recipients.empty() && ea->key.empty()) {
      return Usage("give -r PUBKEY and/or --key NAME");
    }
    if (ea->armor) return Usage("--armor is for age files (age1… or ssh-… recipients)");
    KEEP_ASSIGN_OR_RETURN(const auto recipients, LoadRecipients(ea->recipients));
    KEEP_RETURN_IF_ERROR(RefuseOutputOverInput(ea->in, ea->out));
    KEEP_ASSIGN_OR_RETURN(Input in, Input::Open(ea->in));
    KEEP_ASSIGN_OR_RETURN(Output out, Output::Open(ea->out, 0644, &in));
    return EncryptStream(ctx, in, out, ea->out, recipients, ea->key);
  });

  struct DecArgs {
    std::vector<std::string> identities;
    std::string in, out;
  };
  auto da = std::make_shared<DecArgs>();
  auto* dec = file->add_subcommand("decrypt", "decrypt IN (default stdin) to OUT (default stdout)");
  dec->add_option("-i,--identity", da->identities,
                  "your private key (PEM; passphrase from KEEP_IDENTITY_PASSPHRASE or a "
                  "prompt), or for an age file an age identity file (AGE-SECRET-KEY-1…; default "
                  "$KEEP_AGE_KEY_FILE or ~/.config/keep/age/keys.txt) or an SSH private key")
      ->allow_extra_args(false);
  dec->add_option("in", da->in, "input file ('-' or none: stdin)");
  dec->add_option("-o,--out", da->out,
                  "output (default stdout): a file is written only if complete; a device or "
                  "FIFO is written in place; a link is followed");
  Action(dec, rc, [&ctx, da]() -> Status {
    KEEP_RETURN_IF_ERROR(RefuseOutputOverInput(da->in, da->out));
    KEEP_ASSIGN_OR_RETURN(Input in, Input::Open(da->in));
    KEEP_ASSIGN_OR_RETURN(const std::string first, in.Peek(256));
    if (format::age::LooksLikeAge(first)) {  // an age v1 file
      KEEP_ASSIGN_OR_RETURN(Output out, Output::Open(da->out, 0600, &in));
      KEEP_RETURN_IF_ERROR(AgeDecrypt(da->identities, in, out));
      PrintWritten(ctx, da->out, nullptr);
      return Status::Ok();
    }
    KEEP_ASSIGN_OR_RETURN(const ff::Header h, ReadHeaderFrom(in));
    KEEP_ASSIGN_OR_RETURN(const crypto::SecretBytes key, FileKey(ctx, h, da->identities));
    KEEP_ASSIGN_OR_RETURN(Output out, Output::Open(da->out, 0600, &in));
    KEEP_ASSIGN_OR_RETURN(auto d,
                          ff::Decryptor::Create(key, h, [&](ByteView b) { return out.Write(b); }));
    if (in.seekable()) {  // a regular file: every core reads and opens its own segments
      KEEP_ASSIGN_OR_RETURN(const uint64_t size, in.Remaining());
      Progress progress(in.size());
      uint64_t shown = 0;
      progress.Add(ff::SerializeHeader(h).size());
      KEEP_RETURN_IF_ERROR(d.WriteAt(
          size, [&](uint64_t at, std::span<uint8_t> to) { return in.ReadAt(at, to); },
          [&](uint64_t done) {
            progress.Add(static_cast<size_t>(done - std::exchange(shown, done)));
          }));
    } else {
      KEEP_RETURN_IF_ERROR(PumpInto(
          in, ff::SerializeHeader(h).size(), [&] { return d.Space(); },
          [&](size_t n) { d.Commit(n); }));
    }
    KEEP_RETURN_IF_ERROR(d.Finish());
    KEEP_RETURN_IF_ERROR(out.Commit());
    PrintWritten(ctx, da->out, nullptr);
    return Status::Ok();
  });

  auto* rec = file->add_subcommand("recipients", "list, add or remove a file's recipients");
  rec->require_subcommand(1);
  auto lpath = std::make_shared<std::string>();
  auto* list = rec->add_subcommand("list", "list the recipients (key fingerprints, keep keys)");
  list->add_option("file", *lpath, "the encrypted file")->required();
  Action(list, rc, [&ctx, lpath]() -> Status {
    KEEP_ASSIGN_OR_RETURN(Input in, Input::Open(*lpath));
    KEEP_ASSIGN_OR_RETURN(const ff::Header h, ReadHeaderFrom(in));
    if (ctx.globals().json()) {
      json::array r;
      for (const auto& s : h.stanzas) r.push_back(RecipientJson(s));
      ctx.PrintJson(json::object{{"recipients", std::move(r)}});
    } else {
      for (const auto& s : h.stanzas) std::cout << RecipientText(s) << "\n";
    }
    return Status::Ok();
  });

  struct EditArgs {
    std::string path, key;
    std::vector<std::string> add, remove, identities;
  };
  auto ad = std::make_shared<EditArgs>();
  auto* add = rec->add_subcommand("add", "add recipients by rewriting only the header");
  add->add_option("file", ad->path, "the encrypted file (rewritten in place)")->required();
  add->add_option("-r,--recipient", ad->add, "a new recipient's public key (PEM), repeatable")
      ->allow_extra_args(false);
  add->add_option("--key", ad->key, "add a keep-key stanza");
  add->add_option("-i,--identity", ad->identities, "your private key (else the file's keep stanza)")
      ->allow_extra_args(false);
  auto rm = std::make_shared<EditArgs>();
  auto* remove = rec->add_subcommand(
      "remove", "remove recipients (header only: they can still open copies they had; use rekey)");
  remove->add_option("file", rm->path, "the encrypted file (rewritten in place)")->required();
  remove
      ->add_option("--recipient", rm->remove,
                   "a public key file (PEM), fingerprint (hex) or keep key name, repeatable")
      ->required()
      ->allow_extra_args(false);
  remove
      ->add_option("-i,--identity", rm->identities,
                   "your private key (else the file's keep stanza)")
      ->allow_extra_args(false);
  auto edit = [&ctx](EditArgs& a) -> Status {
    KEEP_ASSIGN_OR_RETURN(const auto added, LoadRecipients(a.add));
    KEEP_RETURN_IF_ERROR(RefuseInPlaceRewriteOf(a.path));
    KEEP_ASSIGN_OR_RETURN(Input in, Input::Open(a.path));
    KEEP_ASSIGN_OR_RETURN(ff::Header h, ReadHeaderFrom(in));
    const size_t old_header = ff::SerializeHeader(h).size();
    KEEP_ASSIGN_OR_RETURN(const crypto::SecretBytes key, FileKey(ctx, h, a.identities));
    for (const auto& given : a.remove) {
      // A public-key file stands for its fingerprint.
      std::string r = given;
      if (std::error_code ec; std::filesystem::is_regular_file(given, ec)) {
        KEEP_ASSIGN_OR_RETURN(const std::string pem, ReadInput(given));
        auto k = crypto::ParsePublicKeyPem(pem);
        if (!k.ok()) return Usage(given + ": " + k.status().message());
        r = HexEncode(ff::RecipientId(*k));
      }
      const size_t before = h.stanzas.size();
      std::erase_if(h.stanzas, [&](const ff::Stanza& s) {
        return s.type == ff::StanzaType::kKeep ? AsChars(s.recipient) == r
                                               : HexEncode(s.recipient) == r;
      });
      if (h.stanzas.size() == before) return Usage("no recipient " + given + " in " + a.path);
    }
    for (const auto& r : added) {
      KEEP_ASSIGN_OR_RETURN(auto s, ff::WrapForRecipient(r, key));
      h.stanzas.push_back(std::move(s));
    }
    if (!a.key.empty()) {
      KEEP_ASSIGN_OR_RETURN(auto s, KeepStanza(ctx, a.key, key));
      h.stanzas.push_back(std::move(s));
    }
    if (h.stanzas.empty()) return Usage("a file needs at least one recipient");
    KEEP_RETURN_IF_ERROR(ff::SealHeader(key, h));
    // In place, with the same permissions.
    KEEP_ASSIGN_OR_RETURN(Output out, Output::Open(a.path, in.mode(), &in));
    KEEP_RETURN_IF_ERROR(out.Write(ff::SerializeHeader(h)));
    // The body is copied unchanged (Pump reads on from the old header's end).
    KEEP_RETURN_IF_ERROR(Pump(in, old_header, [&](ByteView b) { return out.Write(b); }));
    KEEP_RETURN_IF_ERROR(out.Commit());
    PrintWritten(ctx, a.path, &h);
    return Status::Ok();
  };
  Action(add, rc, [edit, ad]() -> Status {
    if (ad->add.empty() && ad->key.empty()) return Usage("give -r PUBKEY and/or --key NAME");
    return edit(*ad);
  });
  Action(remove, rc, [edit, rm]() -> Status {
    KEEP_RETURN_IF_ERROR(edit(*rm));
    std::cerr << "keep: removed from this copy's header only: whoever kept an earlier copy "
                 "can still read the body; `keep file rekey` revokes\n";
    return Status::Ok();
  });

  struct RekeyArgs {
    std::string path, key;
    std::vector<std::string> recipients, identities;
  };
  auto rk = std::make_shared<RekeyArgs>();
  auto* rekey = file->add_subcommand(
      "rekey", "new file key and re-encrypted body for exactly the recipients given (revocation)");
  rekey->add_option("file", rk->path, "the encrypted file (rewritten in place)")->required();
  rekey
      ->add_option("-r,--recipient", rk->recipients, "a recipient to keep or add (PEM), repeatable")
      ->allow_extra_args(false);
  rekey->add_option("--key", rk->key, "a keep key to wrap the new file key");
  rekey
      ->add_option("-i,--identity", rk->identities,
                   "your private key (else the file's keep stanza)")
      ->allow_extra_args(false);
  Action(rekey, rc, [&ctx, rk]() -> Status {
    if (rk->recipients.empty() && rk->key.empty()) {
      return Usage("give -r PUBKEY and/or --key NAME");
    }
    KEEP_ASSIGN_OR_RETURN(const auto recipients, LoadRecipients(rk->recipients));
    // Old body → decrypt → encrypt under the new key → new file, segment by segment: no
    // plaintext copy on disk, constant memory.
    KEEP_RETURN_IF_ERROR(RefuseInPlaceRewriteOf(rk->path));
    KEEP_ASSIGN_OR_RETURN(Input in, Input::Open(rk->path));
    KEEP_ASSIGN_OR_RETURN(const ff::Header h, ReadHeaderFrom(in));
    KEEP_ASSIGN_OR_RETURN(const crypto::SecretBytes old_key, FileKey(ctx, h, rk->identities));
    KEEP_ASSIGN_OR_RETURN(ff::NewFile nf, NewSealedFile(ctx, recipients, rk->key, h.segment_log2));
    KEEP_ASSIGN_OR_RETURN(Output out, Output::Open(rk->path, in.mode(), &in));
    KEEP_ASSIGN_OR_RETURN(auto e, ff::Encryptor::Create(nf.file_key, nf.header,
                                                        [&](ByteView b) { return out.Write(b); }));
    KEEP_ASSIGN_OR_RETURN(
        auto d, ff::Decryptor::Create(old_key, h, [&](ByteView b) { return e.Write(b); }));
    KEEP_RETURN_IF_ERROR(out.Write(ff::SerializeHeader(nf.header)));
    KEEP_RETURN_IF_ERROR(
        Pump(in, ff::SerializeHeader(h).size(), [&](ByteView b) { return d.Write(b); }));
    KEEP_RETURN_IF_ERROR(d.Finish());
    KEEP_RETURN_IF_ERROR(e.Finish());
    KEEP_RETURN_IF_ERROR(out.Commit());
    PrintWritten(ctx, rk->path, &nf.header);
    return Status::Ok();
  });
}

}  // namespace keep::cli
