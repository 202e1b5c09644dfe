// age v1 files (docs/formats.md §15): the armor, the header parser, the X25519 and
// ssh-ed25519 stanza unwrapping, the header MAC and the STREAM payload under fixed
// identities; the same bytes as identity files (OpenSSH private keys included) and
// recipients files. Seeds are files Debian's age made for those identities, binary and
// armored, and the test SSH key itself (fuzz/corpus/age), so mutations reach the MAC, chunk
// and key-parsing code. Checks: no crash, no leak; a file that opens releases at most its
// payload; what opens re-encrypts and opens to the same bytes.
#include <sstream>

#include "format/age.h"
#include "fuzz_check.h"

using namespace keep;
namespace age = format::age;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A test identity (generated once with age-keygen for these seeds; it protects nothing).
  // And a test SSH key (ssh-keygen -t ed25519, made for these seeds; it protects nothing).
  static const std::vector<age::Identity> ids = [] {
    std::vector<age::Identity> v;
    v.push_back(*age::ParseIdentity(
        "AGE-SECRET-KEY-1GF9GVUW9D0SXQL7E0QQJ7850MGANXYVY2WX4780NNEG5QMS2REYSFKUS5M"));
    auto ssh = age::ParseIdentityFile(
        "-----BEGIN OPENSSH PRIVATE KEY-----\n"
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
        "QyNTUxOQAAACCjV0apaImJrr6IBM0gdnEFnECQGG0sO1Jch5Xh/tdttQAAAIixuanRsbmp\n"
        "0QAAAAtzc2gtZWQyNTUxOQAAACCjV0apaImJrr6IBM0gdnEFnECQGG0sO1Jch5Xh/tdttQ\n"
        "AAAEDTaiYGJ8/wlMrvOucdwd6DUKlhbH7cBjjK9eQZGFpRsqNXRqloiYmuvogEzSB2cQWc\n"
        "QJAYbSw7UlyHleH+1221AAAABGZ1enoB\n"
        "-----END OPENSSH PRIVATE KEY-----\n");
    FUZZ_CHECK(ssh.ok());
    v.push_back(std::move((*ssh)[0]));
    return v;
  }();
  const std::string file(reinterpret_cast<const char*>(data), size);
  std::istringstream in(file);
  std::ostringstream out;
  if (!age::Decrypt(ids, in, out).ok()) return 0;
  const std::string plain = out.str();
  FUZZ_CHECK(plain.size() < size);
  std::istringstream again_in(plain);
  std::ostringstream sealed;
  FUZZ_CHECK(age::Encrypt({age::RecipientOf(ids[0])}, again_in, sealed).ok());
  std::istringstream sealed_in(sealed.str());
  std::ostringstream round;
  FUZZ_CHECK(age::Decrypt(ids, sealed_in, round).ok() && round.str() == plain);
  // The same bytes as identity and recipients files: refused or parsed, never a crash.
  (void)age::ParseIdentityFile(file);
  (void)age::ParseRecipientsFile(file);
  return 0;
}
