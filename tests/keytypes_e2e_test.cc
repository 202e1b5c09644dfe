// Keys beyond AES against a real keepd, through the CLI and with the tools users verify
// with: public-key ciphertexts made with no server (keep encrypt --public-key, and an
// independent Python sender written from docs/formats.md §11) open through keepd's
// ordinary decrypt with the same context; signatures verify with openssl and
// python3-cryptography from the exported public key; MACs; invalid_key_usage; the trail
// never holds a message.
#include <gtest/gtest.h>

#include <filesystem>

#include "harness.h"

namespace keep::testing {
namespace {

namespace fs = std::filesystem;

class KeyTypesE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/keep-keytypes-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    server_ = std::make_unique<Keepd>();
    server_->Start();
    env_ = CliEnv(*server_);
    py_ = "/usr/bin/python3 " + fs::current_path().string() + "/tests/interop/pubkey_v2.py";
  }
  void TearDown() override { fs::remove_all(dir_); }
  // A shell command with the CLI pointed at keepd (`server` false: no KEEP_ADDR, no
  // token — nothing to reach a server with).
  CliResult Sh(const std::string& script, int want = 0, bool server = true) {
    CliResult r = Shell(dir_, script, server ? env_ : std::vector<std::string>{});
    EXPECT_EQ(r.exit_code, want) << script << "\n" << r.out << r.err;
    return r;
  }
  std::string dir_, py_;
  std::unique_ptr<Keepd> server_;
  std::vector<std::string> env_;
};

TEST_F(KeyTypesE2e, PublicKeyCiphertextsMadeWithoutKeepDecryptThroughKeepd) {
  Sh("$KEEP key create intake --type x25519 >/dev/null && "
     "$KEEP key create intake-rsa --type rsa-2048 --purpose encrypt >/dev/null && "
     "$KEEP key public intake > intake.pub && $KEEP key public intake-rsa --out rsa.pub && "
     "printf 'card 4111 1111 1111 1111' > p");
  EXPECT_NE(Slurp(dir_ + "/intake.pub").find("keep-key-purpose: encrypt"), std::string::npos);
  for (const std::string pub : {"intake.pub", "rsa.pub"}) {
    SCOPED_TRACE(pub);
    // keep with no server, then Python from the format description alone.
    Sh("$KEEP encrypt --public-key " + pub + " --context form=signup --in p --out c1", 0, false);
    Sh(py_ + " seal " + pub + " p form=signup > c2");
    for (const std::string c : {"c1", "c2"}) {
      EXPECT_EQ(Sh("$KEEP decrypt --context form=signup --in " + c).out,
                "card 4111 1111 1111 1111");
      // Another context, or none: invalid_ciphertext.
      auto wrong = Sh("$KEEP decrypt --context form=other --in " + c, 1);
      EXPECT_NE(wrong.err.find("invalid_ciphertext"), std::string::npos) << wrong.err;
      Sh("$KEEP decrypt --in " + c, 1);
    }
  }
  // Through keepd too: encrypt with an x25519 key gives the same format.
  Sh("$KEEP encrypt --key intake --in p --out c3");
  EXPECT_EQ(Sh("$KEEP decrypt --key intake --in c3").out, "card 4111 1111 1111 1111");
  // A long message is fine for HPKE, refused for RSA-OAEP with the limit named.
  Sh("head -c 100000 /dev/urandom > big && $KEEP encrypt --public-key intake.pub --in big "
     "--out cbig && $KEEP decrypt --in cbig --out big.out && cmp big big.out");
  auto rsa_big = Sh("$KEEP encrypt --public-key rsa.pub --in big", 1, false);
  EXPECT_NE(rsa_big.err.find("at most 190 bytes"), std::string::npos) << rsa_big.err;
  // Rotation: the old public key file still works until its version is retired.
  Sh("$KEEP key rotate intake >/dev/null && $KEEP key public intake > intake2.pub && "
     "$KEEP encrypt --public-key intake2.pub --in p --out c4");
  EXPECT_NE(Slurp(dir_ + "/intake2.pub").find("keep-key-version: 2"), std::string::npos);
  Sh("$KEEP encrypt --public-key intake.pub --in p --out old && $KEEP decrypt --in c4 >/dev/null "
     "&& $KEEP decrypt --in old >/dev/null");
  Sh("$KEEP key set intake --min-decryption-version 2 >/dev/null");
  auto retired = Sh("$KEEP decrypt --in old", 1);
  EXPECT_NE(retired.err.find("version_retired"), std::string::npos) << retired.err;
  // A public key file from a signing key, or a plain PEM, cannot encrypt.
  Sh("$KEEP key create signer --type ed25519 >/dev/null && $KEEP key public signer > s.pub");
  auto signing = Sh("$KEEP encrypt --public-key s.pub --in p", 1, false);
  EXPECT_NE(signing.err.find("cannot encrypt"), std::string::npos) << signing.err;
  Sh("sed -n '/BEGIN/,$p' intake.pub > plain.pem");
  auto plain = Sh("$KEEP encrypt --public-key plain.pem --in p", 1, false);
  EXPECT_NE(plain.err.find("keep-key-id"), std::string::npos) << plain.err;
}

