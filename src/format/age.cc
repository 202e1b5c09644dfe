// age v1, from its specification (age-encryption.org/v1).
#include "format/age.h"

#include <algorithm>
#include <cstring>

#include "crypto/aead.h"
#include "crypto/kdf.h"
#include "crypto/pubkey.h"
#include "crypto/random.h"
#include "format/age_armor.h"
#include "format/age_stanza.h"
#include "format/age_text.h"

namespace keep::format::age {
namespace {

using internal::B64;
using internal::Hkdf;
using internal::Stanza;
using internal::UnB64;

constexpr std::string_view kIntro = "age-encryption.org/v1";
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

// --- the header ----------------------------------------------------------------------

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

}  // namespace

bool LooksLikeAge(std::string_view prefix) {
  return prefix.substr(0, kIntro.size() + 1) == std::string(kIntro) + "\n" ||
         internal::LooksArmored(prefix);
}

namespace {

Status EncryptBinary(const std::vector<Recipient>& recipients, std::istream& in,
                     std::ostream& out) {
  if (recipients.empty()) return Usage("no age recipient");
  crypto::SecretBytes file_key = crypto::SecretBytes::Locked(kFileKeySize);
  KEEP_RETURN_IF_ERROR(crypto::RandomFill(file_key.mutable_view()));
  std::string header = std::string(kIntro) + "\n";
  for (const Recipient& r : recipients) {
    KEEP_ASSIGN_OR_RETURN(Stanza s, internal::Wrap(r, file_key.view()));
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

bool Known(const std::string& type) {
  return type == "X25519" || type == "ssh-ed25519" || type == "ssh-rsa";
}

Status DecryptBinary(const std::vector<Identity>& identities, std::istream& in, std::ostream& out) {
  KEEP_ASSIGN_OR_RETURN(Header h, ReadHeader(in));
  std::optional<crypto::SecretBytes> file_key;
  bool known = false;
  for (const Stanza& s : h.stanzas) {
    if (s.args[0] == "scrypt") {
      if (h.stanzas.size() != 1) return Bad("an scrypt stanza must be the only one");
      return Status(Code::kInvalidArgument, "wrong_key",
                    "the file is encrypted with a passphrase (age -p): keep does not decrypt "
                    "those; use age");
    }
    known = known || Known(s.args[0]);  // other recipient types: ignored, as specified
    for (const Identity& id : identities) {
      KEEP_ASSIGN_OR_RETURN(auto key, internal::Unwrap(s, id));
      if (key) {
        file_key = std::move(*key);
        break;
      }
    }
    if (file_key) break;
  }
  if (!file_key) {
    return Status(Code::kInvalidArgument, "wrong_key",
                  known ? "no identity given opens this age file"
                        : "this age file has no X25519, ssh-ed25519 or ssh-rsa recipient (a "
                          "plugin's?): use age");
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

}  // namespace

Status Encrypt(const std::vector<Recipient>& recipients, std::istream& in, std::ostream& out,
               bool armor) {
  if (!armor) return EncryptBinary(recipients, in, out);
  internal::ArmorWriter aw(out);
  std::ostream aout(&aw);
  KEEP_RETURN_IF_ERROR(EncryptBinary(recipients, in, aout));
  return aw.Finish();
}

Status Decrypt(const std::vector<Identity>& identities, std::istream& in, std::ostream& out) {
  const int first = in.peek();
  if (first != '-' && first != ' ' && first != '\t' && first != '\r' && first != '\n') {
    return DecryptBinary(identities, in, out);
  }
  internal::ArmorReader ar(in);
  std::istream ain(&ar);
  Status st = DecryptBinary(identities, ain, out);
  if (!ar.error().ok()) return ar.error();  // the armor's fault explains a truncation
  return st;
}

}  // namespace keep::format::age
