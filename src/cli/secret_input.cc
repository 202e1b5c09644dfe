#include "cli/secret_input.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "cli/cli_internal.h"

namespace keep::cli {
namespace {

constexpr size_t kMaxLine = 4096;

std::string& PassphraseFile() {
  static std::string path;
  return path;
}

// One line from `fd` (without its end of line) into secret memory.
Result<crypto::SecretBytes> ReadLine(int fd, const std::string& what) {
  crypto::SecretBytes buf = crypto::SecretBytes::Locked(kMaxLine);
  size_t n = 0;
  for (;;) {
    uint8_t c;
    const ssize_t r = ::read(fd, &c, 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0 || c == '\n') break;
    if (n == kMaxLine) return Usage(what + " is longer than 4096 bytes");
    buf.data()[n++] = c;
  }
  if (n > 0 && buf.data()[n - 1] == '\r') --n;
  buf.Truncate(n);
  return buf;
}

// Asks on the terminal (stdin) with echo off; the prompt and the newline go to stderr.
Result<crypto::SecretBytes> AskHidden(const char* prompt) {
  std::cerr << prompt << std::flush;
  termios old{};
  const bool restore = tcgetattr(STDIN_FILENO, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  auto line = ReadLine(STDIN_FILENO, "the answer");
  if (restore) tcsetattr(STDIN_FILENO, TCSANOW, &old);
  std::cerr << "\n";
  return line;
}

crypto::SecretBytes FromEnv(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return {};
  return crypto::SecretBytes::LockedCopyOf(
      ByteView(reinterpret_cast<const uint8_t*>(v), std::strlen(v)));
}

}  // namespace

void SetPassphraseFile(std::string path) {
  PassphraseFile() = std::move(path);
}

Result<crypto::SecretBytes> ReadPassphrase(const char* prompt, bool confirm) {
  if (auto p = FromEnv("KEEP_PASSPHRASE"); !p.empty()) return p;
  for (const char* old : {"KEEP_IDENTITY_PASSPHRASE", "KEEP_KEYGEN_PASSPHRASE"}) {
    if (auto p = FromEnv(old); !p.empty()) {
      std::cerr << "keep: " << old << " is deprecated: use KEEP_PASSPHRASE\n";
      return p;
    }
  }
  if (!PassphraseFile().empty()) {
    const int fd = ::open(PassphraseFile().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return Usage("cannot read --passphrase-file " + PassphraseFile() + ": " +
                   std::strerror(errno));
    }
    auto p = ReadLine(fd, "--passphrase-file");
    ::close(fd);
    if (p.ok() && p->empty()) return Usage("--passphrase-file " + PassphraseFile() + " is empty");
    return p;
  }
  if (!isatty(STDIN_FILENO)) {
    return Usage(
        "a passphrase is needed and there is no terminal to ask on: set KEEP_PASSPHRASE or "
        "give --passphrase-file FILE");
  }
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes p, AskHidden(prompt));
  if (p.empty()) return Usage("no passphrase given");
  if (confirm) {
    KEEP_ASSIGN_OR_RETURN(const crypto::SecretBytes again, AskHidden("Again: "));
    if (!again.Equals(p.view())) return Usage("passphrases differ");
  }
  return p;
}

Result<crypto::SecretBytes> ReadShare(const char* prompt) {
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes s, isatty(STDIN_FILENO)
                                                   ? AskHidden(prompt)
                                                   : ReadLine(STDIN_FILENO, "the share"));
  if (s.empty()) {
    return Usage(isatty(STDIN_FILENO) ? "no share given"
                                      : "no share given (stdin is empty and not a terminal)");
  }
  return s;
}

}  // namespace keep::cli
