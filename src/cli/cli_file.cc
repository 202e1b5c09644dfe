// keep file encrypt|decrypt|recipients list|add|remove|rekey: files for several people
// (format: docs/formats.md §8), streamed in constant memory, stdin → stdout by default.
#include <openssl/crypto.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/cli_internal.h"
#include "cli/file_keys.h"
#include "cli/file_stream.h"
#include "cli/secret_input.h"
#include "common/encoding.h"
#include "crypto/pubkey.h"
#include "format/file.h"

namespace keep::cli {
namespace {

namespace ff = format::file;

ff::Header ReadHeaderFrom(Input& in) {
  auto h = ff::ReadHeader([&](uint8_t* buf, size_t n) { return in.Read(buf, n); });
  if (!h.ok()) Fail(h.status());
  return *h;
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
int EncryptStream(Context& ctx, Input& in, Output& out, const std::string& out_path,
                  const std::vector<crypto::PublicKey>& recipients, const std::string& keep_key) {
  auto nf = NewSealedFile(ctx, recipients, keep_key);
  if (!nf) return 1;
  auto e =
      ff::Encryptor::Create(nf->file_key, nf->header, [&](ByteView b) { return out.Write(b); });
  if (!e.ok()) Fail(e.status());
  Status st = out.Write(ff::SerializeHeader(nf->header));
  if (st.ok()) st = Pump(in, 0, [&](ByteView b) { return e->Write(b); });
  if (st.ok()) st = e->Finish();
  if (st.ok()) st = out.Commit();
  if (st.ok()) PrintWritten(ctx, out_path, &nf->header);
  return Finished(st);
}

}  // namespace

void AddFileCommands(CLI::App& app, Context& ctx, int& rc) {
  auto* file =
      app.add_subcommand("file", "encrypt files for people (X25519/RSA keys) and keep keys");
  file->require_subcommand(1);

  struct EncArgs {
    std::vector<std::string> recipients;
    std::string key, in, out;
  };
  auto ea = std::make_shared<EncArgs>();
  auto* enc = file->add_subcommand("encrypt", "encrypt IN (default stdin) to OUT (default stdout)");
  enc->add_option("-r,--recipient", ea->recipients, "a recipient's public key (PEM), repeatable")
      ->allow_extra_args(false);
  enc->add_option("--key", ea->key, "also wrap the file key with this keep key (server)");
  enc->add_option("in", ea->in, "input file ('-' or none: stdin)");
  enc->add_option("-o,--out", ea->out,
                  "output (default stdout): a file is replaced only when complete; a device "
                  "or FIFO is written in place; a link is followed");
  enc->callback([&ctx, &rc, ea] {
    if (ea->recipients.empty() && ea->key.empty())
      throw UsageError{"give -r PUBKEY and/or --key NAME"};
    const auto recipients = LoadRecipients(ea->recipients);
    RefuseOutputOverInput(ea->in, ea->out);
    Input in(ea->in);
    Output out(ea->out, 0644, &in);
    rc = EncryptStream(ctx, in, out, ea->out, recipients, ea->key);
  });

  struct DecArgs {
    std::vector<std::string> identities;
    std::string in, out;
  };
  auto da = std::make_shared<DecArgs>();
  auto* dec = file->add_subcommand("decrypt", "decrypt IN (default stdin) to OUT (default stdout)");
  dec->add_option("-i,--identity", da->identities,
                  "your private key (PEM); passphrase from KEEP_IDENTITY_PASSPHRASE or a prompt")
      ->allow_extra_args(false);
  dec->add_option("in", da->in, "input file ('-' or none: stdin)");
  dec->add_option("-o,--out", da->out,
                  "output (default stdout): a file is written only if complete; a device or "
                  "FIFO is written in place; a link is followed");
  dec->callback([&ctx, &rc, da] {
    RefuseOutputOverInput(da->in, da->out);
    Input in(da->in);
    const ff::Header h = ReadHeaderFrom(in);
    auto key = FileKey(ctx, h, da->identities);
    if (!key) {
      rc = 1;
      return;
    }
    Output out(da->out, 0600, &in);
    auto d = ff::Decryptor::Create(*key, h, [&](ByteView b) { return out.Write(b); });
    if (!d.ok()) Fail(d.status());
    Status st = Pump(in, ff::SerializeHeader(h).size(), [&](ByteView b) { return d->Write(b); });
    if (st.ok()) st = d->Finish();
    if (st.ok()) st = out.Commit();
    if (st.ok()) PrintWritten(ctx, da->out, nullptr);
    rc = Finished(st);
  });

  auto* rec = file->add_subcommand("recipients", "list, add or remove a file's recipients");
  rec->require_subcommand(1);
  auto lpath = std::make_shared<std::string>();
  auto* list = rec->add_subcommand("list", "list the recipients (key fingerprints, keep keys)");
  list->add_option("file", *lpath, "the encrypted file")->required();
  list->callback([&ctx, lpath] {
    Input in(*lpath);
    const ff::Header h = ReadHeaderFrom(in);
    if (ctx.globals().json()) {
      json::array r;
      for (const auto& s : h.stanzas) r.push_back(RecipientJson(s));
      return ctx.PrintJson(json::object{{"recipients", std::move(r)}});
    }
    for (const auto& s : h.stanzas) std::cout << RecipientText(s) << "\n";
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
  auto edit = [&ctx, &rc](EditArgs& a) {
    const auto added = LoadRecipients(a.add);
    RefuseInPlaceRewriteOf(a.path);
    Input in(a.path);
    ff::Header h = ReadHeaderFrom(in);
    const size_t old_header = ff::SerializeHeader(h).size();
    auto key = FileKey(ctx, h, a.identities);
    if (!key) {
      rc = 1;
      return;
    }
    for (const auto& given : a.remove) {
      // A public-key file stands for its fingerprint.
      std::string r = given;
      if (std::error_code ec; std::filesystem::is_regular_file(given, ec)) {
        auto k = crypto::ParsePublicKeyPem(ReadInput(given));
        if (!k.ok()) throw UsageError{given + ": " + k.status().message()};
        r = HexEncode(ff::RecipientId(*k));
      }
      const size_t before = h.stanzas.size();
      std::erase_if(h.stanzas, [&](const ff::Stanza& s) {
        return s.type == ff::StanzaType::kKeep ? AsChars(s.recipient) == r
                                               : HexEncode(s.recipient) == r;
      });
      if (h.stanzas.size() == before) throw UsageError{"no recipient " + given + " in " + a.path};
    }
    for (const auto& r : added) {
      auto s = ff::WrapForRecipient(r, *key);
      if (!s.ok()) Fail(s.status());
      h.stanzas.push_back(std::move(*s));
    }
    if (!a.key.empty()) {
      auto s = KeepStanza(ctx, a.key, *key);
      if (!s) {
        rc = 1;
        return;
      }
      h.stanzas.push_back(std::move(*s));
    }
    if (h.stanzas.empty()) throw UsageError{"a file needs at least one recipient"};
    if (Status st = ff::SealHeader(*key, h); !st.ok()) Fail(st);
    Output out(a.path, in.mode(), &in);  // in place, same permissions
    Status st = out.Write(ff::SerializeHeader(h));
    // The body is copied unchanged (Pump reads on from the old header's end).
    if (st.ok()) st = Pump(in, old_header, [&](ByteView b) { return out.Write(b); });
    if (st.ok()) st = out.Commit();
    if (st.ok()) PrintWritten(ctx, a.path, &h);
    rc = Finished(st);
  };
  add->callback([edit, ad] {
    if (ad->add.empty() && ad->key.empty()) throw UsageError{"give -r PUBKEY and/or --key NAME"};
    edit(*ad);
  });
  remove->callback([edit, rm, &rc] {
    edit(*rm);
    if (rc == 0) {
      std::cerr << "keep: removed from this copy's header only: whoever kept an earlier copy "
                   "can still read the body; `keep file rekey` revokes\n";
    }
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
  rekey->callback([&ctx, &rc, rk] {
    if (rk->recipients.empty() && rk->key.empty())
      throw UsageError{"give -r PUBKEY and/or --key NAME"};
    const auto recipients = LoadRecipients(rk->recipients);
    // Old body → decrypt → encrypt under the new key → new file, segment by segment: no
    // plaintext copy on disk, constant memory.
    RefuseInPlaceRewriteOf(rk->path);
    Input in(rk->path);
    const ff::Header h = ReadHeaderFrom(in);
    auto old_key = FileKey(ctx, h, rk->identities);
    if (!old_key) {
      rc = 1;
      return;
    }
    auto nf = NewSealedFile(ctx, recipients, rk->key, h.segment_log2);
    if (!nf) {
      rc = 1;
      return;
    }
    Output out(rk->path, in.mode(), &in);
    auto e =
        ff::Encryptor::Create(nf->file_key, nf->header, [&](ByteView b) { return out.Write(b); });
    if (!e.ok()) Fail(e.status());
    auto d = ff::Decryptor::Create(*old_key, h, [&](ByteView b) { return e->Write(b); });
    if (!d.ok()) Fail(d.status());
    Status st = out.Write(ff::SerializeHeader(nf->header));
    if (st.ok()) {
      st = Pump(in, ff::SerializeHeader(h).size(), [&](ByteView b) { return d->Write(b); });
    }
    if (st.ok()) st = d->Finish();
    if (st.ok()) st = e->Finish();
    if (st.ok()) st = out.Commit();
    if (st.ok()) PrintWritten(ctx, rk->path, &nf->header);
    rc = Finished(st);
  });
}

}  // namespace keep::cli
