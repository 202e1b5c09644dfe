// PgServer (tests only): a real, throwaway PostgreSQL cluster for tests.
//
// initdb into a fresh temp directory, pg_ctl start on a free 127.0.0.1 port (the Unix
// socket in the same directory), trust authentication, fsync off (tests need no
// durability across power loss; crash tests that do can ask for fsync). When the test
// runs as root, the server runs as the unprivileged `postgres` user, as PostgreSQL
// requires. Stopped (pg_ctl stop -m fast) and removed on destruction.
#pragma once

#include <string>

namespace keep::store::testing {

class PgServer {
 public:
  // `tls`: the server also speaks TLS with a throwaway certificate for 127.0.0.1
  // (ca_file() is its trust anchor), so tests can use sslmode=verify-full.
  explicit PgServer(bool fsync = false, bool tls = false);
  ~PgServer();
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  // Empty when the server is running; otherwise what went wrong (with the log).
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  std::string ca_file() const { return dir_ + "/server.crt"; }
  // A libpq connection string for database `db`.
  std::string ConnInfo(const std::string& db = "postgres") const;
  // Creates a new empty database and returns its connection string ("" on failure).
  std::string CreateDatabase();

  // Stops the server (pg_ctl stop -m fast) and starts it again on the same port and data
  // (an outage, for tests). Return "" on success, else the log.
  std::string Stop();
  std::string Start();

  // One server per test binary, started on first use and stopped at exit.
  static PgServer& Shared();

 private:
  std::string Run(const std::string& command);  // returns "" on success, else the log
  std::string dir_, bin_, opts_;
  int port_ = 0;
  int next_db_ = 0;
  bool started_ = false;
  std::string error_;
};

}  // namespace keep::store::testing
