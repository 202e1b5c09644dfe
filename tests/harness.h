// Integration-test harness: a real keepd process on a free loopback port with its own
// temp directory (SQLite file, dev root key, generated CA), plus ways to talk to it:
// keep::Client (HTTP), the `keep` binary (CLI) and raw TLS bytes (hostile input).
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "keep/client.h"

namespace keep::testing {

// The keepd binary under test (for runs that are not a server, such as --check).
std::string KeepdBinary();

// The whole file ("" when unreadable), and `s` without trailing newlines and spaces.
std::string Slurp(const std::string& path);
std::string Trimmed(std::string s);

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class Keepd {
 public:
  // `server_extra` is added to the [server] table (threads = 2 unless it starts with its
  // own "threads = "; port = 0, a free port, unless its [server] lines set "port = ").
  // `storage_toml` replaces the [storage] table (default: SQLite in the temp dir).
  // `seal_toml` replaces the [seal] table (default: type "dev-file", a dev root key in the
  // temp dir, initialized on first start).
  // `tls_extra` is added to the [tls] table (client_ca_file, client_auth).
  // `more_toml` is added at the end (whole tables, e.g. "[audit]\nfsync = false\n").
  explicit Keepd(std::string server_extra = "", std::string storage_toml = "",
                 std::string seal_toml = "", std::string tls_extra = "",
                 std::string more_toml = "");
  ~Keepd();

  void Start();               // starts and waits until it listens (fails the test otherwise)
  int Stop(int signal = 15);  // signals and waits; returns the exit status (or 128+sig)
  void Signal(int signal);    // signals without waiting
  int Wait();                 // waits for exit; returns the exit status (or 128+sig)
  bool Running();
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  int port() const { return port_; }
  std::string addr() const { return "https://127.0.0.1:" + std::to_string(port_); }
  std::string ca() const { return dir_ + "/tls/ca.pem"; }
  std::string token() const;
  void set_token_file(std::string path) { token_file_ = std::move(path); }
  // Extra keepd command-line arguments for the next Start() (e.g. "--lift-lockdown").
  void set_args(std::vector<std::string> args) { args_ = std::move(args); }
  // A command that execs keepd for the next Start(), e.g. {"/usr/bin/prlimit",
  // "--nofile=128:128", "--"}; pid() is still keepd's (the launcher must exec).
  void set_launcher(std::vector<std::string> launcher) { launcher_ = std::move(launcher); }
  // keepd's resident set size in KiB (VmRSS), 0 when it is not running.
  long RssKib() const;
  // A counter or gauge from /metrics (-1 when it cannot be read).
  long Metric(const std::string& name) const;
  // Runs `passes` maintenance passes now (SIGUSR1) and waits until keepd has finished
  // them (keep_maintenance_passes_total); fails the test after 10 s.
  void RunMaintenance(int passes = 1);
  // Waits until `cond` holds, checking every 10 ms; false after `timeout_ms`.
  static bool WaitFor(const std::function<bool()>& cond, int timeout_ms = 10000);
  std::string audit_path() const { return dir_ + "/audit.log"; }
  std::string db_path() const { return dir_ + "/data/keep.db"; }
  std::string log() const;
  // `secret` (a plaintext, a share, a key) must never appear in keepd's log; checked with
  // the root token, every token-shaped string and the dev root key when the Keepd is
  // destroyed (keepd runs at log level debug in tests, so every line is covered).
  void NeverLog(std::string secret) { never_log_.push_back(std::move(secret)); }
  // The check itself: "" or what leaked (the first finding).
  std::string LeakedSecret() const;

  std::unique_ptr<Client> NewClient(const std::string& token, int timeout_ms = 60000) const;
  std::unique_ptr<Client> NewClient() const { return NewClient(token()); }
  // `token` "": no token (anonymous or a client certificate).
  CliResult Cli(const std::vector<std::string>& args, const std::string& input = "",
                const std::string& token = "<root>") const;

 private:
  std::string dir_;
  std::string server_extra_;
  std::string token_file_;
  std::vector<std::string> args_, launcher_;
  std::vector<std::string> never_log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// Runs `script` with /bin/bash -c in `dir`, with $KEEP set to the keep binary and
// `env` ("NAME=value") added to a minimal environment; stdin is /dev/null, stdout and
// stderr are captured (through files in `dir`).
CliResult Shell(const std::string& dir, const std::string& script,
                const std::vector<std::string>& env = {});
// What a CLI run against `server` needs: KEEP_ADDR, KEEP_CACERT, KEEP_TOKEN (`token` as
// for Keepd::Cli).
std::vector<std::string> CliEnv(const Keepd& server, const std::string& token = "<root>");

// Opens a TLS connection to 127.0.0.1:port trusting `ca`, writes `bytes`, reads until
// the server closes or `timeout_ms` passes, and returns what was read.
std::string RawTls(int port, const std::string& ca, const std::string& bytes,
                   int timeout_ms = 5000);

// A held-open TLS connection for slow-client tests.
class RawConnection {
 public:
  RawConnection(int port, const std::string& ca);
  ~RawConnection();
  bool ok() const { return ssl_ != nullptr; }
  bool Write(const std::string& bytes);
  // Reads whatever arrives within timeout_ms; returns "" on timeout, "<closed>" on EOF.
  std::string Read(int timeout_ms);

 private:
  int fd_ = -1;
  void* ctx_ = nullptr;
  void* ssl_ = nullptr;
};

}  // namespace keep::testing
