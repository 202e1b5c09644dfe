#include "http/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

#include "common/encoding.h"
#include "common/log.h"
#include "common/output_file.h"
#include "crypto/random.h"

namespace keep::http {
namespace {

using crypto::OsslPtr;

Status Fail(std::string_view what) {
  crypto::DrainOpenSslErrors(what);
  return Internal("TLS set-up failed: " + std::string(what));
}

bool AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  OsslPtr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

Result<OsslPtr<X509>> MakeCert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key,
                               bool is_ca) {
  OsslPtr<X509> cert(X509_new());
  uint8_t serial[16];
  KEEP_RETURN_IF_ERROR(crypto::RandomFill(serial));
  serial[0] &= 0x7f;
  OsslPtr<BIGNUM> bn(BN_bin2bn(serial, sizeof serial, nullptr));
  if (!cert || !bn || X509_set_version(cert.get(), 2) != 1 ||
      !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) ||
      !X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 86400) ||
      X509_set_pubkey(cert.get(), key) != 1) {
    return Fail("certificate fields");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("keep dev"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509* iss = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(iss));
  const bool ok =
      is_ca ? AddExt(cert.get(), iss, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
                  AddExt(cert.get(), iss, NID_key_usage, "critical,keyCertSign,cRLSign") &&
                  AddExt(cert.get(), iss, NID_subject_key_identifier, "hash")
            : AddExt(cert.get(), iss, NID_basic_constraints, "critical,CA:FALSE") &&
                  AddExt(cert.get(), iss, NID_key_usage, "critical,digitalSignature") &&
                  AddExt(cert.get(), iss, NID_ext_key_usage, "serverAuth") &&
                  AddExt(cert.get(), iss, NID_subject_alt_name,
                         "DNS:localhost,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1") &&
                  AddExt(cert.get(), iss, NID_authority_key_identifier, "keyid");
  if (!ok || X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0)
    return Fail("certificate signing");
  return cert;
}

// A certificate (0644) or a private key (0600) as PEM, complete or not at all
// (common/output_file.h). The key's PEM is built in OpenSSL's secure heap.
Status WritePem(const std::string& path, X509* cert, EVP_PKEY* key) {
  OsslPtr<BIO> bio(BIO_new(key ? BIO_s_secmem() : BIO_s_mem()));
  const bool ok = bio && (key ? PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0,
                                                         nullptr, nullptr) == 1
                              : PEM_write_bio_X509(bio.get(), cert) == 1);
  if (!ok) return Fail("PEM write");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  if (n <= 0 || data == nullptr) return Fail("PEM write");
  OutputOptions opt;
  opt.mode = key ? 0600 : 0644;
  return OutputFile::WriteWhole(
      path, ByteView(reinterpret_cast<const uint8_t*>(data), static_cast<size_t>(n)), opt);
}

}  // namespace

Result<TlsFiles> EnsureDevCertificates(const std::string& dir) {
  namespace fs = std::filesystem;
  TlsFiles files{dir + "/server.pem", dir + "/server.key"};
  const std::string ca = dir + "/ca.pem";
  if (fs::exists(ca) && fs::exists(files.cert_file) && fs::exists(files.key_file)) return files;
  std::error_code ec;
  fs::create_directories(dir, ec);
  OsslPtr<EVP_PKEY> ca_key(EVP_EC_gen("P-256"));
  OsslPtr<EVP_PKEY> key(EVP_EC_gen("P-256"));
  if (!ca_key || !key) return Fail("key generation");
  KEEP_ASSIGN_OR_RETURN(auto ca_cert,
                        MakeCert(ca_key.get(), "keep dev CA", nullptr, ca_key.get(), true));
  KEEP_ASSIGN_OR_RETURN(auto cert,
                        MakeCert(key.get(), "localhost", ca_cert.get(), ca_key.get(), false));
  KEEP_RETURN_IF_ERROR(WritePem(ca, ca_cert.get(), nullptr));
  KEEP_RETURN_IF_ERROR(WritePem(files.cert_file, cert.get(), nullptr));
  KEEP_RETURN_IF_ERROR(WritePem(files.key_file, nullptr, key.get()));
  log::Info("tls: generated a development CA ({}) and server certificate", ca);
  return files;
}

Result<OsslPtr<SSL_CTX>> MakeServerContext(const TlsFiles& files) {
  OsslPtr<SSL_CTX> ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return Fail("SSL_CTX_new");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(
      ctx.get(), SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // An idle kept-alive connection holds no read/write buffers (about 34 KiB each).
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_cipher_list(ctx.get(), "ECDHE+AESGCM:ECDHE+CHACHA20") != 1 ||
      SSL_CTX_use_certificate_chain_file(ctx.get(), files.cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx.get(), files.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    return Fail("loading the server certificate and key");
  }
  if (!files.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx.get(), files.client_ca_file.c_str(), nullptr) != 1) {
      return Fail("loading the client CA file " + files.client_ca_file);
    }
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.client_ca_file.c_str());
    if (names) SSL_CTX_set_client_CA_list(ctx.get(), names);
    SSL_CTX_set_verify(
        ctx.get(),
        SSL_VERIFY_PEER | (files.require_client_cert ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
        nullptr);
    static const unsigned char kSessionContext[] = "keepd";
    SSL_CTX_set_session_id_context(ctx.get(), kSessionContext, sizeof kSessionContext - 1);
  }
  return ctx;
}

namespace {

PeerCertificate Describe(X509* cert) {
  PeerCertificate p;
  OsslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (bio && X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    p.subject.assign(data, static_cast<size_t>(n));
  }
  unsigned char* der = nullptr;
  const int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  if (len > 0) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(der, static_cast<size_t>(len), digest);
    p.spki_sha256 = HexEncode(ByteView(digest, sizeof digest));
    OPENSSL_free(der);
  }
  return p;
}

}  // namespace

PeerCertificate PeerOf(SSL* ssl) {
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (!cert || SSL_get_verify_result(ssl) != X509_V_OK) return {};
  return Describe(cert);
}

Result<PeerCertificate> DescribeCertificateFile(const std::string& pem_file) {
  OsslPtr<BIO> bio(BIO_new_file(pem_file.c_str(), "r"));
  OsslPtr<X509> cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) {
    ERR_clear_error();
    return InvalidArgument("cannot read a PEM certificate from " + pem_file);
  }
  return Describe(cert.get());
}

}  // namespace keep::http
