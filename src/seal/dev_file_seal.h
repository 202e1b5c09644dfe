// DevFileSeal: keeps the root key in a local file. INSECURE: whoever can read the file
// can read every key. For `make run` and tests only; production uses Shamir shares or
// an HSM (later issues), which implement the same interface.
//
// File layout: the ASCII line "KEEP INSECURE DEV ROOT KEY v1\n" then 32 raw key bytes;
// created with mode 0600 in a directory the caller owns.
// Thread-compatible.
#pragma once

#include <string>

#include "crypto/secret_bytes.h"
#include "keep/result.h"

namespace keep::seal {

// The interface every root-key custody mode implements.
class SealProvider {
 public:
  virtual ~SealProvider() = default;
  virtual std::string_view Kind() const = 0;
  // Creates fresh root-key material and returns the root key. Errors:
  // kAlreadyExists ("already_initialized") if material exists.
  virtual Result<crypto::SecretBytes> Create() = 0;
  // Recovers the root key without human input, when this mode can (dev file, HSM).
  // Errors: kUnavailable with reason "sealed" and a message saying why.
  virtual Result<crypto::SecretBytes> AutoUnseal() = 0;
};

class DevFileSeal final : public SealProvider {
 public:
  explicit DevFileSeal(std::string path) : path_(std::move(path)) {}
  std::string_view Kind() const override { return "dev-file"; }
  Result<crypto::SecretBytes> Create() override;
  Result<crypto::SecretBytes> AutoUnseal() override;

 private:
  std::string path_;
};

}  // namespace keep::seal
