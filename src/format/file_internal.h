// Private to src/format's file v1 (file.cc: header and stanzas; file_body.cc: the body).
#pragma once

#include <string>
#include <string_view>

#include "format/file.h"

namespace keep::format::file {

inline constexpr std::string_view kPayloadInfo = "keep file v1 payload";

// kInvalidArgument with reason "invalid_file".
Status Bad(std::string message);
// HKDF-SHA256 of the file key with the header's salt and `info` (locked memory).
Result<crypto::SecretBytes> Derive(const crypto::SecretBytes& file_key, const Header& h,
                                   std::string_view info);
// The header's segment size and stanzas are within the format's bounds.
Status CheckHeader(const Header& h);

}  // namespace keep::format::file
