// age v1, from its specification (age-encryption.org/v1).
#include "format/age.h"

#include <algorithm>
#include <cstring>
#include <functional>

#include "crypto/aead.h"
#include "crypto/kdf.h"
#include "crypto/pubkey.h"
#include "crypto/random.h"
#include "format/age_text.h"

namespace keep::format::age {
namespace {

using internal::B64;
using internal::Bech32Decode;
using internal::Bech32Encode;
using internal::UnB64;

constexpr std::string_view kIntro = "age-encryption.org/v1";
constexpr std::string_view kX25519Label = "age-encryption.org/v1/X25519";
constexpr size_t kFileKeySize = 16;
constexpr size_t kChunk = 64 * 1024;
constexpr size_t kTag = 16;
constexpr size_t kMaxHeaderLine = 4096;
constexpr size_t kMaxStanzas = 1024;

Status Bad(std::string what) {
  return Status(Code::kInvalidArgument, "invalid_file", "not a valid age file: " + what);
}
Status Usage(std::string what) {
  return Status(Code::kInvalidArgument, "usage", std::move(what));
}

// --- keys ----------------------------------------------------------------------------

Result<X25519Public> PublicOf(ByteView scalar) {
  uint8_t base[32] = {9};
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes p, crypto::X25519(scalar, base));
  X25519Public out;
  std::memcpy(out.data(), p.data(), 32);
  return out;
}

Result<crypto::SecretBytes> Hkdf(ByteView ikm, ByteView salt, std::string_view info) {
  crypto::SecretBytes key(32);
  KEEP_RETURN_IF_ERROR(crypto::HkdfSha256(ikm, salt, AsBytes(info), key.mutable_view()));
  return key;
}

// --- the header ----------------------------------------------------------------------

struct Stanza {
  std::vector<std::string> args;
  Bytes body;
};

// One LF-terminated line, at most kMaxHeaderLine bytes. Appends it (with its LF) to *raw.
Result<std::string> Line(std::istream& in, std::string* raw) {
  std::string line;
  for (;;) {
    const int c = in.get();
    if (c == std::char_traits<char>::eof()) return Bad("the header is truncated");
    if (c == '\n') break;
    if (line.size() >= kMaxHeaderLine) return Bad("a header line is too long");
    line += static_cast<char>(c);
  }
  *raw += line;
  *raw += '\n';
  return line;
}

bool Arg(std::string_view a) {
  if (a.empty()) return false;
  return std::all_of(a.begin(), a.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

struct Header {
  std::vector<Stanza> stanzas;
  std::string mac_input;  // the header up to and including "---"
  Bytes mac;
};

Result<Header> ReadHeader(std::istream& in) {
  Header h;
  std::string raw;
  KEEP_ASSIGN_OR_RETURN(std::string intro, Line(in, &raw));
  if (intro != kIntro) return Bad("no age-encryption.org/v1 line");
  KEEP_ASSIGN_OR_RETURN(std::string line, Line(in, &raw));
  while (line.rfind("-> ", 0) == 0) {
    if (h.stanzas.size() >= kMaxStanzas) return Bad("too many recipient stanzas");
    Stanza s;
    std::string_view rest = std::string_view(line).substr(3);
    for (;;) {
      const size_t sp = rest.find(' ');
      const std::string_view a = rest.substr(0, sp);
      if (!Arg(a)) return Bad("a stanza argument is empty or not printable");
      s.args.emplace_back(a);
      if (sp == std::string_view::npos) break;
      rest = rest.substr(sp + 1);
    }
    for (;;) {  // the body: full 64-column lines, then a shorter (maybe empty) one
      KEEP_ASSIGN_OR_RETURN(std::string b, Line(in, &raw));
      if (b.size() > 64) return Bad("a stanza body line is longer than 64 columns");
      if (!UnB64(b, &s.body)) return Bad("a stanza body is not canonical base64");
      if (b.size() < 64) break;
    }
    h.stanzas.push_back(std::move(s));
    KEEP_ASSIGN_OR_RETURN(line, Line(in, &raw));
  }
  if (line.rfind("--- ", 0) != 0) return Bad("a header line is neither a stanza nor the MAC");
  if (h.stanzas.empty()) return Bad("no recipient stanza");
  h.mac_input = raw.substr(0, raw.size() - line.size() - 1) + "---";
  if (!UnB64(std::string_view(line).substr(4), &h.mac) || h.mac.size() != 32) {
    return Bad("the header MAC is not 32 bytes of base64");
  }
  return h;
}

std::string StanzaText(const Stanza& s) {
  std::string out = "->";
  for (const auto& a : s.args) out += " " + a;
  out += '\n';
  const std::string b = B64(s.body);
  size_t i = 0;
  for (; i + 64 <= b.size(); i += 64) out += b.substr(i, 64) + "\n";
  out += b.substr(i) + "\n";  // shorter, possibly empty, final line
  return out;
}

Result<Bytes> HeaderMac(ByteView file_key, std::string_view mac_input) {
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes k, Hkdf(file_key, {}, "header"));
  Bytes mac(32);
  KEEP_RETURN_IF_ERROR(crypto::HmacSha256(k.view(), AsBytes(mac_input), mac));
  return mac;
}

// The file key, if this X25519 stanza is for `id`; nullopt when it is not.
Result<std::optional<crypto::SecretBytes>> Unwrap(const Stanza& s, const Identity& id) {
  if (s.args.size() != 2)
    return Bad("an X25519 stanza has " + std::to_string(s.args.size()) + " arguments");
  Bytes share;
  if (!UnB64(s.args[1], &share) || share.size() != 32)
    return Bad("an X25519 share is not 32 bytes");
  if (s.body.size() != kFileKeySize + kTag) return Bad("an X25519 stanza body is not 32 bytes");
  auto shared = crypto::X25519(id.scalar.view(), share);
  if (!shared.ok()) return Bad("an X25519 share is a low-order point");
  Bytes salt(share);
  salt.insert(salt.end(), id.public_key.begin(), id.public_key.end());
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes wrap, Hkdf(shared->view(), salt, kX25519Label));
  crypto::SecretBytes key(kFileKeySize);
  const uint8_t zero[12] = {};
  if (!crypto::AeadOpen(crypto::AeadAlgorithm::kChaCha20Poly1305, wrap.view(), zero, {}, s.body,
                        key.mutable_view())
           .ok()) {
    return std::optional<crypto::SecretBytes>();
  }
  return std::optional<crypto::SecretBytes>(std::move(key));
}

void ChunkNonce(uint64_t counter, bool last, uint8_t nonce[12]) {
  std::memset(nonce, 0, 12);
  for (int i = 0; i < 8; ++i) nonce[10 - i] = static_cast<uint8_t>(counter >> (8 * i));
  nonce[11] = last ? 1 : 0;
}

size_t ReadUpTo(std::istream& in, uint8_t* buf, size_t n) {
  in.read(reinterpret_cast<char*>(buf), static_cast<std::streamsize>(n));
  return static_cast<size_t>(in.gcount());
}

bool AtEnd(std::istream& in) {
  return in.peek() == std::char_traits<char>::eof();
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

Result<X25519Public> ParseRecipient(std::string_view text) {
  KEEP_ASSIGN_OR_RETURN(Bytes b, Bech32Decode(text, "age", "age recipient"));
  if (b.size() != 32) return Usage("age recipient: not a 32-byte X25519 key");
  if (text != Bech32Encode("age", b)) return Usage("age recipient: must be lower case");
  X25519Public out;
  std::memcpy(out.data(), b.data(), 32);
  return out;
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
  return Identity{std::move(scalar), pub};
}

Result<std::vector<Identity>> ParseIdentityFile(std::string_view text) {
  std::vector<Identity> out;
  KEEP_RETURN_IF_ERROR(ForEachLine(text, [&](std::string_view line) -> Status {
    KEEP_ASSIGN_OR_RETURN(Identity id, ParseIdentity(line));
    out.push_back(std::move(id));
    return Status::Ok();
  }));
  if (out.empty()) return Usage("no AGE-SECRET-KEY-1 identity in the file");
  return out;
}

Result<std::vector<X25519Public>> ParseRecipientsFile(std::string_view text) {
  std::vector<X25519Public> out;
  KEEP_RETURN_IF_ERROR(ForEachLine(text, [&](std::string_view line) -> Status {
    if (line.rfind("age1", 0) != 0) {
      return Usage("not an age1… recipient (ssh keys as recipients are not supported yet)");
    }
    KEEP_ASSIGN_OR_RETURN(X25519Public r, ParseRecipient(line));
    out.push_back(r);
    return Status::Ok();
  }));
  return out;
}

Result<Identity> GenerateIdentity() {
  crypto::SecretBytes scalar = crypto::SecretBytes::Locked(32);
  KEEP_RETURN_IF_ERROR(crypto::RandomFill(scalar.mutable_view()));
  KEEP_ASSIGN_OR_RETURN(X25519Public pub, PublicOf(scalar.view()));
  return Identity{std::move(scalar), pub};
}

SecretString IdentityString(const Identity& id) {
  const std::string lower = Bech32Encode("age-secret-key-", id.scalar.view());
  SecretString out;
  for (char c : lower) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool LooksLikeAge(std::string_view prefix) {
  return prefix.substr(0, kIntro.size() + 1) == std::string(kIntro) + "\n";
}

Status Encrypt(const std::vector<X25519Public>& recipients, std::istream& in, std::ostream& out) {
  if (recipients.empty()) return Usage("no age recipient");
  crypto::SecretBytes file_key = crypto::SecretBytes::Locked(kFileKeySize);
  KEEP_RETURN_IF_ERROR(crypto::RandomFill(file_key.mutable_view()));
  std::string header = std::string(kIntro) + "\n";
  for (const X25519Public& r : recipients) {
    KEEP_ASSIGN_OR_RETURN(Identity eph, GenerateIdentity());
    KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes shared, crypto::X25519(eph.scalar.view(), r));
    Bytes salt(eph.public_key.begin(), eph.public_key.end());
    salt.insert(salt.end(), r.begin(), r.end());
    KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes wrap, Hkdf(shared.view(), salt, kX25519Label));
    Stanza s;
    s.args = {"X25519", B64(eph.public_key)};
    s.body.resize(kFileKeySize + kTag);
    const uint8_t zero[12] = {};
    KEEP_RETURN_IF_ERROR(crypto::AeadSeal(crypto::AeadAlgorithm::kChaCha20Poly1305, wrap.view(),
                                          zero, {}, file_key.view(), s.body));
    header += StanzaText(s);
  }
  header += "---";
  KEEP_ASSIGN_OR_RETURN(Bytes mac, HeaderMac(file_key.view(), header));
  header += " " + B64(mac) + "\n";
  uint8_t nonce[16];
  KEEP_RETURN_IF_ERROR(crypto::RandomFill(nonce));
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes key, Hkdf(file_key.view(), nonce, "payload"));
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(reinterpret_cast<const char*>(nonce), sizeof nonce);

