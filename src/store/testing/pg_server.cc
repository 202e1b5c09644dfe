#include "store/testing/pg_server.h"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace keep::store::testing {
namespace {

namespace fs = std::filesystem;

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0) {
    port = ntohs(sa.sin_port);
  }
  ::close(fd);
  return port;
}

std::string FindBinDir() {
  std::string best;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const auto bin = e.path() / "bin";
    if (fs::exists(bin / "initdb") && bin.string() > best) best = bin.string();
  }
  return best;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

PgServer::PgServer(bool fsync, bool tls) {
  bin_ = FindBinDir();
  if (bin_.empty()) {
    error_ = "PostgreSQL server binaries not found under /usr/lib/postgresql (package postgresql)";
    return;
  }
  char tmpl[] = "/tmp/keep-pg-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = tmpl;
  if (::geteuid() == 0) {
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) {
      error_ = "running as root but there is no 'postgres' user to run the server";
      return;
    }
    if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      error_ = "cannot hand the data directory to the postgres user";
      return;
    }
  }
  port_ = FreePort();
  error_ =
      Run(bin_ + "/initdb -D " + dir_ + "/data -A trust -U postgres --no-sync -E UTF8 --locale=C");
  if (!error_.empty()) return;
  std::string opts = "-p " + std::to_string(port_) +
                     " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + dir_ +
                     " -c max_connections=200";
  if (!fsync) opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
  if (tls) {
    error_ =
        Run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1"
            " -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
            dir_ + "/server.key -out " + dir_ + "/server.crt && chmod 600 " + dir_ +
            "/server.key && chmod 644 " + dir_ + "/server.crt");
    if (!error_.empty()) return;
    opts += " -c ssl=on -c ssl_cert_file=" + dir_ + "/server.crt -c ssl_key_file=" + dir_ +
            "/server.key";
  }
  opts_ = opts;
  error_ = Start();
}

std::string PgServer::Start() {
  std::string err = Run(bin_ + "/pg_ctl -D " + dir_ + "/data -l " + dir_ +
                        "/server.log -w -t 60 -o '" + opts_ + "' start");
  if (!err.empty()) return err + "\n" + Slurp(dir_ + "/server.log");
  started_ = true;
  return "";
}

std::string PgServer::Stop() {
  if (!started_) return "";
  started_ = false;
  return Run(bin_ + "/pg_ctl -D " + dir_ + "/data -m fast -w stop");
}

PgServer::~PgServer() {
  if (started_) Run(bin_ + "/pg_ctl -D " + dir_ + "/data -m fast -w stop");
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

std::string PgServer::Run(const std::string& command) {
  const std::string log = dir_ + "/cmd.log";
  std::string full = command + " > " + log + " 2>&1";
  if (::geteuid() == 0) full = "runuser -u postgres -- sh -c \"" + full + "\"";
  const int rc = std::system(full.c_str());
  return rc == 0 ? "" : "'" + command + "' failed:\n" + Slurp(log);
}

std::string PgServer::ConnInfo(const std::string& db) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=" + db +
         " connect_timeout=10";
}

std::string PgServer::CreateDatabase() {
  const std::string name = "keep_" + std::to_string(::getpid()) + "_" + std::to_string(next_db_++);
  std::unique_ptr<PGconn, void (*)(PGconn*)> c(PQconnectdb(ConnInfo().c_str()), PQfinish);
  if (PQstatus(c.get()) != CONNECTION_OK) return "";
  std::unique_ptr<PGresult, void (*)(PGresult*)> r(
      PQexec(c.get(), ("CREATE DATABASE " + name).c_str()), PQclear);
  return PQresultStatus(r.get()) == PGRES_COMMAND_OK ? ConnInfo(name) : "";
}

PgServer& PgServer::Shared() {
  static PgServer* server = new PgServer();  // stopped by the atexit hook below
  static const int registered = std::atexit([] { delete server; });
  (void)registered;
  return *server;
}

}  // namespace keep::store::testing
