// SealProvider: how keep gets its root key back after a restart. One per custody mode.
//
// The root key is 32 random bytes made by the service at init and rekey. Its custody:
//   shamir   — nothing is stored: the key exists only as shares held by people
//              (ShareKind::kUnseal) and in memory while unsealed.
//   pkcs11   — the key is wrapped by an AES key that never leaves an HSM; the wrapped
//              blob is stored in the seal record; keepd unseals itself at start. The key
//              is also split into recovery shares (ShareKind::kRecovery) that authorize
//              rekey and unseal if the HSM is lost.
//   dev-file — INSECURE: the key in a local file (development and tests only).
// Thread-compatible: the service calls a provider under its own lock.
#pragma once

#include <optional>
#include <string_view>

#include "common/bytes.h"
#include "crypto/secret_bytes.h"
#include "keep/result.h"

namespace keep::seal {

enum class ShareKind : uint8_t { kUnseal = 1, kRecovery = 2 };

class SealProvider {
 public:
  virtual ~SealProvider() = default;
  virtual std::string_view Kind() const = 0;
  // True when Unwrap can recover the root key without people.
  virtual bool AutoUnseal() const = 0;
  // The kind of shares init splits the root key into, or none (dev-file).
  virtual std::optional<ShareKind> Shares() const = 0;
  // Protects a new root key for AutoUnseal. Returns the blob to store in the seal record
  // (empty when the provider keeps it elsewhere). Errors: kUnavailable with a message
  // saying why (HSM unreachable, ...).
  virtual Result<Bytes> Wrap(const crypto::SecretBytes& root_key) = 0;
  // Recovers the root key from Wrap's blob. Errors: kUnavailable "sealed" with the reason.
  virtual Result<crypto::SecretBytes> Unwrap(ByteView wrapped) = 0;
};

// The default for production: the root key lives only in shares and memory.
class ShamirSeal final : public SealProvider {
 public:
  std::string_view Kind() const override { return "shamir"; }
  bool AutoUnseal() const override { return false; }
  std::optional<ShareKind> Shares() const override { return ShareKind::kUnseal; }
  Result<Bytes> Wrap(const crypto::SecretBytes&) override { return Bytes{}; }
  Result<crypto::SecretBytes> Unwrap(ByteView) override {
    return Unavailable("sealed", "keep is sealed: waiting for unseal shares");
  }
};

}  // namespace keep::seal
