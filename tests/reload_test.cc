// SIGHUP against a real keepd: the config file is read again and what can change without a
// restart changes — TLS material (the dev certificates regenerated here, as a renewal in
// place would), log level, rate limits — while the process, its connections' port and its
// keys stay; a config that does not parse changes nothing; a setting that needs a restart
// is reported, not applied.
#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "harness.h"

namespace keep::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBatchOfTwo = R"({"batch":[{"plaintext":"YQ=="},{"plaintext":"Yg=="}]})";

// Replaces the first `from` in keepd.toml with `to`.
void EditConfig(const Keepd& server, const std::string& from, const std::string& to) {
  const std::string path = server.dir() + "/keepd.toml";
  std::string text = Slurp(path);
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in\n" << text;
  text.replace(at, from.size(), to);
  std::ofstream(path, std::ios::trunc) << text;
}

// Sends SIGHUP and waits for the reload's `n`-th "reload: " line naming `what`.
void Hangup(Keepd& server, const std::string& what) {
  server.Signal(SIGHUP);
  ASSERT_TRUE(Keepd::WaitFor([&] { return server.log().find(what) != std::string::npos; }))
      << "no \"" << what << "\" after SIGHUP:\n"
      << server.log();
}

std::unique_ptr<Client> ClientTrusting(const Keepd& server, const std::string& ca) {
  ClientOptions o;
  o.address = server.addr();
  o.token = server.token();
  o.ca_cert_file = ca;
  o.timeout_ms = 10000;
  auto c = Client::Create(o);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? std::move(c).value() : nullptr;
}

TEST(Reload, CertificatesLogLevelAndRateLimitsChangeWithoutARestart) {
  Keepd server("\n[rate_limits]\nidentity_encrypt = 1\nburst_seconds = 1\n", "", "", "",
               "[log]\nlevel = \"info\"\n");
  server.Start();
  const pid_t pid = server.pid();
  auto before = server.NewClient();
  ASSERT_EQ(before->Send("POST", "/v1/keys", R"({"name":"r"})")->status, 201);
  EXPECT_EQ(before->Send("POST", "/v1/keys/r/encrypt", kBatchOfTwo)->status, 429);

  // A new certificate from a new CA, where the config points (a renewal in place).
  const std::string old_ca = server.dir() + "/old-ca.pem";
  fs::copy_file(server.ca(), old_ca);
  for (const char* f : {"ca.pem", "server.pem", "server.key"})
    fs::remove(server.dir() + "/tls/" + f);
  EditConfig(server, "identity_encrypt = 1", "identity_encrypt = 100");
  EditConfig(server, "level = \"info\"", "level = \"debug\"");
  Hangup(server, "reload: tls: new connections get");

  EXPECT_EQ(server.pid(), pid);
  EXPECT_TRUE(server.Running());
  const std::string log = server.log();
  EXPECT_NE(log.find("reload: log.level info -> debug"), std::string::npos) << log;
  EXPECT_NE(log.find("reload: rate_limits changed"), std::string::npos) << log;
  // New connections handshake with the new certificate: trusted through the new CA only.
  auto after = ClientTrusting(server, server.ca());
  auto r = after->Send("POST", "/v1/keys/r/encrypt", kBatchOfTwo);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);  // the new rate admits a batch of two
  auto stale = ClientTrusting(server, old_ca)->Send("GET", "/v1/keys/r", "");
  EXPECT_FALSE(stale.ok()) << "a client trusting only the old CA still connected";
  // The key made before the reload is the same key.
  EXPECT_EQ(after->Send("GET", "/v1/keys/r", "")->status, 200);
}

TEST(Reload, AConfigThatDoesNotParseChangesNothingAndARestartSettingIsOnlyReported) {
  Keepd server("\n[rate_limits]\nidentity_encrypt = 1\nburst_seconds = 1\n");
  server.Start();
  auto c = server.NewClient();
  ASSERT_EQ(c->Send("POST", "/v1/keys", R"({"name":"r"})")->status, 201);

  const std::string good = Slurp(server.dir() + "/keepd.toml");
  EditConfig(server, "identity_encrypt = 1", "identity_encrypt = 100\nidentity_encyrpt = 3");
  Hangup(server, "nothing changed, keepd serves with the running configuration");
  EXPECT_NE(server.log().find("identity_encyrpt"), std::string::npos) << "the error names the key";
  EXPECT_TRUE(server.Running());
  EXPECT_EQ(c->Send("POST", "/v1/keys/r/encrypt", kBatchOfTwo)->status, 429) << "limit unchanged";

  std::ofstream(server.dir() + "/keepd.toml", std::ios::trunc) << good;
  EditConfig(server, "port = 0", "port = 1");
  Hangup(server, "reload: server.address/port changed: needs a restart; not applied");
  EXPECT_TRUE(server.Running());
  EXPECT_EQ(c->Send("POST", "/v1/keys/r/encrypt", R"({"plaintext":"YQ=="})")->status, 200);
}

// `keepd --check`: the same parser and the TLS files loaded, without starting anything.
TEST(Reload, CheckSaysWhetherKeepdWouldStartWithAConfig) {
  Keepd server;  // writes keepd.toml; never started
  const std::string keepd = KeepdBinary();
  auto run = [&](const std::string& config) {
    std::ofstream(server.dir() + "/check.toml", std::ios::trunc) << config;
    return Shell(server.dir(), "'" + keepd + "' --config check.toml --check");
  };
  const std::string good = Slurp(server.dir() + "/keepd.toml");
  CliResult ok = run(good);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find(": OK"), std::string::npos) << ok.out;
  CliResult typo = run(good + "[rate_limits]\nidentity_encyrpt = 3\n");
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("identity_encyrpt"), std::string::npos) << typo.err;
  CliResult no_cert =
      run("[server]\nport = 0\n[tls]\ncert_file = \"missing.pem\"\nkey_file = \"missing.key\"\n"
          "[storage]\npath = \"data/keep.db\"\n[seal]\ntype = \"dev-file\"\n");
  EXPECT_EQ(no_cert.exit_code, 2);
  EXPECT_NE(no_cert.err.find("tls:"), std::string::npos) << no_cert.err;
  EXPECT_FALSE(std::filesystem::exists(server.dir() + "/data/keep.db"))
      << "--check opened the store";
}

// Under systemd (Type=notify) keepd says READY=1 once it serves, and RELOADING=1 then
// READY=1 around a SIGHUP: the datagrams systemd would get, on a real socket.
TEST(Reload, SystemdHearsReadinessAndReloads) {
  Keepd server;
  const std::string path = server.dir() + "/notify.sock";
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  auto next = [&] {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) != 1) return std::string("<nothing within 10 s>");
    char buf[512];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("<error>");
  };
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  server.Start();
  ::unsetenv("NOTIFY_SOCKET");
  const std::string ready = next();
  EXPECT_EQ(ready.rfind("READY=1\nSTATUS=serving on port " + std::to_string(server.port()), 0), 0u)
      << ready;
  server.Signal(SIGHUP);
  EXPECT_EQ(next(), "RELOADING=1");
  EXPECT_EQ(next(), "READY=1");
  server.Stop();
  EXPECT_EQ(next(), "STOPPING=1");
  ::close(fd);
}

}  // namespace
}  // namespace keep::testing
