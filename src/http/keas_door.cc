#include "http/keas_door.h"

#include <openssl/crypto.h>

#include <chrono>
#include <cstdio>

#include "common/encoding.h"
#include "common/log.h"
#include "crypto/aead.h"
#include "crypto/kdf.h"
#include "crypto/legacy.h"
#include "crypto/pubkey.h"
#include "crypto/random.h"
#include "format/context.h"
#include "http/errors.h"

namespace keep::http {
namespace {

constexpr size_t kDataKeySize = 128;  // keas.kmi: RSA key length / 16
constexpr std::string_view kPassphrase = "key management facility";  // keas.kmi's, for clients
constexpr std::string_view kInfo = "keep keas v1 data key";
constexpr size_t kMaxPem = 8192;

HttpResponse Text(int status, SecretString body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain";
  r.body = std::move(body);
  return r;
}

// The entry id of a key-encrypting key: SHA-256 of its PEM, hex.
std::string IdOf(ByteView pem) {
  uint8_t d[crypto::kSha256Size];
  if (!crypto::Sha256(pem, d).ok()) return {};
  return HexEncode(d);
}

// The key the PEM holds over its data key (the inner layer).
Result<crypto::SecretBytes> PemKey(ByteView pem) {
  crypto::SecretBytes k = crypto::SecretBytes::Locked(32);
  KEEP_RETURN_IF_ERROR(crypto::HkdfSha256(pem, {}, AsBytes(kInfo), k.mutable_view()));
  return k;
}

format::EncryptionContext ContextOf(const std::string& id) {
  return {{"keas", id}};
}

}  // namespace

struct KeasDoor::Call : access::Passage {
  Call(HttpRequest& r, std::string id)
      : access::Passage(id, std::string(r.remote_address)), req(r), request_id(std::move(id)) {}
  HttpRequest& req;
  std::string request_id;
  int audit_status = 200;
};

KeasDoor::KeasDoor(service::Service& service, access::Gate& gate, KeasOptions options,
                   bool async_audit)
    : service_(service),
      gate_(gate),
      options_(std::move(options)),
      async_audit_(async_audit),
      ids_("keas") {}

std::string KeasDoor::NextRequestId() {
  return ids_.Next();
}

size_t KeasDoor::BodyLimitFor(std::string_view, std::string_view) const {
  return kMaxPem;
}

int KeasDoor::audit_timeout_ms() const {
  return gate_.audit().write_timeout_ms();
}

std::optional<HttpResponse> KeasDoor::Screen(HttpRequest&) {
  return std::nullopt;  // no credentials to check before a body of at most 8 KiB
}

HttpResponse KeasDoor::Reject(const Status& status, std::string_view remote, int retry_after_s) {
  const std::string id = NextRequestId();
  HttpResponse r = Text(HttpStatusFor(status), SecretString(PublicMessage(status)));
  RecordRejected(gate_.audit(), id, r.status, status.reason(), remote, "keas");
  if (retry_after_s > 0) r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  r.headers.emplace_back("X-Request-Id", id);
  return r;
}

HttpResponse KeasDoor::AuditFailed(HttpResponse& original, std::string_view request_id) {
  original.body.Wipe();
  HttpResponse r = Text(503, SecretString("the request's audit record could not be written"));
  r.error_code = "audit_unavailable";
  r.headers.emplace_back("X-Request-Id", std::string(request_id));
  return r;
}

HttpResponse KeasDoor::Handle(HttpRequest& req) {
  Call call(req, NextRequestId());
  const log::RequestScope log_scope(call.request_id);
  const std::string path(std::string_view(req.target).substr(0, req.target.find('?')));
  call.event.detail = "keas " + req.method.substr(0, 8) + " " + path.substr(0, 40);
  access::Operation op;
  if (req.method == "GET" && path == "/") {
    op = access::Operation::kKeyRead;
  } else if (req.method == "POST" && path == "/new") {
    op = access::Operation::kDataKey;
  } else if (req.method == "POST" && path == "/key") {
    op = access::Operation::kDecrypt;
  } else {
    call.event.operation = "keas " + req.method.substr(0, 8) + " " + path.substr(0, 40);
    const bool known = path == "/" || path == "/new" || path == "/key";
    const Status st =
        known ? Status(Code::kMethodNotAllowed, "method_not_allowed", "Method not allowed")
              : NotFound("Not found");
    call.audit_status = HttpStatusFor(st);
    HttpResponse r = Text(call.audit_status, SecretString(st.message()));
    r.error_code = std::string(st.reason());
    return Finish(call, std::move(r));
  }
  call.event.operation = std::string(access::OperationName(op));
  access::Credentials creds;
  creds.cert_subject = req.client_cert_subject;
  creds.cert_spki_sha256 = req.client_cert_spki_sha256;
  creds.door = "keas";
  Status st = gate_.Authenticate(call, creds);
  if (st.ok()) st = gate_.Authorize(call, op, options_.key);
  Result<SecretString> body = Status::Ok();
  if (st.ok()) {
    if (op == access::Operation::kDataKey) {
      body = New(call);
    } else if (op == access::Operation::kDecrypt) {
      body = Key(call);
    } else {
      auto n = Count(call);
      body = n.ok() ? Result<SecretString>(SecretString(*n)) : Result<SecretString>(n.status());
    }
    st = body.status();
  }
  if (!st.ok()) {
    call.audit_status = HttpStatusFor(st);
    // keas.kmi's answer for an unknown key encrypting key.
    HttpResponse r = Text(call.audit_status, SecretString(st.reason() == "not_found"
                                                              ? std::string_view("Key not found")
                                                              : PublicMessage(st)));
    r.error_code = st.code() == Code::kInternal ? "internal" : std::string(st.reason());
    return Finish(call, std::move(r));
  }
  return Finish(call, Text(200, std::move(*body)));
}

HttpResponse KeasDoor::Finish(Call& call, HttpResponse response) {
  response.headers.emplace_back("X-Request-Id", call.request_id);
  return FinishAudited(gate_, call, call.audit_status, std::move(response), async_audit_,
                       call.request_id,
                       [&](HttpResponse& r) { return AuditFailed(r, call.request_id); });
}

Result<SecretString> KeasDoor::New(Call& call) {
  // The key encrypting key, as keas.kmi hands one out: RSA-2048, passphrase-protected PEM.
  KEEP_ASSIGN_OR_RETURN(const crypto::PrivateKey kek,
                        crypto::GeneratePrivateKey(crypto::KeyType::kRsa, 2048));
  KEEP_ASSIGN_OR_RETURN(const crypto::SecretBytes pem,
                        crypto::PrivateKeyPem(kek, AsBytes(kPassphrase), crypto::PemKdf::kPbkdf2));
  const std::string id = IdOf(pem.view());
  call.event.target = "keas:" + id.substr(0, 16);
  KEEP_ASSIGN_OR_RETURN(const crypto::SecretBytes data_key, crypto::RandomSecret(kDataKeySize));
  KEEP_ASSIGN_OR_RETURN(const std::string sealed, Seal(call, pem.view(), id, data_key));
  KEEP_RETURN_IF_ERROR(service_.KeasPut(id, AsBytes(sealed)));
  return SecretString(AsChars(pem.view()));
}

Result<SecretString> KeasDoor::Key(Call& call) {
  const ByteView pem = AsBytes(call.req.body.view());
  if (pem.empty()) return NotFound("Key not found");
  const std::string id = IdOf(pem);
  call.event.target = "keas:" + id.substr(0, 16);
  KEEP_ASSIGN_OR_RETURN(auto stored, service_.KeasGet(id));
  if (!stored) return Legacy(call, pem, id);
  KEEP_RETURN_IF_ERROR(gate_.CountDecrypts(call, 1));
  auto inner = service_.Decrypt(call.ctx, options_.key, AsChars(stored->view()), ContextOf(id));
  if (!inner.ok()) return inner.status();
  call.event.version = inner->version;
  if (inner->plaintext.size() <= crypto::kAeadNonceSize + crypto::kAeadTagSize) {
    return DataLoss("a keas entry is malformed");
  }
  KEEP_ASSIGN_OR_RETURN(const crypto::SecretBytes k, PemKey(pem));
  SecretString out(inner->plaintext.size() - crypto::kAeadNonceSize - crypto::kAeadTagSize, '\0');
  KEEP_RETURN_IF_ERROR(
      crypto::AeadOpen(crypto::AeadAlgorithm::kAesGcm, k.view(),
                       inner->plaintext.view().first(crypto::kAeadNonceSize), AsBytes(id),
                       inner->plaintext.view().subspan(crypto::kAeadNonceSize),
                       std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size())));
  return out;
}

