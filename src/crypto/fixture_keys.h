// Test-only: the fixture key pairs of tests/vectors/keys (README there), for tests that
// need an RSA key but do not test key generation. Needs KEEP_SOURCE_DIR (test binaries
// define it). A missing or unreadable file fails the calling test.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "crypto/pubkey.h"

namespace keep::crypto::testing {

// The RSA-3072 fixture key (tests/vectors/keys/rsa-3072.pem).
inline PrivateKey FixtureRsa3072() {
  const std::string path = std::string(KEEP_SOURCE_DIR) + "/tests/vectors/keys/rsa-3072.pem";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  auto key = ParsePrivateKeyPem(ss.str());
  EXPECT_TRUE(key.ok()) << path << ": " << key.status();
  return key.ok() ? std::move(*key) : *GeneratePrivateKey(KeyType::kX25519);
}

}  // namespace keep::crypto::testing
