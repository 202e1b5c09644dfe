// keep file's age v1 side (cli_age.cc): private to the CLI.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cli/cli_internal.h"
#include "cli/file_stream.h"
#include "format/age.h"

namespace keep::cli {

// "age1…": a recipient for the age format (anything else is a PEM file path).
bool IsAgeRecipient(std::string_view r);
// The recipients in age recipients files (-R): one age1… per line, # comments, blank
// lines. Errors: usage naming the file and line.
Result<std::vector<format::age::X25519Public>> ReadRecipientsFiles(
    const std::vector<std::string>& files);
// Encrypts `in` to `recipients` into `out` (committed on success).
// Errors: cannot_read, cannot_write.
Status AgeEncrypt(const std::vector<format::age::X25519Public>& recipients, Input& in, Output& out);
// Decrypts the age file `in` with the identities in `identity_files` into `out`, committed
// only when the whole file authenticated. Errors: usage (no identity, one that does not
// parse), invalid_file, wrong_key.
Status AgeDecrypt(const std::vector<std::string>& identity_files, Input& in, Output& out);

}  // namespace keep::cli
