#include "crypto/pubkey.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "common/encoding.h"
#include "crypto/wycheproof_util.h"

namespace keep::crypto {
namespace {

using testing::HexField;

boost::json::value LoadVectors(const std::string& name) {
  return testing::LoadWycheproof(name);
}

Bytes Hex(const boost::json::value& v) {
  return HexField(v);
}

std::string Text(const SecretBytes& s) {
  return std::string(reinterpret_cast<const char*>(s.data()), s.size());
}

TEST(Wycheproof, X25519) {
  auto doc = LoadVectors("x25519_test.json");
  ASSERT_TRUE(doc.is_object());
  int agreed = 0, refused_zero = 0;
  for (const auto& g : doc.at("testGroups").as_array()) {
    for (const auto& tv : g.at("tests").as_array()) {
      const auto& t = tv.as_object();
      bool zero_shared = false;
      for (const auto& f : t.at("flags").as_array())
        zero_shared |= f.as_string() == "ZeroSharedSecret";
      auto shared = X25519(Hex(t.at("private")), Hex(t.at("public")));
      if (zero_shared) {
        // "acceptable" to compute, but keep refuses an all-zero shared secret: it means
        // a low-order public key, which would make the wrapping key predictable.
        EXPECT_FALSE(shared.ok()) << "tcId " << t.at("tcId").as_int64();
        ++refused_zero;
        continue;
      }
      ASSERT_TRUE(shared.ok()) << "tcId " << t.at("tcId").as_int64();
      EXPECT_EQ(HexEncode(shared->view()), std::string_view(t.at("shared").as_string()))
          << "tcId " << t.at("tcId").as_int64();
      ++agreed;
    }
  }
  EXPECT_GT(agreed, 450);
  EXPECT_EQ(refused_zero, 31);
}

void RunOaep(const std::string& file, int* valid, int* invalid) {
  auto doc = LoadVectors(file);
  ASSERT_TRUE(doc.is_object());
  for (const auto& g : doc.at("testGroups").as_array()) {
    // The vectors' "privateKeyPem" holds PKCS#1 under a PKCS#8 label; build the PEM
    // from the PKCS#8 DER instead.
    const std::string b64 = Base64Encode(Hex(g.at("privateKeyPkcs8")));
    std::string pem = "-----BEGIN PRIVATE KEY-----\n";
    for (size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
    pem += "-----END PRIVATE KEY-----\n";
    auto key = ParsePrivateKeyPem(pem);
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    for (const auto& tv : g.at("tests").as_array()) {
      const auto& t = tv.as_object();
      auto plain = RsaOaepSha256Decrypt(*key, Hex(t.at("ct")), Hex(t.at("label")));
      if (t.at("result").as_string() == "invalid") {
        EXPECT_FALSE(plain.ok()) << file << " tcId " << t.at("tcId").as_int64();
        ++*invalid;
      } else {
        ASSERT_TRUE(plain.ok()) << file << " tcId " << t.at("tcId").as_int64();
        EXPECT_EQ(HexEncode(plain->view()), std::string_view(t.at("msg").as_string()));
        ++*valid;
      }
    }
  }
}

TEST(Wycheproof, RsaOaepSha256) {
  int valid = 0, invalid = 0;
  RunOaep("rsa_oaep_2048_sha256_mgf1sha256_test.json", &valid, &invalid);
  RunOaep("rsa_oaep_3072_sha256_mgf1sha256_test.json", &valid, &invalid);
  EXPECT_GE(valid, 30);
  EXPECT_GE(invalid, 30);
}

TEST(PubKey, SealAndOpenRoundTripForBothTypesThroughPem) {
  for (KeyType type : {KeyType::kX25519, KeyType::kRsa}) {
    auto priv = GeneratePrivateKey(type, 3072);
    ASSERT_TRUE(priv.ok());
    const std::string pub_pem = PublicKeyPem(priv->public_key());
    auto pub = ParsePublicKeyPem(pub_pem);
    ASSERT_TRUE(pub.ok()) << pub.status().ToString();
    EXPECT_EQ(pub->fingerprint(), priv->public_key().fingerprint());
    EXPECT_EQ(pub->Describe(), type == KeyType::kX25519 ? "x25519" : "rsa-3072");
    const Bytes msg = {1, 2, 3, 4, 5, 6, 7, 8};
    auto sealed = SealTo(*pub, msg, "keep test v1");
    ASSERT_TRUE(sealed.ok());
    auto again = SealTo(*pub, msg, "keep test v1");
    EXPECT_NE(*sealed, *again) << "sealing is randomized";
    // Through PEM, with and without a passphrase.
    const Bytes pass = {'h', 'u', 'n', 't', 'e', 'r', '2'};
    auto pem = PrivateKeyPem(*priv, pass);
    ASSERT_TRUE(pem.ok());
    EXPECT_NE(Text(*pem).find("ENCRYPTED PRIVATE KEY"), std::string::npos);
    {  // PBES2 with scrypt (OID 1.3.6.1.4.1.11591.4.11), not 2,048 rounds of PBKDF2.
      OsslPtr<BIO> bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
      X509_SIG* p8 = PEM_read_bio_PKCS8(bio.get(), nullptr, nullptr, nullptr);
      ASSERT_NE(p8, nullptr);
      const X509_ALGOR* alg = nullptr;
      X509_SIG_get0(p8, &alg, nullptr);
      const void* param = nullptr;
      int ptype = 0;
      X509_ALGOR_get0(nullptr, &ptype, &param, alg);
      ASSERT_EQ(ptype, V_ASN1_SEQUENCE);
      const auto* seq = static_cast<const ASN1_STRING*>(param);
      const std::string der(reinterpret_cast<const char*>(ASN1_STRING_get0_data(seq)),
                            static_cast<size_t>(ASN1_STRING_length(seq)));
      const std::string scrypt_oid = "\x06\x09\x2b\x06\x01\x04\x01\xda\x47\x04\x0b";
      EXPECT_NE(der.find(scrypt_oid), std::string::npos);
      X509_SIG_free(p8);
    }
    EXPECT_EQ(ParsePrivateKeyPem(Text(*pem)).status().message(),
              "the private key is encrypted: give its passphrase");
    const Bytes wrong = {'n', 'o'};
    EXPECT_EQ(ParsePrivateKeyPem(Text(*pem), wrong).status().message(),
              "wrong passphrase or corrupt private key");
    auto loaded = ParsePrivateKeyPem(Text(*pem), pass);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    auto opened = OpenWith(*loaded, *sealed, "keep test v1");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    EXPECT_TRUE(opened->Equals(msg));
    // Another label, another key, or a flipped byte: refused.
    EXPECT_FALSE(OpenWith(*loaded, *sealed, "keep other v1").ok());
    auto other = GeneratePrivateKey(type, 3072);
    EXPECT_FALSE(OpenWith(*other, *sealed, "keep test v1").ok());
    for (size_t i : {size_t{1}, sealed->size() / 2, sealed->size() - 1}) {
      Bytes bad = *sealed;
      bad[i] ^= 0x40;
      EXPECT_FALSE(OpenWith(*loaded, bad, "keep test v1").ok()) << i;
    }
    // Truncations never crash.
    for (size_t n = 0; n < sealed->size(); n += 7) {
      EXPECT_FALSE(OpenWith(*loaded, ByteView(sealed->data(), n), "keep test v1").ok());
    }
  }
}

TEST(PubKey, TypeMismatchAndBadPemAreClearErrors) {
  auto x = GeneratePrivateKey(KeyType::kX25519);
  auto r = GeneratePrivateKey(KeyType::kRsa, 3072);
  auto to_x = SealTo(x->public_key(), Bytes{1}, "l");
  auto to_r = SealTo(r->public_key(), Bytes{1}, "l");
  EXPECT_EQ(OpenWith(*r, *to_x, "l").status().message(),
            "this was encrypted to an X25519 key, not this RSA key");
  EXPECT_EQ(OpenWith(*x, *to_r, "l").status().message(),
            "this was encrypted to an RSA key, not this X25519 key");
  EXPECT_EQ(ParsePublicKeyPem("hello").status().message(),
            "not a PEM public key (expected -----BEGIN PUBLIC KEY-----)");
  auto pem = PrivateKeyPem(*x);
  EXPECT_EQ(ParsePublicKeyPem(Text(*pem)).status().message(),
            "this is a private key: give the custodian's public key");
  std::string mangled = PublicKeyPem(x->public_key());
  mangled[40] = mangled[40] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(ParsePublicKeyPem(mangled).ok());
  EXPECT_EQ(ParsePublicKeyPem("-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----\n")
                .status()
                .message(),
            "the PEM public key is malformed");
  // Small RSA and other key types are refused.
  auto small = GeneratePrivateKey(KeyType::kRsa, 1024);
  EXPECT_FALSE(small.ok());
  EXPECT_NE(small.status().message().find("at least 2048 bits"), std::string::npos);
  OsslPtr<EVP_PKEY> ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  std::shared_ptr<EVP_PKEY> ec_shared(ec.release(), EVP_PKEY_free);
  auto ec_pub = PublicFromKey(ec_shared);
  EXPECT_FALSE(ec_pub.ok());
  EXPECT_NE(ec_pub.status().message().find("unsupported key type EC"), std::string::npos);
}

}  // namespace
}  // namespace keep::crypto