TEST_F(KeyTypesE2e, SignaturesVerifyWithOpensslAndPython) {
  struct K {
    std::string name, create, algorithm, openssl_verify;
  };
  const std::string dgst = "openssl dgst -verify k.pub -signature sig.bin ";
  const K keys[] = {
      {"ed", "--type ed25519", "",
       "openssl pkeyutl -verify -pubin -inkey k.pub -rawin -in msg -sigfile sig.bin"},
      {"p256", "--type ecdsa-p256", "", dgst + "-sha256 msg"},
      {"p384", "--type ecdsa-p384", "", dgst + "-sha384 msg"},
      {"rsa-pss", "--type rsa-3072 --purpose sign", "",
       dgst + "-sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1 msg"},
      {"rsa-pss512", "--type rsa-2048 --purpose sign", "rsa-pss-sha512",
       dgst + "-sha512 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1 msg"},
      {"rsa-pkcs1", "--type rsa-2048 --purpose sign", "rsa-pkcs1-sha256", dgst + "-sha256 msg"},
  };
  Sh("printf 'release-1.2.3.tar.gz sha256 ok' > msg && printf 'tampered' > bad");
  for (const K& k : keys) {
    SCOPED_TRACE(k.name);
    const std::string alg = k.algorithm.empty() ? "" : " --algorithm " + k.algorithm;
    Sh("$KEEP key create " + k.name + " " + k.create + " >/dev/null && $KEEP key public " + k.name +
       " > k.pub");
    Sh("$KEEP sign --key " + k.name + alg + " --in msg --raw-out sig.bin > sig.txt");
    const std::string sig = Trimmed(Slurp(dir_ + "/sig.txt"));
    EXPECT_EQ(sig.rfind("keep:v1:", 0), 0u) << sig;
    Sh(k.openssl_verify);
    // The DER form is the same key (any version; here the latest).
    Sh("$KEEP key public " + k.name +
       " --der --out k.der && openssl pkey -pubin -inform DER "
       "-in k.der -outform PEM | cmp - <(sed -n '/BEGIN/,$p' k.pub)");
    Sh(py_ + " verify k.pub msg " + sig + " " + k.algorithm);
    Sh(py_ + " verify k.pub bad " + sig + " " + k.algorithm, 1);
    Sh("$KEEP verify --key " + k.name + alg + " --in msg --signature-file sig.txt");
    auto bad = Sh("$KEEP verify --key " + k.name + alg + " --in bad --signature " + sig, 1);
    EXPECT_NE(bad.err.find("invalid_signature"), std::string::npos) << bad.err;
    if (k.name != "ed") {  // a digest computed by the caller signs the same message
      const std::string h = k.name == "p384"         ? "sha384"
                            : k.name == "rsa-pss512" ? "sha512"
                                                     : "sha256";
      Sh("openssl dgst -" + h + " -binary msg > d && $KEEP sign --key " + k.name + alg +
         " --digest --in d --raw-out sig.bin >/dev/null && " + k.openssl_verify);
    }
  }
  // Rotation: signatures name their version; the old one still verifies.
  Sh("$KEEP sign --key p256 --in msg > v1.txt && $KEEP key rotate p256 >/dev/null && "
     "$KEEP sign --key p256 --in msg > v2.txt");
  EXPECT_EQ(Slurp(dir_ + "/v2.txt").rfind("keep:v2:", 0), 0u);
  Sh("$KEEP verify --key p256 --in msg --signature-file v1.txt >/dev/null");
  // A key used for what it cannot do: invalid_key_usage; an algorithm that does not fit.
  Sh("$KEEP key create aes >/dev/null");
  auto usage = Sh("$KEEP sign --key aes --in msg", 1);
  EXPECT_NE(usage.err.find("invalid_key_usage"), std::string::npos) << usage.err;
  auto unfit = Sh("$KEEP sign --key p256 --algorithm rsa-pss-sha256 --in msg", 1);
  EXPECT_NE(unfit.err.find("invalid_key_usage"), std::string::npos) << unfit.err;
  auto enc = Sh("$KEEP encrypt --key ed --in msg", 1);
  EXPECT_NE(enc.err.find("invalid_key_usage"), std::string::npos) << enc.err;
  auto ed_digest = Sh("$KEEP sign --key ed --digest --in msg", 1);
  EXPECT_NE(ed_digest.err.find("digest"), std::string::npos) << ed_digest.err;
  // The trail records key, version and operation — never the message.
  const std::string trail = Slurp(server_->audit_path());
  EXPECT_NE(trail.find("\"sign\""), std::string::npos);
  EXPECT_EQ(trail.find("cmVsZWFzZS0x"), std::string::npos);  // base64 of the message's start
  EXPECT_EQ(trail.find("release-1.2.3"), std::string::npos);
}