Result<std::string> KeasDoor::Seal(Call& call, ByteView pem, const std::string& id,
                                   const crypto::SecretBytes& data_key) {
  KEEP_ASSIGN_OR_RETURN(const crypto::SecretBytes k, PemKey(pem));
  crypto::SecretBytes inner(crypto::kAeadNonceSize + data_key.size() + crypto::kAeadTagSize);
  KEEP_RETURN_IF_ERROR(crypto::RandomFill(inner.mutable_view().first(crypto::kAeadNonceSize)));
  KEEP_RETURN_IF_ERROR(crypto::AeadSeal(
      crypto::AeadAlgorithm::kAesGcm, k.view(), inner.view().first(crypto::kAeadNonceSize),
      AsBytes(id), data_key.view(), inner.mutable_view().subspan(crypto::kAeadNonceSize)));
  auto outer = service_.Encrypt(call.ctx, options_.key, inner.view(), ContextOf(id));
  if (!outer.ok() && outer.status().reason() == "not_found") {
    keys::CreateKeyOptions o;
    o.name = options_.key;
    o.description = "seals the keas.kmi door's data keys";
    auto made = service_.CreateKey(call.ctx, o);
    if (!made.ok() && made.status().reason() != "already_exists") return made.status();
    log::Info("keas: created key '{}' for the keas.kmi door", options_.key);
    outer = service_.Encrypt(call.ctx, options_.key, inner.view(), ContextOf(id));
  }
  if (!outer.ok()) return outer.status();
  call.event.version = outer->version;
  return std::move(outer->ciphertext);
}

