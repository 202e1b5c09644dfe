// keep file: where a file key comes from and goes to — recipients' public keys, your
// identity (passphrase-protected PEM), and keep stanzas through the server (a data key for
// a new file, an encrypted copy of an existing key, opening one). Private to the CLI.
// Errors: usage (exit 2) for local problems (a file that cannot be read, a key that does
// not parse); the server's refusals, bad_answer, invalid_file and wrong_key (exit 1).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/cli_internal.h"
#include "format/file.h"

namespace keep::cli {

// The keep stanza's file key is a keep ciphertext bound to this context.
const EncryptionContext& KeepStanzaContext();
Result<std::vector<crypto::PublicKey>> LoadRecipients(const std::vector<std::string>& files);
// The keep stanza for an existing file key: the key encrypted by the server under `key`
// (libkeep's Encrypt; needs the `encrypt` capability).
Result<format::file::Stanza> KeepStanza(Context& ctx, const std::string& key,
                                        const crypto::SecretBytes& file_key);
// A new file key made by the server as a data key of `key` (libkeep's GenerateDataKey;
// needs `datakey` and `datakey-plaintext`): the plaintext becomes the file key and the
// wrapped copy its keep stanza.
Result<std::pair<crypto::SecretBytes, format::file::Stanza>> KeepDataKey(Context& ctx,
                                                                         const std::string& key);
// The file key: from a stanza one of `identity_files` opens, else from a keep stanza
// through the server.
// Errors: wrong_key when no identity given opens it, or there is no keep stanza.
Result<crypto::SecretBytes> FileKey(Context& ctx, const format::file::Header& h,
                                    const std::vector<std::string>& identity_files);
// A new file key with stanzas for `recipients` and its sealed header. With `keep_key` the
// file key is a data key of that keep key and the file gets its keep stanza.
Result<format::file::NewFile> NewSealedFile(
    Context& ctx, const std::vector<crypto::PublicKey>& recipients, const std::string& keep_key,
    uint8_t segment_log2 = format::file::kDefaultSegmentLog2);

}  // namespace keep::cli
