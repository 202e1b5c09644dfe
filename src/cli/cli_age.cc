// keep file in the age v1 format (format/age.h): encryption to "age1…" recipients (on the
// command line or in a recipients file), decryption with age identity files. A file is
// either age or keep format: age recipients do not mix with PEM recipients or --key.
#include "cli/cli_age.h"

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
  return r.rfind("age1", 0) == 0;
}

Result<std::vector<format::age::X25519Public>> ReadRecipientsFiles(
    const std::vector<std::string>& files) {
  std::vector<format::age::X25519Public> out;
  for (const std::string& f : files) {
    KEEP_ASSIGN_OR_RETURN(std::string text, ReadInput(f));
    auto keys = format::age::ParseRecipientsFile(text);
    if (!keys.ok()) return Usage(f + ": " + keys.status().message());
    out.insert(out.end(), keys->begin(), keys->end());
  }
  return out;
}

Status AgeEncrypt(const std::vector<format::age::X25519Public>& keys, Input& in, Output& out) {
  InputBuf ib(in);
  OutputBuf ob(out);
  std::istream is(&ib);
  std::ostream os(&ob);
  KEEP_RETURN_IF_ERROR(FirstError(format::age::Encrypt(keys, is, os), ib, ob));
  return out.Commit();
}

Status AgeDecrypt(const std::vector<std::string>& identity_files, Input& in, Output& out) {
  if (identity_files.empty()) {
    return Usage("an age file needs -i IDENTITY_FILE (AGE-SECRET-KEY-1…, as age-keygen writes)");
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
