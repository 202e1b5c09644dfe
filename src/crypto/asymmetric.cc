#include "crypto/asymmetric.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "crypto/ossl.h"

namespace keep::crypto::asym {
namespace {

constexpr int kMinRsaBits = 2048, kMaxRsaBits = 4096;

std::shared_ptr<EVP_PKEY> Share(EVP_PKEY* k) {
  return {k, EVP_PKEY_free};
}

Result<Kind> KindOf(EVP_PKEY* k) {
  if (EVP_PKEY_is_a(k, "RSA")) {
    const int bits = EVP_PKEY_get_bits(k);
    if (bits < kMinRsaBits || bits > kMaxRsaBits) {
      return InvalidArgument("RSA keys must have 2048 to 4096 bits (this one has " +
                             std::to_string(bits) + ")");
    }
    return Kind::kRsa;
  }
  if (EVP_PKEY_is_a(k, "ED25519")) return Kind::kEd25519;
  if (EVP_PKEY_is_a(k, "X25519")) return Kind::kX25519;
  if (EVP_PKEY_is_a(k, "EC")) {
    char group[64] = {};
    size_t n = 0;
    if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &n) ==
        1) {
      const std::string_view g(group, n);
      if (g == "prime256v1" || g == "P-256") return Kind::kEcP256;
      if (g == "secp384r1" || g == "P-384") return Kind::kEcP384;
      return InvalidArgument("unsupported elliptic curve " + std::string(g) +
                             ": use P-256 or P-384");
    }
    DrainOpenSslErrors("ec group");
    return InvalidArgument("an EC key with explicit or unknown parameters is not supported");
  }
  return InvalidArgument(std::string("unsupported key type ") + EVP_PKEY_get0_type_name(k));
}

const EVP_MD* Md(Hash h) {
  switch (h) {
    case Hash::kSha256:
      return EVP_sha256();
    case Hash::kSha384:
      return EVP_sha384();
    case Hash::kSha512:
      return EVP_sha512();
  }
  return EVP_sha256();
}

// Sets the padding a scheme needs on a sign/verify context.
bool Configure(EVP_PKEY_CTX* pctx, Scheme scheme, Hash hash) {
  if (scheme == Scheme::kRsaPss) {
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, Md(hash)) == 1;
  }
  if (scheme == Scheme::kRsaPkcs1) {
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  }
  return true;
}

}  // namespace

std::string_view HashName(Hash h) {
  switch (h) {
    case Hash::kSha256:
      return "sha256";
    case Hash::kSha384:
      return "sha384";
    case Hash::kSha512:
      return "sha512";
  }
  return "sha256";
}

Result<Hash> ParseHash(std::string_view s) {
  if (s == "sha256" || s == "sha-256") return Hash::kSha256;
  if (s == "sha384" || s == "sha-384") return Hash::kSha384;
  if (s == "sha512" || s == "sha-512") return Hash::kSha512;
  return InvalidArgument("hash must be sha256, sha384 or sha512");
}

size_t HashSize(Hash h) {
  return h == Hash::kSha256 ? 32 : h == Hash::kSha384 ? 48 : 64;
}

Result<PublicKeyRef> PublicKeyRef::Parse(ByteView in) {
  EVP_PKEY* raw = nullptr;
  const std::string_view text(reinterpret_cast<const char*>(in.data()), in.size());
  if (text.find("-----BEGIN") != std::string_view::npos) {
    OsslPtr<BIO> bio(BIO_new_mem_buf(in.data(), static_cast<int>(in.size())));
    if (text.find("PRIVATE KEY-----") != std::string_view::npos) {
      return InvalidArgument("this is a private key; a public key is expected");
    }
    raw = bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  } else {
    const unsigned char* p = in.data();
    raw = d2i_PUBKEY(nullptr, &p, static_cast<long>(in.size()));
    if (raw != nullptr && p != in.data() + in.size()) {
      EVP_PKEY_free(raw);
      return InvalidArgument("trailing bytes after the public key");
    }
  }
  if (raw == nullptr) {
    DrainOpenSslErrors("public key");
    return InvalidArgument("not a public key (DER or PEM SubjectPublicKeyInfo)");
  }
  return PublicKeyRef::Of(Share(raw).get());
}

