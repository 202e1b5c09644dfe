#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace keep::testing {
namespace {

namespace fs = std::filesystem;

// Writing into a connection the server closed (as it should, at a limit) is an error to
// report, not a reason for the test process to die.
const bool kIgnoreSigpipe = [] {
  ::signal(SIGPIPE, SIG_IGN);
  return true;
}();

}  // namespace

std::string KeepdBinary() {
  return KEEPD_BIN;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

Keepd::Keepd(std::string server_extra, std::string storage_toml, std::string seal_toml,
             std::string tls_extra, std::string more_toml)
    : server_extra_(std::move(server_extra)) {
  if (storage_toml.empty()) storage_toml = "path = \"data/keep.db\"\n";
  if (seal_toml.empty()) {
    seal_toml =
        "type = \"dev-file\"\ndev_key_file = \"root.key\"\ndev_auto_init = true\n"
        "dev_root_token_file = \"root-token\"\n";
  }
  static int n = 0;
  dir_ = (fs::temp_directory_path() /
          ("keep-it-" + std::to_string(::getpid()) + "-" + std::to_string(n++)))
             .string();
  fs::remove_all(dir_);
  fs::create_directories(dir_);
  std::ofstream(dir_ + "/keepd.toml")
      << "[server]\naddress = \"127.0.0.1\"\n"
      // A port of its own only in the [server] lines (before any other table).
      << (server_extra_.substr(0, server_extra_.find('[')).find("port = ") == std::string::npos
              ? "port = 0\n"
              : "")
      << (server_extra_.find("threads = ") == 0 ? "" : "threads = 2\n") << server_extra_
      << "\n[tls]\ndev_dir = \"tls\"\n"
      << tls_extra << "\n"
      << "[storage]\n"
      << storage_toml << "\n"
      << "[seal]\n"
      << seal_toml << "\n"
      << (more_toml.find("[log]") == std::string::npos ? "[log]\nlevel = \"debug\"\n" : "")
      << more_toml;
}

Keepd::~Keepd() {
  if (pid_ > 0) Stop(SIGKILL);
  if (const std::string leak = LeakedSecret(); !leak.empty()) {
    ADD_FAILURE() << "a secret in keepd's log (" << dir_ << "/keepd.log): " << leak;
  }
  if (!::testing::Test::HasFailure()) fs::remove_all(dir_);
}

void Keepd::Start() {
  fs::remove(dir_ + "/ready");
  const std::string log = dir_ + "/keepd.log";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  std::string conf = dir_ + "/keepd.toml", ready = dir_ + "/ready";
  std::vector<char*> argv;
  for (auto& a : launcher_) argv.push_back(a.data());
  for (char* a : {const_cast<char*>(KEEPD_BIN), const_cast<char*>("--config"), conf.data(),
                  const_cast<char*>("--ready-file"), ready.data()}) {
    argv.push_back(a);
  }
  for (auto& a : args_) argv.push_back(a.data());
  argv.push_back(nullptr);
  ASSERT_EQ(posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  // 30 s: a start fsyncs its database, trail and files, and on a loaded 2-core CI machine
  // with a stalling virtual disk that took over 10 s once.
  for (int i = 0; i < 600; ++i) {
    if (fs::exists(ready)) {
      port_ = std::stoi(Slurp(ready));
      return;
    }
    int st;
    if (waitpid(pid_, &st, WNOHANG) == pid_) {
      pid_ = -1;
      FAIL() << "keepd exited during start:\n" << this->log();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL() << "keepd did not start within 30 s:\n" << this->log();
}

long Keepd::RssKib() const {
  if (pid_ <= 0) return 0;
  std::istringstream status(Slurp("/proc/" + std::to_string(pid_) + "/status"));
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

long Keepd::Metric(const std::string& name) const {
  auto c = NewClient("", 5000);
  auto r = c->Send("GET", "/metrics", "");
  if (!r.ok() || r->status != 200) return -1;
  std::istringstream lines(r->body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + " ", 0) == 0) return std::stol(line.substr(name.size() + 1));
  }
  return -1;
}

bool Keepd::WaitFor(const std::function<bool()>& cond, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

void Keepd::RunMaintenance(int passes) {
  for (int i = 0; i < passes; ++i) {
    const long before = Metric("keep_maintenance_passes_total");
    ASSERT_GE(before, 0) << "no keep_maintenance_passes_total in /metrics";
    Signal(SIGUSR1);
    ASSERT_TRUE(WaitFor([&] { return Metric("keep_maintenance_passes_total") > before; }))
        << "keepd ran no maintenance pass after SIGUSR1:\n"
        << log();
  }
}

int Keepd::Stop(int signal) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  int st = 0;
  waitpid(pid_, &st, 0);
  pid_ = -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void Keepd::Signal(int signal) {
  if (pid_ > 0) ::kill(pid_, signal);
}

int Keepd::Wait() {
  if (pid_ <= 0) return -1;
  int st = 0;
  waitpid(pid_, &st, 0);
  pid_ = -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

bool Keepd::Running() {
  if (pid_ <= 0) return false;
  int st;
  if (waitpid(pid_, &st, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

std::string Keepd::token() const {
  return Trimmed(Slurp(token_file_.empty() ? dir_ + "/root-token" : token_file_));
}
std::string Keepd::LeakedSecret() const {
  const std::string text = log();
  if (text.empty()) return "";
  std::vector<std::pair<std::string, std::string>> secrets;  // what, value
  if (std::string root = Trimmed(Slurp(dir_ + "/root-token")); !root.empty()) {
    secrets.emplace_back("the root token", root);
  }
  if (std::string key = Slurp(dir_ + "/root.key"); key.size() >= 16) {
    secrets.emplace_back("the dev root key file", Trimmed(key));
  }
  for (const std::string& s : never_log_) secrets.emplace_back("a registered secret", s);
  for (const auto& [what, value] : secrets) {
    if (text.find(value) != std::string::npos) return what;
  }
  // Any bearer token: "keep_" and 43 base64url characters.
  auto b64url = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  };
  for (size_t at = text.find("keep_"); at != std::string::npos; at = text.find("keep_", at + 1)) {
    size_t n = 0;
    while (at + 5 + n < text.size() && b64url(text[at + 5 + n])) ++n;
    if (n == 43) return "a token-shaped string at byte " + std::to_string(at);
  }
  return "";
}

std::string Keepd::log() const {
  return Slurp(dir_ + "/keepd.log");
}

std::unique_ptr<Client> Keepd::NewClient(const std::string& token, int timeout_ms) const {
  ClientOptions o;
  o.address = addr();
  o.token = token;
  o.ca_cert_file = ca();
  o.timeout_ms = timeout_ms;
  auto c = Client::Create(o);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? std::move(c).value() : nullptr;
}

namespace {

// Spawns `argv` with stdin from `in`, stdout and stderr into files in `dir`.
CliResult Spawn(const std::string& dir, const std::vector<std::string>& args,
                const std::vector<std::string>& env, const std::string& in) {
  const std::string out = dir + "/cli.out", err = dir + "/cli.err";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> envs = env;
  std::vector<char*> envp;
  for (auto& e : envs) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> all = args;
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  CliResult r;
  const int rc = posix_spawn(&pid, all[0].c_str(), &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return r;
  int st = 0;
  waitpid(pid, &st, 0);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = Slurp(out);
  r.err = Slurp(err);
  return r;
}

}  // namespace

std::vector<std::string> CliEnv(const Keepd& server, const std::string& token) {
  return {"KEEP_ADDR=" + server.addr(), "KEEP_CACERT=" + server.ca(),
          "KEEP_TOKEN=" + (token == "<root>" ? server.token() : token)};
}

CliResult Keepd::Cli(const std::vector<std::string>& args, const std::string& input,
                     const std::string& token) const {
  const std::string in = dir_ + "/cli.in";
  std::ofstream(in, std::ios::binary) << input;
  std::vector<std::string> env = CliEnv(*this, token);
  env.push_back("PATH=/usr/bin:/bin");
  std::vector<std::string> all = {KEEP_CLI_BIN};
  all.insert(all.end(), args.begin(), args.end());
  return Spawn(dir_, all, env, in);
}

CliResult Shell(const std::string& dir, const std::string& script,
                const std::vector<std::string>& env) {
  std::vector<std::string> all_env = {"PATH=/usr/bin:/bin", "KEEP=" KEEP_CLI_BIN, "HOME=" + dir};
  all_env.insert(all_env.end(), env.begin(), env.end());
  // The whole script runs in `dir`: "cd && script" would run only the script's first job
  // there when it holds "&" or ";".
  return Spawn(dir, {"/bin/bash", "-c", "set -o pipefail; cd '" + dir + "' || exit 125\n" + script},
               all_env, "/dev/null");
}

RawConnection::RawConnection(int port, const std::string& ca) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_load_verify_locations(ctx, ca.c_str(), nullptr);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd_);
  // Read() polls with a deadline: SSL_read must return after a record without application
  // data (a TLS 1.3 session ticket) instead of blocking for the next one.
  SSL_clear_mode(ssl, SSL_MODE_AUTO_RETRY);
  ctx_ = ctx;
  if (SSL_connect(ssl) != 1) {
    SSL_free(ssl);
    return;
  }
  ssl_ = ssl;
}

RawConnection::~RawConnection() {
  if (ssl_) SSL_free(static_cast<SSL*>(ssl_));
  if (ctx_) SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::Write(const std::string& bytes) {
  if (!ssl_) return false;
  return bytes.empty() ||
         SSL_write(static_cast<SSL*>(ssl_), bytes.data(), static_cast<int>(bytes.size())) > 0;
}

std::string RawConnection::Read(int timeout_ms) {
  if (!ssl_) return "<closed>";
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  SSL* ssl = static_cast<SSL*>(ssl_);
  for (;;) {
    if (SSL_pending(ssl) == 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      if (left <= 0) return out;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) return out;
    }
    char buf[16384];
    const int n = SSL_read(ssl, buf, sizeof buf);
    if (n <= 0) {
      // TLS 1.3 session tickets make the socket readable without application data.
      const int err = SSL_get_error(ssl, n);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) continue;
      return out.empty() ? "<closed>" : out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

std::string RawTls(int port, const std::string& ca, const std::string& bytes, int timeout_ms) {
  RawConnection c(port, ca);
  if (!c.ok() || !c.Write(bytes)) return "<connect failed>";
  std::string all;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string part = c.Read(static_cast<int>(timeout_ms));
    if (part == "<closed>") break;
    if (part.empty()) break;
    all += part;
  }
  return all;
}

}  // namespace keep::testing
