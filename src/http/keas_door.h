// KeasDoor: the keas.kmi REST protocol (the seed's key management facility) on its own
// listener ([keas]), for applications that run keas.kmi's LocalKeyManagementFacility:
//
//   POST /new   → a new key-encrypting key: a passphrase-protected RSA-2048 private key in
//                 PEM (text/plain), as keas.kmi returns one; clients keep it and treat it as
//                 opaque.
//   POST /key   (body: that PEM) → the 128-byte data key it guards (text/plain, raw bytes);
//                 404 "Key not found" for an unknown one.
//   GET  /      → "KMS server holding N keys" (text/plain).
//
// Storage (docs/formats.md §10): the data key is sealed with AES-256-GCM under a key
// derived from the PEM (HKDF-SHA256), and that under the keep key `[keas] key` (a keep
// ciphertext bound to the entry's id), under the barrier at "keas/<SHA-256 of the PEM>":
// neither the stolen database alone nor the PEM alone yields a data key, nor does keep's
// own root key without the PEM. Entries imported from a keas.kmi master (`keep import
// keas-kmi`) are opened once with the PEM (its PKCS#1 v1.5 blob: the weakness stays in the
// import) and re-protected this way on first use.
//
// The same Gate as every door: the caller is its client certificate's identity, else
// "keas:anonymous" with `[keas] policies`; /new needs `datakey` on the keas key, /key
// `decrypt` (and counts against decrypt budgets and lockdown), / `read`; every request is
// audited (operation as native, "keas <path>" in the detail). Thread-safe.
#pragma once

#include <functional>
#include <string>

#include "access/gate.h"
#include "http/door.h"
#include "service/service.h"

namespace keep::http {

struct KeasOptions {
  bool enabled = false;
  std::string address = "127.0.0.1";
  uint16_t port = 8080;  // keas.kmi's
  bool tls = true;       // false: plain HTTP (loopback, or allow_plain_http)
  bool allow_plain_http = false;
  std::string key = "keas";  // the keep key sealing the entries (made on first use)
};

class KeasDoor final : public Door {
 public:
  KeasDoor(service::Service& service, access::Gate& gate, KeasOptions options,
           bool async_audit = false);

  HttpResponse Handle(HttpRequest& request) override;
  std::optional<HttpResponse> Screen(HttpRequest& head) override;
  size_t BodyLimitFor(std::string_view method, std::string_view target) const override;
  HttpResponse Reject(const Status& status, std::string_view remote_address = "",
                      int retry_after_s = 0) override;
  HttpResponse AuditFailed(HttpResponse& original, std::string_view request_id) override;
  int audit_timeout_ms() const override;
  bool WantsHeaders(std::string_view) const override { return false; }
  // Never: New writes entries to the store.
  bool Quick(const HttpRequest&) const override { return false; }

 private:
  struct Call;
  Result<SecretString> New(Call& call);
  Result<SecretString> Key(Call& call);
  Result<std::string> Count(Call& call);
  Result<SecretString> Legacy(Call& call, ByteView pem, const std::string& id);
  // The sealed entry of `data_key` for the PEM (the keas key made on first use).
  Result<std::string> Seal(Call& call, ByteView pem, const std::string& id,
                           const crypto::SecretBytes& data_key);
  HttpResponse Finish(Call& call, HttpResponse response);
  std::string NextRequestId();

  service::Service& service_;
  access::Gate& gate_;
  KeasOptions options_;
  bool async_audit_;
  RequestIds ids_;
};

}  // namespace keep::http
