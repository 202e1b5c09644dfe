// keep file in the age v1 format (format/age.h): encryption to "age1…" and SSH recipients
// (on the command line or in a recipients file), binary or armored; decryption with age
// identity files or SSH private keys. A file is either age or keep format: age recipients
// do not mix with PEM recipients or --key.
#include "cli/cli_age.h"

#include <sys/stat.h>

#include <cstdlib>
#include <streambuf>

#include "crypto/secret_bytes.h"
#include "format/age.h"

namespace keep::cli {
namespace {

// Input as a std::streambuf; its buffer may hold plaintext (encryption): wiped.
class InputBuf final : public std::streambuf {
 public:
  explicit InputBuf(Input& in) : in_(in), buf_(crypto::SecretBytes(64 * 1024)) {}
  const Status& error() const { return error_; }

 protected:
  int_type underflow() override {
    auto n = in_.Read(buf_.data(), buf_.size());
    if (!n.ok()) error_ = n.status();
    if (!n.ok() || *n == 0) return traits_type::eof();
    char* b = reinterpret_cast<char*>(buf_.data());
    setg(b, b, b + *n);
    return traits_type::to_int_type(*gptr());
  }

 private:
  Input& in_;
  crypto::SecretBytes buf_;
  Status error_;
};

// Output as an unbuffered std::streambuf (the age module writes whole chunks).
class OutputBuf final : public std::streambuf {
 public:
  explicit OutputBuf(Output& out) : out_(out) {}
  const Status& error() const { return error_; }

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (!error_.ok()) return 0;
    error_ = out_.Write(ByteView(reinterpret_cast<const uint8_t*>(s), static_cast<size_t>(n)));
    return error_.ok() ? n : 0;
  }
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    const char ch = traits_type::to_char_type(c);
    return xsputn(&ch, 1) == 1 ? c : traits_type::eof();
  }

 private:
  Output& out_;
  Status error_;
};

// The first I/O error of the adapters, else `st`.
Status FirstError(const Status& st, const InputBuf& in, const OutputBuf& out) {
  if (!in.error().ok()) return in.error();
  if (!out.error().ok()) return out.error();
  return st;
}

}  // namespace

bool IsAgeRecipient(std::string_view r) {
  return r.rfind("age1", 0) == 0 || r.rfind("ssh-ed25519 ", 0) == 0 || r.rfind("ssh-rsa ", 0) == 0;
}

Result<std::vector<format::age::Recipient>> ReadRecipientsFiles(
    const std::vector<std::string>& files) {
  std::vector<format::age::Recipient> out;
  for (const std::string& f : files) {
    KEEP_ASSIGN_OR_RETURN(std::string text, ReadInput(f));
    auto keys = format::age::ParseRecipientsFile(text);
    if (!keys.ok()) return Usage(f + ": " + keys.status().message());
    for (auto& k : *keys) out.push_back(std::move(k));
  }
  return out;
}

Status AgeEncrypt(const std::vector<format::age::Recipient>& keys, Input& in, Output& out,
                  bool armor) {
  InputBuf ib(in);
  OutputBuf ob(out);
  std::istream is(&ib);
  std::ostream os(&ob);
  KEEP_RETURN_IF_ERROR(FirstError(format::age::Encrypt(keys, is, os, armor), ib, ob));
  return out.Commit();
}

std::string DefaultAgeIdentityFile() {
  if (const char* f = std::getenv("KEEP_AGE_KEY_FILE"); f != nullptr && *f != '\0') return f;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x != nullptr && *x == '/') {
    return std::string(x) + "/keep/age/keys.txt";
  }
  if (const char* h = std::getenv("HOME"); h != nullptr && *h == '/') {
    return std::string(h) + "/.config/keep/age/keys.txt";
  }
  return "";
}

Status AgeDecrypt(const std::vector<std::string>& given, Input& in, Output& out) {
  std::vector<std::string> identity_files = given;
  if (identity_files.empty()) {
    const std::string def = DefaultAgeIdentityFile();
    struct stat st {};
    if (def.empty() || ::stat(def.c_str(), &st) != 0) {
      return Usage(
          "an age file needs -i IDENTITY_FILE (AGE-SECRET-KEY-1… as age-keygen or "
          "`keep keygen --type age` writes, or an SSH private key); none at the "
          "default location " +
          (def.empty() ? std::string("(no HOME)") : def));
    }
    identity_files.push_back(def);
  }
  std::vector<format::age::Identity> ids;
  for (const std::string& f : identity_files) {
    KEEP_ASSIGN_OR_RETURN(SecretString text, ReadSecretInput(f));
    auto parsed = format::age::ParseIdentityFile(text);
    if (!parsed.ok()) return Usage(f + ": " + parsed.status().message());
    for (auto& id : *parsed) ids.push_back(std::move(id));
  }
  InputBuf ib(in);
  OutputBuf ob(out);
  std::istream is(&ib);
  std::ostream os(&ob);
  KEEP_RETURN_IF_ERROR(FirstError(format::age::Decrypt(ids, is, os), ib, ob));
  return out.Commit();  // only a whole, authenticated file replaces the output
}

}  // namespace keep::cli