TEST_F(KeyTypesE2e, HmacKeys) {
  Sh("$KEEP key create mac --type hmac-sha512 >/dev/null && printf 'user=42' > m && "
     "printf 'user=43' > m2");
  Sh("$KEEP hmac --key mac --in m --raw-out mac.bin > mac.txt");
  EXPECT_EQ(fs::file_size(dir_ + "/mac.bin"), 64u);
  Sh("$KEEP hmac --key mac --verify --in m --signature-file mac.txt");
  auto bad = Sh("$KEEP hmac --key mac --verify --in m2 --signature-file mac.txt", 1);
  EXPECT_NE(bad.err.find("invalid_signature"), std::string::npos);
  // The same message and version give the same MAC (it is deterministic), a new version
  // another one, and the old MAC still verifies until its version is retired.
  Sh("$KEEP hmac --key mac --in m > again.txt && cmp mac.txt again.txt");
  Sh("$KEEP key rotate mac >/dev/null && $KEEP hmac --key mac --in m > v2.txt");
  EXPECT_NE(Slurp(dir_ + "/v2.txt"), Slurp(dir_ + "/mac.txt"));
  Sh("$KEEP hmac --key mac --verify --in m --signature-file mac.txt >/dev/null");
  Sh("$KEEP key set mac --min-decryption-version 2 >/dev/null");
  auto retired = Sh("$KEEP hmac --key mac --verify --in m --signature-file mac.txt", 1);
  EXPECT_NE(retired.err.find("version_retired"), std::string::npos);
  auto pub = Sh("$KEEP key public mac", 1);
  EXPECT_NE(pub.err.find("invalid_key_usage"), std::string::npos);
}

}  // namespace
}  // namespace keep::testing

