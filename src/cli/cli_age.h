// keep file's age v1 side (cli_age.cc): private to the CLI.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cli/cli_internal.h"
#include "cli/file_stream.h"
#include "format/age.h"

namespace keep::cli {

// "age1…" or an SSH public key ("ssh-ed25519 AAAA…", "ssh-rsa AAAA…"): a recipient for the
// age format (anything else is a PEM file path).
bool IsAgeRecipient(std::string_view r);
// The recipients in age recipients files (-R): age1… and SSH public keys, one per line,
// # comments, blank lines. Errors: usage naming the file and line.
Result<std::vector<format::age::Recipient>> ReadRecipientsFiles(
    const std::vector<std::string>& files);
// Encrypts `in` to `recipients` into `out` (committed on success), ASCII-armored when
// `armor`. Errors: cannot_read, cannot_write.
Status AgeEncrypt(const std::vector<format::age::Recipient>& recipients, Input& in, Output& out,
                  bool armor);
// Where `keep file decrypt` looks for age identities when no -i is given: $KEEP_AGE_KEY_FILE,
// else $XDG_CONFIG_HOME/keep/age/keys.txt (~/.config/keep/age/keys.txt). Empty when neither
// the variable nor a home directory is known.
std::string DefaultAgeIdentityFile();
// Decrypts the age file `in` with the identities in `identity_files` (age identity files or
// SSH private keys; none: the default identity file) into `out`, committed only when the
// whole file authenticated. Errors: usage (no identity, one that does not parse),
// invalid_file, wrong_key.
Status AgeDecrypt(const std::vector<std::string>& identity_files, Input& in, Output& out);

}  // namespace keep::cli
