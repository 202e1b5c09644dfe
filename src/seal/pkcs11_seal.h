// Pkcs11Seal: the root key wrapped by an AES-256 key that never leaves an HSM.
//
// Through any PKCS#11 module (tested with SoftHSM2): the module is dlopen'ed, the token
// found by label, the user logged in with the PIN, the AES key found by label (class
// secret key, type AES), and the root key encrypted with CKM_AES_GCM inside the token
// (random 96-bit IV made by keep, AAD "keep root key v1", 128-bit tag). The blob kept in
// the seal record is 0x01 || iv (12) || ciphertext (32) || tag (16).
//
// With generate_key, a missing key is created in the token at Wrap (init): sensitive,
// not extractable, encrypt/decrypt only. Without it a missing key is an error.
// Every call opens its own session and logs out after, so an HSM that restarts between
// calls is simply reached again; when a session cannot be opened the module is released
// so the next call initializes it afresh (tokens that appeared meanwhile are seen). Errors are
// kUnavailable "sealed" with a message naming what failed (module, token, PIN, key, mechanism) and
// the PKCS#11 return code; a login the token refuses for its PIN (incorrect, locked,
// expired, invalid) is kUnavailable "hsm_pin_rejected", so that the caller stops retrying
// before a real token locks the PIN. The PIN is read anew for each login, wiped after it
// and never logged. Thread-compatible (the service serializes
// calls).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "seal/provider.h"

namespace keep::seal {

// Reads the user PIN (from an environment variable or a file, never the config). Called
// for every login, so a corrected PIN file is picked up by the next attempt.
using PinSource = std::function<Result<crypto::SecretBytes>()>;

struct Pkcs11Options {
  std::string module;       // path of the PKCS#11 library
  std::string token_label;  // CKA_LABEL of the token (its 32-byte padded label)
  std::string key_label;    // CKA_LABEL of the AES key
  PinSource pin;
  bool generate_key = false;
};

class Pkcs11Seal final : public SealProvider {
 public:
  explicit Pkcs11Seal(Pkcs11Options options);
  ~Pkcs11Seal() override;
  std::string_view Kind() const override { return "pkcs11"; }
  bool AutoUnseal() const override { return true; }
  std::optional<ShareKind> Shares() const override { return ShareKind::kRecovery; }
  Result<Bytes> Wrap(const crypto::SecretBytes& root_key) override;
  Result<crypto::SecretBytes> Unwrap(ByteView wrapped) override;

  // A loaded, initialized module; shared by every seal of the process that uses the same
  // library (PKCS#11 allows one C_Initialize per process), finalized with the last one.
  struct Module;

 private:
  void Release();
  Pkcs11Options options_;
  std::shared_ptr<Module> module_;
};

}  // namespace keep::seal
