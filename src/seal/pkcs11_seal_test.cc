// Pkcs11Seal against a real SoftHSM2 token that the test creates in a temp directory
// with softhsm2-util (SOFTHSM2_CONF points there). No mocks.
#include "seal/pkcs11_seal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "crypto/random.h"

namespace keep::seal {
namespace {

namespace fs = std::filesystem;
constexpr const char* kModule = "/usr/lib/softhsm/libsofthsm2.so";

PinSource Pin(std::string_view p) {
  return [pin = std::string(p)]() -> Result<crypto::SecretBytes> {
    return crypto::SecretBytes::CopyOf(
        ByteView(reinterpret_cast<const uint8_t*>(pin.data()), pin.size()));
  };
}

class Pkcs11SealTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(kModule)) << "softhsm2 is not installed (make bootstrap installs it)";
    dir_ = fs::temp_directory_path() / ("keep-hsm-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "tokens");
    std::ofstream(dir_ / "softhsm2.conf") << "directories.tokendir = " << (dir_ / "tokens").string()
                                          << "\nobjectstore.backend = file\nlog.level = ERROR\n";
    ::setenv("SOFTHSM2_CONF", (dir_ / "softhsm2.conf").c_str(), 1);
    const std::string cmd =
        "softhsm2-util --init-token --free --label keep-test --pin 123456 --so-pin 654321 "
        ">/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Pkcs11Options Options(std::string_view pin = "123456", bool generate = true) {
    return Pkcs11Options{kModule, "keep-test", "keep-root", Pin(pin), generate};
  }

  fs::path dir_;
};

TEST_F(Pkcs11SealTest, WrapsWithAGeneratedKeyAndUnwrapsAfterRestart) {
  auto root = crypto::RandomSecret(32);
  Bytes blob;
  {
    Pkcs11Seal seal(Options());
    auto w = seal.Wrap(*root);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    blob = *w;
    EXPECT_EQ(blob.size(), 61u);
    auto again = seal.Wrap(*root);
    ASSERT_TRUE(again.ok()) << "the second wrap finds the key made by the first";
    EXPECT_NE(*again, blob) << "a fresh IV each time";
  }
  // A new process-like start: the module is finalized and loaded again.
  Pkcs11Seal restarted(Options("123456", false));
  auto r = restarted.Unwrap(blob);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(*r == *root);
  EXPECT_TRUE(r->is_locked() || crypto::GetSecureHeapState() == crypto::SecureHeapState::kNone);
  // A damaged blob is refused by the token's GCM check.
  Bytes bad = blob;
  bad[20] ^= 1;
  auto d = restarted.Unwrap(bad);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().reason(), "sealed");
  EXPECT_NE(d.status().message().find("does not open the wrapped root key"), std::string::npos);
  EXPECT_EQ(restarted.Unwrap(Bytes(10, 1)).status().reason(), "sealed");
}

TEST_F(Pkcs11SealTest, WrongPinMissingKeyTokenOrModuleSayWhy) {
  auto root = crypto::RandomSecret(32);
  Pkcs11Seal good(Options());
  auto blob = good.Wrap(*root);
  ASSERT_TRUE(blob.ok());

  Pkcs11Seal wrong_pin(Options("987654"));
  auto r = wrong_pin.Unwrap(*blob);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "hsm_pin_rejected");
  EXPECT_NE(r.status().message().find("CKR_PIN_INCORRECT"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(r.status().message().find("987654"), std::string::npos) << "the PIN is never echoed";

  auto o = Options("123456", false);
  o.key_label = "no-such-key";
  Pkcs11Seal missing_key(std::move(o));
  r = missing_key.Unwrap(*blob);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no AES key labelled \"no-such-key\""), std::string::npos);
  auto o2 = Options("123456", false);
  o2.key_label = "no-such-key";
  Pkcs11Seal no_generate(std::move(o2));
  auto w = no_generate.Wrap(*root);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("generate_key"), std::string::npos);

  auto o3 = Options();
  o3.token_label = "other-token";
  Pkcs11Seal no_token(std::move(o3));
  r = no_token.Unwrap(*blob);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no token labelled \"other-token\""), std::string::npos);

  auto o4 = Options();
  o4.module = (dir_ / "missing.so").string();
  Pkcs11Seal no_module(std::move(o4));
  r = no_module.Unwrap(*blob);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cannot load the PKCS#11 module"), std::string::npos);
  auto o5 = Options();
  o5.module = "/usr/lib/x86_64-linux-gnu/libc.so.6";
  Pkcs11Seal not_pkcs11(std::move(o5));
  EXPECT_NE(not_pkcs11.Unwrap(*blob).status().message().find("is not a PKCS#11 module"),
            std::string::npos);
  // The good seal still works after all that.
  EXPECT_TRUE(good.Unwrap(*blob).ok());
}

}  // namespace
}  // namespace keep::seal
