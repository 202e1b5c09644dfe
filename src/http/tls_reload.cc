// ReloadableTls: certificate, key and client-CA reload for a serving keepd.
#include "http/tls_reload.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdio>

namespace keep::http {

ReloadableTls::ReloadableTls(crypto::OsslPtr<SSL_CTX> base) : base_(std::move(base)) {
  SSL_CTX_set_client_hello_cb(base_.get(), &ReloadableTls::OnClientHello, this);
}

ReloadableTls::~ReloadableTls() {
  SSL_CTX_set_client_hello_cb(base_.get(), nullptr, nullptr);
}

Result<std::unique_ptr<ReloadableTls>> ReloadableTls::Create(const TlsFiles& files) {
  KEEP_ASSIGN_OR_RETURN(auto ctx, MakeServerContext(files));
  return std::unique_ptr<ReloadableTls>(new ReloadableTls(std::move(ctx)));
}

Status ReloadableTls::Reload(const TlsFiles& files) {
  KEEP_ASSIGN_OR_RETURN(auto next, MakeServerContext(files));
  std::lock_guard lock(mu_);
  current_ = std::move(next);
  return Status::Ok();
}

int ReloadableTls::OnClientHello(SSL* ssl, int* /*alert*/, void* arg) {
  auto* self = static_cast<ReloadableTls*>(arg);
  std::lock_guard lock(self->mu_);
  SSL_CTX* cur = self->current_.get();
  if (cur == nullptr || SSL_get_SSL_CTX(ssl) == cur) return SSL_CLIENT_HELLO_SUCCESS;
  // SSL_set_SSL_CTX takes its own reference; the certificate, key, client CA names and
  // verify store come from `cur` from here on, the verify mode is set explicitly.
  if (SSL_set_SSL_CTX(ssl, cur) == nullptr) return SSL_CLIENT_HELLO_ERROR;
  SSL_set_verify(ssl, SSL_CTX_get_verify_mode(cur), SSL_CTX_get_verify_callback(cur));
  return SSL_CLIENT_HELLO_SUCCESS;
}

std::string ReloadableTls::Describe() const {
  std::lock_guard lock(mu_);
  SSL_CTX* ctx = current_ ? current_.get() : base_.get();
  X509* cert = SSL_CTX_get0_certificate(ctx);
  if (cert == nullptr) return "no certificate";
  std::string out = "subject ";
  char name[256];
  X509_NAME_oneline(X509_get_subject_name(cert), name, sizeof name);
  out += name;
  crypto::OsslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (bio && ASN1_TIME_print(bio.get(), X509_get0_notAfter(cert)) == 1) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    out += ", expires " + std::string(data, static_cast<size_t>(n));
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &len) == 1) {
    out += ", sha256 ";
    char hex[3];
    for (unsigned int i = 0; i < len; ++i) {
      std::snprintf(hex, sizeof hex, "%02x", md[i]);
      out += hex;
    }
  }
  return out;
}

}  // namespace keep::http
