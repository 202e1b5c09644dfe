// submitter KEY: the seed's anonymous submitter — reads lines from stdin and prints one
// keep ciphertext per line, with a token that may only encrypt; then checks that the same
// token cannot decrypt what it submitted (permission_denied), as the roles intend.
#include <iostream>
#include <string>

#include "common.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: submitter KEY < lines\n");
    return 2;
  }
  auto client = ClientFromEnvironment();
  std::string line, last;
  int n = 0;
  while (std::getline(std::cin, line)) {
    auto c = client->Encrypt(argv[1], line, {{"submitted-by", "submitter"}});
    if (!c.ok()) return std::fprintf(stderr, "%s\n", c.status().ToString().c_str()), 1;
    std::cout << c->ciphertext << "\n";
    last = c->ciphertext;
    ++n;
  }
  if (n == 0) return 0;
  auto back = client->Decrypt("", last, {{"submitted-by", "submitter"}});
  std::fprintf(stderr, "%d submitted; decrypting with this token: %s\n", n,
               back.ok() ? "allowed (the token is not encrypt-only)"
                         : std::string(back.status().reason()).c_str());
  return back.ok() ? 1 : 0;
}
