// DevFileSeal: keeps the root key in a local file. INSECURE: whoever can read the file
// can read every key. For `make run` and tests only; production uses Shamir shares or
// an HSM, which implement the same interface (seal/provider.h).
//
// File layout: the ASCII line "KEEP INSECURE DEV ROOT KEY v1\n" then 32 raw key bytes;
// written once with mode 0600 (complete or not at all: a temporary file, then link()).
// Wrap refuses to replace an existing file ("already_initialized"): the dev seal has
// no shares, hence no rekey.
// Thread-compatible.
#pragma once

#include <string>

#include "seal/provider.h"

namespace keep::seal {

class DevFileSeal final : public SealProvider {
 public:
  explicit DevFileSeal(std::string path) : path_(std::move(path)) {}
  std::string_view Kind() const override { return "dev-file"; }
  bool AutoUnseal() const override { return true; }
  std::optional<ShareKind> Shares() const override { return std::nullopt; }
  // Writes the key file; returns an empty blob.
  Result<Bytes> Wrap(const crypto::SecretBytes& root_key) override;
  // Reads the key file (the blob is ignored).
  Result<crypto::SecretBytes> Unwrap(ByteView wrapped) override;

 private:
  std::string path_;
};

}  // namespace keep::seal
