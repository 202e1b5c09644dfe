// Secret input for the command line: passphrases and shares, never echoed, never read
// into a std::string, and never asked for without a terminal.
//
//   passphrase: KEEP_PASSPHRASE, else the first line of --passphrase-file, else asked on
//               the terminal (stdin) with echo off — twice when confirming. Without a
//               terminal and neither set: a usage error naming both (exit 2), and no prompt
//               is printed. KEEP_IDENTITY_PASSPHRASE and KEEP_KEYGEN_PASSPHRASE, the names
//               of earlier versions, are still read, with a warning.
//   share:      asked on the terminal with echo off; from a pipe, read from stdin without
//               a prompt (`keep operator unseal < share.txt`).
//
// Errors: usage (cli_internal.h); an empty answer is one too. Not thread-safe (terminal
// state).
#pragma once

#include <string>

#include "crypto/secret_bytes.h"
#include "keep/result.h"

namespace keep::cli {

// Set once from --passphrase-file (empty: none).
void SetPassphraseFile(std::string path);
Result<crypto::SecretBytes> ReadPassphrase(const char* prompt, bool confirm);
Result<crypto::SecretBytes> ReadShare(const char* prompt);

}  // namespace keep::cli