Result<PublicKeyRef> PublicKeyRef::Of(EVP_PKEY* k) {
  KEEP_ASSIGN_OR_RETURN(Kind kind, KindOf(k));
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(k, &der);
  if (n <= 0) {
    DrainOpenSslErrors("i2d_PUBKEY");
    return Internal("cannot encode a public key");
  }
  Bytes out(der, der + n);
  OPENSSL_free(der);
  // A public-only copy, so holders of a PublicKeyRef never hold the private half.
  const unsigned char* p = out.data();
  EVP_PKEY* pub = d2i_PUBKEY(nullptr, &p, static_cast<long>(out.size()));
  if (pub == nullptr) {
    DrainOpenSslErrors("d2i_PUBKEY");
    return Internal("cannot decode a public key");
  }
  PublicKeyRef ref;
  ref.kind_ = kind;
  ref.bits_ = EVP_PKEY_get_bits(k);
  ref.der_ = std::move(out);
  ref.key_ = Share(pub);
  return ref;
}

std::string PublicKeyRef::Pem() const {
  OsslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) {
    DrainOpenSslErrors("PEM_write_bio_PUBKEY");
    return {};
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

Result<KeyPair> KeyPair::Generate(Kind kind, int rsa_bits) {
  EVP_PKEY* k = nullptr;
  switch (kind) {
    case Kind::kRsa:
      if (rsa_bits != 2048 && rsa_bits != 3072 && rsa_bits != 4096) {
        return InvalidArgument("RSA keys have 2048, 3072 or 4096 bits");
      }
      k = EVP_RSA_gen(static_cast<unsigned>(rsa_bits));
      break;
    case Kind::kEcP256:
      k = EVP_EC_gen("P-256");
      break;
    case Kind::kEcP384:
      k = EVP_EC_gen("P-384");
      break;
    case Kind::kEd25519:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
    case Kind::kX25519:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
      break;
  }
  if (k == nullptr) {
    DrainOpenSslErrors("keygen");
    return Internal("key generation failed");
  }
  KeyPair out;
  out.key_ = Share(k);
  KEEP_ASSIGN_OR_RETURN(out.public_, PublicKeyRef::Of(k));
  return out;
}

Result<KeyPair> KeyPair::FromPkcs8(ByteView der) {
  const unsigned char* p = der.data();
  OsslPtr<PKCS8_PRIV_KEY_INFO> p8(
      d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size())));
  if (!p8 || p != der.data() + der.size()) {
    DrainOpenSslErrors("d2i_PKCS8");
    return InvalidArgument("not a PKCS#8 private key (DER PrivateKeyInfo)");
  }
  EVP_PKEY* k = EVP_PKCS82PKEY(p8.get());
  if (k == nullptr) {
    DrainOpenSslErrors("EVP_PKCS82PKEY");
    return InvalidArgument("the PKCS#8 private key cannot be read");
  }
  KeyPair out;
  out.key_ = Share(k);
  KEEP_ASSIGN_OR_RETURN(out.public_, PublicKeyRef::Of(k));
  if (out.kind() == Kind::kRsa) {
    OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, k, nullptr));
    if (!ctx || EVP_PKEY_pairwise_check(ctx.get()) != 1) {
      DrainOpenSslErrors("rsa check");
      return InvalidArgument("the RSA private key is inconsistent");
    }
  }
  return out;
}

Result<KeyPair> KeyPair::FromPemOrDer(ByteView data) {
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  if (text.find("-----BEGIN") == std::string_view::npos) return FromPkcs8(data);
  if (text.find("ENCRYPTED") != std::string_view::npos) {
    return InvalidArgument("the private key is encrypted: decrypt it first (openssl pkey)");
  }
  OsslPtr<BIO> bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  EVP_PKEY* k = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (k == nullptr) {
    DrainOpenSslErrors("PEM_read_bio_PrivateKey");
    return InvalidArgument("not a PEM private key");
  }
  KeyPair out;
  out.key_ = Share(k);
  KEEP_ASSIGN_OR_RETURN(out.public_, PublicKeyRef::Of(k));
  KEEP_ASSIGN_OR_RETURN(SecretBytes der, out.Pkcs8());
  return FromPkcs8(der.view());  // the same checks as stored versions get
}

Result<SecretBytes> KeyPair::Pkcs8() const {
  OsslPtr<PKCS8_PRIV_KEY_INFO> p8(EVP_PKEY2PKCS8(key_.get()));
  unsigned char* der = nullptr;
  const int n = p8 ? i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &der) : -1;
  if (n <= 0) {
    DrainOpenSslErrors("i2d_PKCS8");
    return Internal("cannot encode a private key");
  }
  SecretBytes out = SecretBytes::CopyOf(ByteView(der, static_cast<size_t>(n)));
  OPENSSL_clear_free(der, static_cast<size_t>(n));
  return out;
}