namespace keep::testing {
namespace {

// Bring your own key, the way docs/operations.md shows it: the import parameters over
// REST, the material wrapped with openssl alone (RSA-OAEP for an HMAC key; RSA-OAEP of an
// AES key + AES-KWP for an ECDSA private key), and with `keep key import`. The imported
// version is the material: the MAC matches openssl's with the same key, and signatures
// verify with the public key openssl derives from the private key it made.
TEST_F(KeyTypesE2e, ImportedMaterialIsTheKeyUsed) {
  const std::string api =
      "api() { curl -sS --cacert \"$KEEP_CACERT\" -H \"Authorization: Bearer $KEEP_TOKEN\" "
      "\"$@\"; }; ";
  const std::string params =
      "api \"$KEEP_ADDR/v1/keys/$K/import-params\" > params.json && "
      "/usr/bin/python3 -c 'import json; p = json.load(open(\"params.json\")); "
      "open(\"wrap.pem\", \"w\").write(p[\"wrapping_public_key_pem\"]); "
      "print(p[\"import_token\"])' > token && ";
  const std::string oaep =
      "openssl pkeyutl -encrypt -pubin -inkey wrap.pem -pkeyopt rsa_padding_mode:oaep "
      "-pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256 ";
  const std::string post =
      "printf '{\"import_token\":\"%s\",\"wrapped_material\":\"%s\"}' \"$(cat token)\" "
      "\"$(base64 -w0 wrapped)\" > body.json && "
      "api -X POST --data-binary @body.json \"$KEEP_ADDR/v1/keys/$K/import\" > answer.json && ";
  // An HMAC key: RSA-OAEP alone.
  Sh("$KEEP key create mac --type hmac-sha256 >/dev/null && openssl rand -out hmac.key 32 && "
     "K=mac && " +
     api + params + oaep + "-in hmac.key -out wrapped && " + post +
     "grep -q '\"origin\":\"external\"' answer.json");
  Sh("printf 'payload' > m && $KEEP hmac --key mac --in m --raw-out mine.bin >/dev/null && "
     "openssl dgst -sha256 -mac HMAC -macopt hexkey:$(xxd -p -c 64 hmac.key) -binary m > "
     "theirs.bin && cmp mine.bin theirs.bin");
  // An ECDSA private key: RSA-OAEP of an AES key, then AES key wrap with padding.
  Sh("$KEEP key create signer --type ecdsa-p256 >/dev/null && "
     "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem && "
     "openssl pkcs8 -topk8 -nocrypt -in ec.pem -outform DER -out ec.der && "
     "openssl pkey -in ec.pem -pubout -out ec.pub && K=signer && " +
     api + params + "openssl rand -out aes.key 32 && " + oaep +
     "-in aes.key -out w1 && openssl enc -id-aes256-wrap-pad -K $(xxd -p -c 64 aes.key) "
     "-iv A65959A6 -in ec.der -out w2 && cat w1 w2 > wrapped && " +
     post + "true");
  Sh("printf 'document' > doc && $KEEP sign --key signer --in doc --raw-out sig.bin > sig.txt "
     "&& openssl dgst -sha256 -verify ec.pub -signature sig.bin doc");
  EXPECT_EQ(Slurp(dir_ + "/sig.txt").rfind("keep:v2:", 0), 0u);
  // The token was used: a second import with it is refused.
  auto again = Sh(api +
                  "K=signer; api -X POST --data-binary @body.json "
                  "\"$KEEP_ADDR/v1/keys/signer/import\"");
  EXPECT_NE(again.out.find("import token is unknown, used"), std::string::npos) << again.out;
  // keep key import: a PEM private key (wrapped client-side with RSA-OAEP + AES-KWP).
  Sh("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec2.pem && "
     "openssl pkey -in ec2.pem -pubout -out ec2.pub && "
     "$KEEP key import signer --material ec2.pem && "
     "$KEEP sign --key signer --in doc --raw-out sig2.bin >/dev/null && "
     "openssl dgst -sha256 -verify ec2.pub -signature sig2.bin doc");
  EXPECT_NE(Sh("$KEEP key show signer --format json").out.find("\"origin\":\"external\""),
            std::string::npos);
  // Material of another type is refused, naming what was expected; nothing changes.
  Sh("openssl genpkey -algorithm ED25519 -out ed.pem");
  auto wrong = Sh("$KEEP key import signer --material ed.pem", 1);
  EXPECT_NE(wrong.err.find("not a ecdsa-p256 key"), std::string::npos) << wrong.err;
  auto bad_aes =
      Sh("head -c 31 /dev/urandom > short && $KEEP key create a >/dev/null && "
         "$KEEP key import a --material short",
         1);
  EXPECT_NE(bad_aes.err.find("32 bytes"), std::string::npos) << bad_aes.err;
  EXPECT_NE(Sh("$KEEP key show signer").out.find("latest version:         3"), std::string::npos);
}

}  // namespace
}  // namespace keep::testing
