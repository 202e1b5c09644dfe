#include "config.h"

#include <gtest/gtest.h>

namespace keep::keepd {
namespace {

TEST(Config, ParsesEverySectionAndResolvesPaths) {
  auto c = ParseConfig(R"(
[server]
address = "0.0.0.0"
port = 9443
threads = 4
max_body_bytes = 2048
request_timeout = "5s"
[tls]
dev_dir = "tls"
[storage]
path = "data/keep.db"
[seal]
type = "dev-file"
dev_key_file = "/abs/root.key"
dev_auto_init = true
[keys]
maintenance_interval = "2m"
[log]
level = "warn"
)",
                       "/etc/keep");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server.address, "0.0.0.0");
  EXPECT_EQ(c->server.port, 9443);
  EXPECT_EQ(c->server.threads, 4);
  EXPECT_EQ(c->api.max_body_bytes, 2048u);
  EXPECT_EQ(c->server.request_timeout_ms, 5000);
  EXPECT_EQ(c->tls_dev_dir, "/etc/keep/tls");
  EXPECT_EQ(c->storage_path, "/etc/keep/data/keep.db");
  EXPECT_EQ(c->dev_key_file, "/abs/root.key");
  EXPECT_TRUE(c->dev_auto_init);
  EXPECT_EQ(c->maintenance_interval_s, 120);
}

TEST(Config, RejectsTyposTypesAndRanges) {
  const char* bad[] = {
      "[server]\nprot = 1\n[tls]\ndev_dir=\"t\"",         // unknown key
      "[servr]\nport = 1\n[tls]\ndev_dir=\"t\"",          // unknown table
      "[server]\nport = \"8443\"\n[tls]\ndev_dir=\"t\"",  // wrong type
      "[server]\nport = 70000\n[tls]\ndev_dir=\"t\"",     // range
      "[server]\nrequest_timeout = \"5y\"\n[tls]\ndev_dir=\"t\"",
      "[storage]\nbackend = \"mysql\"\n[tls]\ndev_dir=\"t\"",
      "[storage]\nbackend = \"postgres\"\n[tls]\ndev_dir=\"t\"",  // no conninfo
      "[storage]\npool_size = 0\n[tls]\ndev_dir=\"t\"",
      "[log]\nlevel = \"loud\"\n[tls]\ndev_dir=\"t\"",
      "[server]\nport = 1",                                  // no TLS material
      "port = 1\n[tls]\ndev_dir=\"t\"",                      // top-level key
      "[server\nport = 1",                                   // syntax
      "[server]\nport = 1\nport = 2\n[tls]\ndev_dir=\"t\"",  // duplicate
  };
  for (const char* text : bad) {
    auto c = ParseConfig(text, "/tmp", "test.toml");
    EXPECT_FALSE(c.ok()) << text;
    if (!c.ok()) {
      EXPECT_EQ(c.status().message().rfind("test.toml", 0), 0u) << c.status().message();
    }
  }
}

TEST(Config, SealTypesAndTheirSettings) {
  auto shamir = ParseConfig("[tls]\ndev_dir=\"t\"", "/etc/keep");  // the default
  ASSERT_TRUE(shamir.ok()) << shamir.status();
  EXPECT_EQ(shamir->seal_type, "shamir");
  auto hsm = ParseConfig(
      "[seal]\ntype = \"pkcs11\"\nmodule = \"/usr/lib/softhsm/libsofthsm2.so\"\n"
      "token_label = \"keep\"\nkey_label = \"root\"\npin_file = \"hsm.pin\"\n"
      "generate_key = true\n[memory]\nlocked_heap_kib = 8192\n[tls]\ndev_dir=\"t\"",
      "/etc/keep");
  ASSERT_TRUE(hsm.ok()) << hsm.status();
  EXPECT_EQ(hsm->pkcs11_pin_file, "/etc/keep/hsm.pin");
  EXPECT_TRUE(hsm->pkcs11_generate_key);
  EXPECT_EQ(hsm->locked_heap_kib, 8192);
  const std::pair<const char*, const char*> bad[] = {
      {"[seal]\ntype = \"vault\"", "seal.type"},
      {"[seal]\ntype = \"pkcs11\"\nmodule = \"m\"\ntoken_label = \"t\"\nkey_label = \"k\"\n"
       "pin = \"1234\"",
       "not accepted in the config file"},
      {"[seal]\ntype = \"pkcs11\"\nmodule = \"m\"\ntoken_label = \"t\"\nkey_label = \"k\"",
       "exactly one of pin_env and pin_file"},
      {"[seal]\ntype = \"pkcs11\"\nmodule = \"m\"\ntoken_label = \"t\"\nkey_label = \"k\"\n"
       "pin_env = \"A\"\npin_file = \"b\"",
       "exactly one of pin_env and pin_file"},
      {"[seal]\ntype = \"pkcs11\"\npin_env = \"A\"", "needs module, token_label and key_label"},
      {"[seal]\ntype = \"shamir\"\nmodule = \"m\"", "are for type \"pkcs11\""},
      {"[seal]\ntype = \"shamir\"\ndev_auto_init = true", "are for type \"dev-file\""},
      {"[memory]\nlocked_heap_kib = 1000", "power of two"},
  };
  for (const auto& [text, why] : bad) {
    auto c = ParseConfig(std::string(text) + "\n[tls]\ndev_dir=\"t\"", "/tmp", "test.toml");
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_NE(c.status().message().find(why), std::string::npos) << c.status().message();
  }
}

}  // namespace
}  // namespace keep::keepd