// An entry imported from a keas.kmi master (`keep import keas-kmi`): found by the MD5 of
// the PEM as keas.kmi named it, opened once with the PEM (its passphrase is keas.kmi's),
// then re-protected in keep's format and the legacy entry deleted, in one transaction.
// Every failure is "Key not found", whatever went wrong (no padding oracle).
Result<SecretString> KeasDoor::Legacy(Call& call, ByteView pem, const std::string& id) {
  const Status unknown = NotFound("Key not found");
  const std::string md5 = crypto::Md5HexLegacy(pem);
  if (md5.empty()) return unknown;
  KEEP_ASSIGN_OR_RETURN(auto blob, service_.KeasGetLegacy(md5));
  if (!blob) return unknown;
  KEEP_RETURN_IF_ERROR(gate_.CountDecrypts(call, 1));
  auto kek = crypto::ParsePrivateKeyPem(AsChars(pem), AsBytes(kPassphrase));
  if (!kek.ok()) return unknown;
  auto data_key = crypto::RsaPkcs1v15DecryptLegacy(*kek, blob->view());
  if (!data_key.ok() || data_key->empty() || data_key->size() > 512) return unknown;
  KEEP_ASSIGN_OR_RETURN(const std::string sealed, Seal(call, pem, id, *data_key));
  KEEP_RETURN_IF_ERROR(service_.KeasReplaceLegacy(md5, id, AsBytes(sealed)));
  log::Info("keas: re-protected an imported keas.kmi entry ({})", id.substr(0, 16));
  call.event.detail += " (imported entry re-protected)";
  return SecretString(AsChars(data_key->view()));
}

Result<std::string> KeasDoor::Count(Call&) {
  KEEP_ASSIGN_OR_RETURN(const size_t n, service_.KeasCount());
  return "KMS server holding " + std::to_string(n) + " keys";
}

}  // namespace keep::http
