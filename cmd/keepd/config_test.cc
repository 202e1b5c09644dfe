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
blocking_threads = 3
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
  EXPECT_EQ(c->server.blocking_threads, 3);
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
      "[log]\nformat = \"xml\"\n[tls]\ndev_dir=\"t\"",
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

TEST(Config, AccessAuditRateLimitsAndLockdown) {
  auto c = ParseConfig(
      "[tls]\ndev_dir=\"t\"\nclient_ca_file = \"clients.pem\"\nclient_auth = \"required\"\n"
      "[audit]\npath = \"log/audit.log\"\nmax_size_mib = 64\nfsync = false\n"
      "write_timeout = \"2s\"\ncheckpoint_records = 100\ncheckpoint_interval = \"30s\"\n"
      "[auth]\nanonymous = true\nanonymous_policies = [\"submitter\"]\n"
      "[[auth.certificate]]\nname = \"billing\"\nsubject = \"CN=billing,O=Example\"\n"
      "policies = [\"staff\"]\n"
      "[[auth.certificate]]\nname = \"batch\"\nspki_sha256 = \"" +
          std::string(64, 'A') +
          "\"\n"
          "[rate_limits]\nidentity_decrypt = 50\nkey_encrypt = 1000.5\nburst_seconds = 3\n"
          "[lockdown]\nidentity_decrypt_budget = 1000\nglobal_decrypt_budget = 5000\n"
          "window = \"10m\"\naction = \"seal\"\n",
      "/etc/keep");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->tls_client_ca_file, "/etc/keep/clients.pem");
  EXPECT_EQ(c->audit_path, "/etc/keep/log/audit.log");
  EXPECT_FALSE(c->audit_fsync);
  EXPECT_EQ(c->audit_write_timeout_ms, 2000);
  EXPECT_EQ(c->audit_checkpoint_interval_ms, 30000);
  EXPECT_TRUE(c->api.guard.anonymous);
  ASSERT_EQ(c->api.guard.certificates.size(), 2u);
  EXPECT_EQ(c->api.guard.certificates[0].subject, "CN=billing,O=Example");
  EXPECT_EQ(c->api.guard.certificates[1].spki_sha256, std::string(64, 'a'));  // normalized
  EXPECT_EQ(c->api.rate_limits.identity[1].per_second, 50);
  EXPECT_EQ(c->api.rate_limits.identity[1].burst, 150);
  EXPECT_EQ(c->api.rate_limits.key[0].per_second, 1000.5);
  EXPECT_EQ(c->api.lockdown.identity_budget, 1000u);
  EXPECT_EQ(c->api.lockdown.window_s, 600);
  EXPECT_TRUE(c->api.lockdown.seal);
  auto defaults = ParseConfig("[tls]\ndev_dir=\"t\"", "/k");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->audit_type, "file");
  EXPECT_TRUE(defaults->audit_fsync);
  EXPECT_FALSE(defaults->api.guard.anonymous);
  EXPECT_FALSE(defaults->api.lockdown.seal);

  const std::pair<const char*, const char*> bad[] = {
      {"[lockdown]\naction = \"nuke\"", "lockdown.action"},
      {"[lockdown]\nwindow = \"0s\"", "lockdown.window"},
      {"[lockdown]\nidentity_decrypt_budget = -1", "lockdown.identity_decrypt_budget"},
      {"[audit]\ntype = \"syslog\"", "audit.type"},
      {"[audit]\nmax_size_mib = 0", "audit.max_size_mib"},
      {"[audit]\nfsync = \"yes\"", "audit.fsync"},
      {"[auth]\nanonymous_policies = [\"submitter\"]", "set auth.anonymous"},
      {"[auth]\nanonymous = true\nanonymous_policies = [\"Sub Mitter\"]",
       "auth.anonymous_policies"},
      {"[auth]\nanonymous_policies = \"submitter\"", "array of strings"},
      {"[[auth.certificate]]\nsubject = \"CN=x\"", "needs a name"},
      {"[[auth.certificate]]\nname = \"x\"", "needs subject or spki_sha256"},
      {"[[auth.certificate]]\nname = \"x\"\nspki_sha256 = \"abcd\"", "64 hex digits"},
      {"[[auth.certificate]]\nname = \"x\"\nsubject = \"CN=x\"\npolicy = [\"a\"]",
       "unknown setting"},
      {"[rate_limits]\nidentity_decrypt = -5", "between 0 and"},
      {"[rate_limits]\nidentity_decrypt = \"5/s\"", "number per second"},
      {"[rate_limits]\nidentity_everything = 5", "unknown setting"},
  };
  for (const auto& [text, why] : bad) {
    auto r = ParseConfig(std::string(text) + "\n[tls]\ndev_dir=\"t\"", "/tmp", "test.toml");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.status().message().find(why), std::string::npos) << r.status().message();
  }
  // Client certificates need a client CA.
  auto no_ca = ParseConfig(
      "[[auth.certificate]]\nname = \"x\"\nsubject = \"CN=x\"\n[tls]\ndev_dir=\"t\"", "/tmp");
  ASSERT_FALSE(no_ca.ok());
  EXPECT_NE(no_ca.status().message().find("client_ca_file"), std::string::npos);
}