  crypto::SecretBytes plain(kChunk);
  Bytes sealed(kChunk + kTag);
  uint64_t counter = 0;
  for (;;) {
    const size_t n = ReadUpTo(in, plain.data(), kChunk);
    if (in.bad()) return Status(Code::kInvalidArgument, "cannot_read", "reading the input failed");
    const bool last = n < kChunk || AtEnd(in);
    uint8_t cn[12];
    ChunkNonce(counter, last, cn);
    KEEP_RETURN_IF_ERROR(crypto::AeadSeal(crypto::AeadAlgorithm::kChaCha20Poly1305, key.view(), cn,
                                          {}, plain.view().first(n),
                                          std::span(sealed).first(n + kTag)));
    out.write(reinterpret_cast<const char*>(sealed.data()), static_cast<std::streamsize>(n + kTag));
    if (!out) return Status(Code::kInvalidArgument, "cannot_write", "writing the output failed");
    if (last) break;
    ++counter;
  }
  return Status::Ok();
}

Status Decrypt(const std::vector<Identity>& identities, std::istream& in, std::ostream& out) {
  KEEP_ASSIGN_OR_RETURN(Header h, ReadHeader(in));
  std::optional<crypto::SecretBytes> file_key;
  bool x25519 = false;
  for (const Stanza& s : h.stanzas) {
    if (s.args[0] == "scrypt") {
      if (h.stanzas.size() != 1) return Bad("an scrypt stanza must be the only one");
      return Status(Code::kInvalidArgument, "wrong_key",
                    "the file is encrypted with a passphrase (age -p): keep does not decrypt "
                    "those; use age");
    }
    if (s.args[0] != "X25519") continue;  // other recipient types: ignored, as specified
    x25519 = true;
    for (const Identity& id : identities) {
      KEEP_ASSIGN_OR_RETURN(auto key, Unwrap(s, id));
      if (key) {
        file_key = std::move(*key);
        break;
      }
    }
    if (file_key) break;
  }
  if (!file_key) {
    return Status(Code::kInvalidArgument, "wrong_key",
                  x25519 ? "no identity given opens this age file"
                         : "this age file has no X25519 recipient (ssh-ed25519 and ssh-rsa "
                           "recipients are not supported yet: use age)");
  }
  KEEP_ASSIGN_OR_RETURN(Bytes mac, HeaderMac(file_key->view(), h.mac_input));
  if (!crypto::ConstantTimeEquals(mac, h.mac))
    return Bad("the header MAC does not match (tampered)");
  uint8_t nonce[16];
  if (ReadUpTo(in, nonce, sizeof nonce) != sizeof nonce)
    return Bad("the payload nonce is truncated");
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes key, Hkdf(file_key->view(), nonce, "payload"));
  Bytes sealed(kChunk + kTag);
  crypto::SecretBytes plain(kChunk);
  for (uint64_t counter = 0;; ++counter) {
    const size_t n = ReadUpTo(in, sealed.data(), sealed.size());
    if (in.bad()) return Status(Code::kInvalidArgument, "cannot_read", "reading the input failed");
    if (n < kTag) return Bad("the payload is truncated");
    if (n == kTag && counter > 0) return Bad("an empty final chunk after a full one");
    const bool last = n < sealed.size() || AtEnd(in);
    uint8_t cn[12];
    ChunkNonce(counter, last, cn);
    if (!crypto::AeadOpen(crypto::AeadAlgorithm::kChaCha20Poly1305, key.view(), cn, {},
                          std::span(sealed).first(n), plain.mutable_view().first(n - kTag))
             .ok()) {
      return Bad("payload chunk " + std::to_string(counter) +
                 " does not authenticate (tampered, truncated or reordered)");
    }
    out.write(reinterpret_cast<const char*>(plain.data()), static_cast<std::streamsize>(n - kTag));
    if (!out) return Status(Code::kInvalidArgument, "cannot_write", "writing the output failed");
    if (last) return Status::Ok();
  }
}

}  // namespace keep::format::age
