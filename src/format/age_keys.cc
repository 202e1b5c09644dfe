// age keys and key files (format/age.h): age1… recipients and AGE-SECRET-KEY-1…
// identities (Bech32), SSH public and private keys as age takes them, recipients and
// identity files.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <functional>

#include "crypto/pubkey.h"
#include "crypto/random.h"
#include "crypto/ssh_keys.h"
#include "format/age.h"
#include "format/age_text.h"

namespace keep::format::age {
namespace {

using internal::Bech32Decode;
using internal::Bech32Encode;

Status Usage(std::string what) {
  return Status(Code::kInvalidArgument, "usage", std::move(what));
}

Result<X25519Public> PublicOf(ByteView scalar) {
  uint8_t base[32] = {9};
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes p, crypto::X25519(scalar, base));
  X25519Public out;
  std::memcpy(out.data(), p.data(), 32);
  return out;
}

// Calls `f` with every line of `text` that is not blank or a "#" comment (CR LF accepted);
// an error names the line.
Status ForEachLine(std::string_view text, const std::function<Status(std::string_view)>& f) {
  size_t n = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++n;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    if (Status st = f(line); !st.ok()) {
      return Usage("line " + std::to_string(n) + ": " + st.message());  // all usage
    }
  }
  return Status::Ok();
}

}  // namespace

Recipient RecipientOf(const Identity& id) {
  Recipient r;
  r.kind = id.kind;
  r.x25519 = id.public_key;
  r.ssh_key = id.ssh_key;
  if (id.rsa) r.rsa = id.rsa->public_key();
  return r;
}

Result<Recipient> ParseRecipient(std::string_view text) {
  if (text.rfind("ssh-", 0) == 0) {
    KEEP_ASSIGN_OR_RETURN(crypto::ssh::SshPublicKey key, crypto::ssh::ParseSshPublicKey(text));
    Recipient r;
    r.ssh_key = std::move(key.wire);
    if (key.type == crypto::ssh::SshKeyType::kRsa) {
      r.kind = KeyKind::kSshRsa;
      r.rsa = std::move(key.rsa);
    } else {
      r.kind = KeyKind::kSshEd25519;
      KEEP_ASSIGN_OR_RETURN(r.x25519, crypto::ssh::Ed25519PublicToX25519(key.ed25519));
    }
    return r;
  }
  if (text.rfind("age1", 0) != 0 && text.rfind("AGE1", 0) != 0) {
    return Usage("not an age recipient (age1…) or an SSH public key (ssh-ed25519, ssh-rsa)");
  }
  KEEP_ASSIGN_OR_RETURN(Bytes b, Bech32Decode(text, "age", "age recipient"));
  if (b.size() != 32) return Usage("age recipient: not a 32-byte X25519 key");
  if (text != Bech32Encode("age", b)) return Usage("age recipient: must be lower case");
  X25519Public out;
  std::memcpy(out.data(), b.data(), 32);
  return Recipient::X25519(out);
}

std::string RecipientString(const X25519Public& key) {
  return Bech32Encode("age", key);
}

Result<Identity> ParseIdentity(std::string_view text) {
  KEEP_ASSIGN_OR_RETURN(Bytes b, Bech32Decode(text, "age-secret-key-", "age identity"));
  crypto::SecretBytes scalar = crypto::SecretBytes::LockedCopyOf(b);
  std::fill(b.begin(), b.end(), 0);
  if (scalar.size() != 32) return Usage("age identity: not a 32-byte X25519 key");
  for (char c : text) {
    if (c >= 'a' && c <= 'z') return Usage("age identity: must be upper case");
  }
  KEEP_ASSIGN_OR_RETURN(X25519Public pub, PublicOf(scalar.view()));
  Identity id;
  id.scalar = std::move(scalar);
  id.public_key = pub;
  return id;
}

Result<std::vector<Identity>> ParseIdentityFile(std::string_view text) {
  std::vector<Identity> out;
  if (crypto::ssh::LooksLikePemPrivateKey(text)) {  // an SSH private key, as age -i takes it
    KEEP_ASSIGN_OR_RETURN(crypto::ssh::SshPrivateKey key, crypto::ssh::ParseSshPrivateKey(text));
    Identity id;
    id.ssh_key = std::move(key.public_key.wire);
    if (key.rsa) {
      id.kind = KeyKind::kSshRsa;
      id.rsa = std::move(key.rsa);
    } else {
      id.kind = KeyKind::kSshEd25519;
      KEEP_ASSIGN_OR_RETURN(id.scalar, crypto::ssh::Ed25519SeedToX25519(key.ed25519_seed.view()));
      KEEP_ASSIGN_OR_RETURN(id.public_key,
                            crypto::ssh::Ed25519PublicToX25519(key.public_key.ed25519));
    }
    out.push_back(std::move(id));
    return out;
  }
  KEEP_RETURN_IF_ERROR(ForEachLine(text, [&](std::string_view line) -> Status {
    KEEP_ASSIGN_OR_RETURN(Identity id, ParseIdentity(line));
    out.push_back(std::move(id));
    return Status::Ok();
  }));
  if (out.empty()) return Usage("no AGE-SECRET-KEY-1 identity (or SSH private key) in the file");
  return out;
}

Result<std::vector<Recipient>> ParseRecipientsFile(std::string_view text) {
  std::vector<Recipient> out;
  KEEP_RETURN_IF_ERROR(ForEachLine(text, [&](std::string_view line) -> Status {
    KEEP_ASSIGN_OR_RETURN(Recipient r, ParseRecipient(line));
    out.push_back(std::move(r));
    return Status::Ok();
  }));
  return out;
}

Result<Identity> GenerateIdentity() {
  Identity id;
  id.scalar = crypto::SecretBytes::Locked(32);
  KEEP_RETURN_IF_ERROR(crypto::RandomFill(id.scalar.mutable_view()));
  KEEP_ASSIGN_OR_RETURN(id.public_key, PublicOf(id.scalar.view()));
  return id;
}

SecretString IdentityString(const Identity& id) {
  const std::string lower = Bech32Encode("age-secret-key-", id.scalar.view());
  SecretString out;
  for (char c : lower) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace keep::format::age
