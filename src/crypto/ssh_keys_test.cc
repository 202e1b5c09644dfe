// OpenSSH keys: keys ssh-keygen (Debian's openssh-client) makes parse, their X25519 forms
// agree with the seed's, and malformed, foreign or passphrase-protected keys are refused
// with a message naming what is wrong.
#include "crypto/ssh_keys.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/encoding.h"
#include "crypto/random.h"

namespace keep::crypto::ssh {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class SshKeys : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("keep-ssh-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  // ssh-keygen -t `type` into dir_/name; false if it failed.
  bool Keygen(const std::string& name, const std::string& args) {
    const std::string cmd = "ssh-keygen -q -N '' -C test@keep " + args + " -f " +
                            (dir_ / name).string() + " </dev/null >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
  }
  fs::path dir_;
};

TEST_F(SshKeys, Ed25519KeysFromSshKeygenParseAndTheirX25519FormsAgree) {
  ASSERT_TRUE(Keygen("ed", "-t ed25519")) << "ssh-keygen (openssh-client) is needed";
  auto pub = ParseSshPublicKey(Slurp(dir_ / "ed.pub"));
  ASSERT_TRUE(pub.ok()) << pub.status();
  EXPECT_EQ(pub->type, SshKeyType::kEd25519);
  auto priv = ParseSshPrivateKey(Slurp(dir_ / "ed"));
  ASSERT_TRUE(priv.ok()) << priv.status();
  EXPECT_EQ(priv->public_key.wire, pub->wire);
  EXPECT_EQ(priv->ed25519_seed.size(), 32u);
  // X25519(scalar from the seed, 9) is the Montgomery form of the Edwards public key.
  auto scalar = Ed25519SeedToX25519(priv->ed25519_seed.view());
  ASSERT_TRUE(scalar.ok());
  const uint8_t base[32] = {9};
  auto x_pub = X25519(scalar->view(), base);
  ASSERT_TRUE(x_pub.ok());
  auto converted = Ed25519PublicToX25519(pub->ed25519);
  ASSERT_TRUE(converted.ok()) << converted.status();
  EXPECT_TRUE(x_pub->Equals(*converted));
}

TEST_F(SshKeys, Ed25519ToX25519KnownAnswerAndInvalidPoints) {
  // RFC 8032 §7.1 test 1's public key; u = (1 + y) / (1 - y) mod 2^255 - 19.
  auto u = Ed25519PublicToX25519(
      *HexDecode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"));
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(HexEncode(*u), "d85e07ec22b0ad881537c2f44d662d1a143cf830c57aca4305d85c7a90f6b62e");
  uint8_t y[32] = {};
  y[0] = 2;  // (y² - 1) / (d y² + 1) is not a square: no such point
  EXPECT_NE(Ed25519PublicToX25519(y).status().message().find("not a point"), std::string::npos);
  y[0] = 1;  // the identity point has no Montgomery u
  EXPECT_NE(Ed25519PublicToX25519(y).status().message().find("identity"), std::string::npos);
  uint8_t big[32];
  std::fill(std::begin(big), std::end(big), 0xff);
  big[31] = 0x7f;  // y ≥ p
  EXPECT_NE(Ed25519PublicToX25519(big).status().message().find("canonical"), std::string::npos);
  EXPECT_FALSE(Ed25519PublicToX25519(ByteView(big, 31)).ok());
}

TEST_F(SshKeys, RsaKeysInOpensshAndPemFormParse) {
  ASSERT_TRUE(Keygen("rsa", "-t rsa -b 2048"));
  ASSERT_TRUE(Keygen("rsa-pem", "-t rsa -b 2048 -m PEM"));
  auto pub = ParseSshPublicKey(Slurp(dir_ / "rsa.pub"));
  ASSERT_TRUE(pub.ok()) << pub.status();
  ASSERT_EQ(pub->type, SshKeyType::kRsa);
  EXPECT_EQ(pub->rsa->bits(), 2048);
  auto priv = ParseSshPrivateKey(Slurp(dir_ / "rsa"));
  ASSERT_TRUE(priv.ok()) << priv.status();
  ASSERT_TRUE(priv->rsa.has_value());
  EXPECT_EQ(priv->public_key.wire, pub->wire);
  // The key works: what its public key encrypts, it decrypts.
  const uint8_t msg[16] = {1, 2, 3};
  const uint8_t label[3] = {'a', 'b', 'c'};
  auto ct = RsaOaepSha256Encrypt(*pub->rsa, msg, label);
  ASSERT_TRUE(ct.ok());
  auto pt = RsaOaepSha256Decrypt(*priv->rsa, *ct, label);
  ASSERT_TRUE(pt.ok()) << pt.status();
  EXPECT_TRUE(pt->Equals(msg));
  // -m PEM: the traditional "RSA PRIVATE KEY"; its wire form matches its .pub.
  auto pem = ParseSshPrivateKey(Slurp(dir_ / "rsa-pem"));
  ASSERT_TRUE(pem.ok()) << pem.status();
  EXPECT_EQ(pem->public_key.wire, ParseSshPublicKey(Slurp(dir_ / "rsa-pem.pub"))->wire);
}

TEST_F(SshKeys, ForeignDamagedAndProtectedKeysAreRefusedByName) {
  ASSERT_TRUE(Keygen("ed", "-t ed25519"));
  ASSERT_TRUE(Keygen("locked", "-t ed25519 -N secret-passphrase"));
  ASSERT_TRUE(Keygen("ec", "-t ecdsa"));
  ASSERT_TRUE(Keygen("small", "-t rsa -b 1024"));
  auto msg = [](const auto& r) { return r.ok() ? std::string("ok") : r.status().message(); };
  EXPECT_NE(msg(ParseSshPrivateKey(Slurp(dir_ / "locked"))).find("passphrase"), std::string::npos);
  EXPECT_NE(msg(ParseSshPublicKey(Slurp(dir_ / "ec.pub"))).find("ecdsa-sha2-nistp256"),
            std::string::npos);
  EXPECT_NE(msg(ParseSshPrivateKey(Slurp(dir_ / "ec"))).find("not supported"), std::string::npos);
  EXPECT_NE(msg(ParseSshPublicKey(Slurp(dir_ / "small.pub"))).find("2048"), std::string::npos);

  const std::string pub = Slurp(dir_ / "ed.pub");
  EXPECT_FALSE(ParseSshPublicKey("ssh-ed25519").ok());
  EXPECT_FALSE(ParseSshPublicKey("ssh-ed25519 AAAA!").ok());
  EXPECT_NE(msg(ParseSshPublicKey("ssh-rsa" + pub.substr(11))).find("does not match"),
            std::string::npos);
  // The blob one byte short, one byte long.
  const std::string b64 = pub.substr(12, pub.find(' ', 12) - 12);
  Bytes wire = *Base64Decode(b64);
  Bytes shorter(wire.begin(), wire.end() - 1), longer = wire;
  longer.push_back(0);
  EXPECT_FALSE(ParseSshPublicKey("ssh-ed25519 " + Base64Encode(shorter)).ok());
  EXPECT_FALSE(ParseSshPublicKey("ssh-ed25519 " + Base64Encode(longer)).ok());

  // Every byte of the private key's decoded body changed in turn: refused or (comment and
  // padding bytes aside) never a different key; never a crash.
  const std::string text = Slurp(dir_ / "ed");
  const size_t b = text.find('\n') + 1, e = text.find("-----END");
  std::string body;
  for (char c : text.substr(b, e - b)) {
    if (c != '\n') body += c;
  }
  const Bytes raw = *Base64Decode(body);
  auto good = ParseSshPrivateKey(text);
  ASSERT_TRUE(good.ok());
  for (size_t i = 0; i < raw.size(); ++i) {
    Bytes bad = raw;
    bad[i] ^= 0x01;
    auto r = ParseSshPrivateKey("-----BEGIN OPENSSH PRIVATE KEY-----\n" + Base64Encode(bad) +
                                "\n-----END OPENSSH PRIVATE KEY-----\n");
    if (r.ok()) {
      EXPECT_TRUE(r->ed25519_seed.Equals(good->ed25519_seed.view())) << "byte " << i;
    }
  }
  EXPECT_FALSE(ParseSshPrivateKey(text.substr(0, e)).ok()) << "no END line";
  EXPECT_FALSE(ParseSshPrivateKey(text + "trailing").ok());
  EXPECT_FALSE(ParseSshPrivateKey("-----BEGIN OPENSSH PRIVATE KEY-----\n-----END OPENSSH "
                                  "PRIVATE KEY-----\n")
                   .ok());
}

}  // namespace
}  // namespace keep::crypto::ssh