TEST(Config, KmipNeedsClientCertificates) {
  const std::string base = "[tls]\ndev_dir = \"tls\"\n";
  auto c = ParseConfig(base + "[kmip]\nenabled = true\n", "/etc/keep");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("client_ca_file"), std::string::npos) << c.status();
  c = ParseConfig(base +
                      "client_ca_file = \"ca.pem\"\n[kmip]\nenabled = true\nport = 15696\n"
                      "max_message_kib = 64\ndefault_group = \"vms\"\n",
                  "/etc/keep");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->kmip.enabled);
  EXPECT_EQ(c->kmip.port, 15696);
  EXPECT_EQ(c->kmip.max_message_bytes, 64u << 10);
  EXPECT_EQ(c->kmip.default_group, "vms");
  EXPECT_FALSE(ParseConfig(base + "client_ca_file = \"ca.pem\"\n[kmip]\nenabled = true\n"
                                  "default_group = \"a/b\"\n",
                           "/etc/keep")
                   .ok());
  EXPECT_FALSE(ParseConfig(base + "[kmip]\nmax_message_kib = 1\n", "/etc/keep").ok());
  EXPECT_FALSE(ParseConfig(base + "[kmip]\nporr = 1\n", "/etc/keep").ok());
}

TEST(Config, PeersForSplitKeys) {
  const std::string base =
      "[tls]\ndev_dir = \"tls\"\nclient_ca_file = \"peers-ca.pem\"\n"
      "[[auth.certificate]]\nname = \"peer-b\"\nsubject = \"CN=peer-b\"\n";
  const std::string peer =
      "[[peers]]\nname = \"b\"\naddress = \"https://keep-b:8443\"\nca_file = \"b-ca.pem\"\n"
      "client_cert_file = \"a.pem\"\nclient_key_file = \"/secure/a.key\"\n"
      "identity = \"cert:peer-b\"\n";
  auto c = ParseConfig(base + peer + "timeout = \"2s\"\n", "/etc/keep");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->peers.size(), 1u);
  EXPECT_EQ(c->peers[0].name, "b");
  EXPECT_EQ(c->peers[0].address, "https://keep-b:8443");
  EXPECT_EQ(c->peers[0].ca_file, "/etc/keep/b-ca.pem");
  EXPECT_EQ(c->peers[0].client_cert_file, "/etc/keep/a.pem");
  EXPECT_EQ(c->peers[0].client_key_file, "/secure/a.key");
  EXPECT_EQ(c->peers[0].identity, "cert:peer-b");
  EXPECT_EQ(c->peers[0].timeout_ms, 2000);
  EXPECT_EQ(ParseConfig(base + peer, "/etc/keep")->peers[0].timeout_ms, 5000);
  const std::pair<std::string, std::string> bad[] = {
      {"name = \"b\"", "address"},
      {"name = \"b\"\naddress = \"http://keep-b\"", "https://"},
      {"name = \"b\"\naddress = \"https://keep-b\"", "ca_file, client_cert_file"},
      {"address = \"https://keep-b\"", "needs a name"},
      {"name = \"b\"\nport = 1", "unknown setting"},
      {"name = 7", "must be a string"},
  };
  for (const auto& [body, why] : bad) {
    auto r = ParseConfig(base + "[[peers]]\n" + body + "\n", "/etc/keep");
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_NE(r.status().message().find(why), std::string::npos) << r.status().message();
  }
  // The identity must be a certificate mapping of this config.
  std::string unmapped = peer;
  unmapped.replace(unmapped.find("cert:peer-b"), 11, "cert:peer-c");
  auto r = ParseConfig(base + unmapped, "/etc/keep");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no [[auth.certificate]]"), std::string::npos);
  std::string token = peer;
  token.replace(token.find("cert:peer-b"), 11, "token:abc");
  EXPECT_FALSE(ParseConfig(base + token, "/etc/keep").ok());
  EXPECT_FALSE(ParseConfig(base + peer + "timeout = \"10m\"\n", "/etc/keep").ok());
  r = ParseConfig("peers = 3\n" + base, "/etc/keep");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("array of tables"), std::string::npos) << r.status();
}

}  // namespace
}  // namespace keep::keepd