Result<SecretBytes> KeyPair::RawPrivate() const {
  if (kind() != Kind::kX25519) return InvalidArgument("not an X25519 key");
  SecretBytes out(32);
  size_t n = out.size();
  if (EVP_PKEY_get_raw_private_key(key_.get(), out.data(), &n) != 1 || n != 32) {
    DrainOpenSslErrors("raw private");
    return Internal("cannot read an X25519 private key");
  }
  return out;
}

bool SchemeFits(Kind kind, Scheme scheme) {
  switch (kind) {
    case Kind::kRsa:
      return scheme == Scheme::kRsaPss || scheme == Scheme::kRsaPkcs1;
    case Kind::kEcP256:
    case Kind::kEcP384:
      return scheme == Scheme::kEcdsa;
    case Kind::kEd25519:
      return scheme == Scheme::kEd25519;
    case Kind::kX25519:
      return false;
  }
  return false;
}

Result<Bytes> Sign(const KeyPair& key, Scheme scheme, Hash hash, ByteView input, bool prehashed) {
  if (!SchemeFits(key.kind(), scheme)) {
    return InvalidArgument("this signature scheme does not fit the key type");
  }
  if (scheme == Scheme::kEd25519 && prehashed) {
    return InvalidArgument("Ed25519 signs the message itself, not a digest");
  }
  if (prehashed && input.size() != HashSize(hash)) {
    return InvalidArgument("a " + std::string(HashName(hash)) + " digest has " +
                           std::to_string(HashSize(hash)) + " bytes");
  }
  Bytes sig;
  size_t n = 0;
  if (prehashed) {
    OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 || !Configure(ctx.get(), scheme, hash) ||
        EVP_PKEY_CTX_set_signature_md(ctx.get(), Md(hash)) != 1 ||
        EVP_PKEY_sign(ctx.get(), nullptr, &n, input.data(), input.size()) != 1) {
      DrainOpenSslErrors("sign init");
      return Internal("signing failed");
    }
    sig.resize(n);
    if (EVP_PKEY_sign(ctx.get(), sig.data(), &n, input.data(), input.size()) != 1) {
      DrainOpenSslErrors("sign");
      return Internal("signing failed");
    }
  } else {
    OsslPtr<EVP_MD_CTX> md(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;  // owned by md
    const EVP_MD* digest = scheme == Scheme::kEd25519 ? nullptr : Md(hash);
    if (!md || EVP_DigestSignInit(md.get(), &pctx, digest, nullptr, key.get()) != 1 ||
        !Configure(pctx, scheme, hash) ||
        EVP_DigestSign(md.get(), nullptr, &n, input.data(), input.size()) != 1) {
      DrainOpenSslErrors("sign init");
      return Internal("signing failed");
    }
    sig.resize(n);
    if (EVP_DigestSign(md.get(), sig.data(), &n, input.data(), input.size()) != 1) {
      DrainOpenSslErrors("sign");
      return Internal("signing failed");
    }
  }
  sig.resize(n);  // ECDSA signatures are shorter than the maximum
  return sig;
}

bool Verify(const PublicKeyRef& key, Scheme scheme, Hash hash, ByteView input, bool prehashed,
            ByteView signature) {
  if (!SchemeFits(key.kind(), scheme)) return false;
  if (scheme == Scheme::kEd25519 && prehashed) return false;
  if (prehashed && input.size() != HashSize(hash)) return false;
  int rc = 0;
  if (prehashed) {
    OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    rc = ctx && EVP_PKEY_verify_init(ctx.get()) == 1 && Configure(ctx.get(), scheme, hash) &&
                 EVP_PKEY_CTX_set_signature_md(ctx.get(), Md(hash)) == 1
             ? EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), input.data(),
                               input.size())
             : 0;
  } else {
    OsslPtr<EVP_MD_CTX> md(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    const EVP_MD* digest = scheme == Scheme::kEd25519 ? nullptr : Md(hash);
    rc = md && EVP_DigestVerifyInit(md.get(), &pctx, digest, nullptr, key.get()) == 1 &&
                 Configure(pctx, scheme, hash)
             ? EVP_DigestVerify(md.get(), signature.data(), signature.size(), input.data(),
                                input.size())
             : 0;
  }
  if (rc != 1) ERR_clear_error();  // a bad signature is an answer, not an error to log
  return rc == 1;
}

}  // namespace keep::crypto::asym
