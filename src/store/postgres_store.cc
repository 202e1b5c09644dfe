#include "store/postgres_store.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <vector>

#include "common/log.h"

namespace keep::store {
namespace {

const char* const kMigrations[] = {
    // 1: the record table; "C" collation keeps listing order bytewise.
    "CREATE TABLE records (path TEXT COLLATE \"C\" PRIMARY KEY, value BYTEA NOT NULL)",
};

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultClearer {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnCloser>;
using ResultPtr = std::unique_ptr<PGresult, ResultClearer>;

Status PgError(PGconn* c, const char* what) {
  log::Error("postgres {}: {}", what, c ? PQerrorMessage(c) : "no connection");
  if (c == nullptr || PQstatus(c) != CONNECTION_OK) {
    return Unavailable("store_unavailable", "the database is unreachable");
  }
  return Internal("store failure");
}

// Parameters for PQexecParams: text for paths and numbers, binary for values.
// libpq reads text parameters up to their NUL (it ignores the lengths), so Params keeps
// its own NUL-terminated copies of them.
struct Params {
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  std::deque<std::string> text;  // stable addresses
  void Text(std::string_view s) {
    text.emplace_back(s);
    values.push_back(text.back().c_str());
    lengths.push_back(static_cast<int>(s.size()));
    formats.push_back(0);
  }
  void Binary(const Bytes& b) {
    static const char kEmpty = 0;
    values.push_back(b.empty() ? &kEmpty : reinterpret_cast<const char*>(b.data()));
    lengths.push_back(static_cast<int>(b.size()));
    formats.push_back(1);
  }
};

class PostgresStore final : public Store {
 public:
  PostgresStore(std::string conninfo, std::vector<ConnPtr> conns)
      : conninfo_(std::move(conninfo)), idle_(std::move(conns)) {}

  Status Init() {
    Lease l(*this);
    KEEP_RETURN_IF_ERROR(Exec(l.c, "BEGIN"));
    Status s = Migrate(l.c);
    if (!s.ok()) {
      Exec(l.c, "ROLLBACK").IgnoreError();
      return s;
    }
    return Exec(l.c, "COMMIT");
  }

  Result<std::optional<Bytes>> Get(std::string_view path) override {
    Lease l(*this);
    Params p;
    p.Text(path);
    KEEP_ASSIGN_OR_RETURN(ResultPtr r, Query(l.c, "SELECT value FROM records WHERE path = $1", p));
    if (PQntuples(r.get()) == 0) return std::optional<Bytes>();
    return std::optional<Bytes>(Value(r.get(), 0, 0));
  }

  Result<std::vector<Record>> List(std::string_view prefix, std::string_view after,
                                   size_t limit) override {
    Lease l(*this);
    Params p;
    p.Text(prefix);
    p.Text(std::string(prefix) + '\x7f');
    p.Text(after);
    p.Text(std::to_string(std::min<size_t>(limit, INT32_MAX)));
    KEEP_ASSIGN_OR_RETURN(
        ResultPtr r,
        Query(l.c,
              "SELECT path, value FROM records WHERE path >= $1 AND path < $2 AND path > $3 "
              "ORDER BY path LIMIT $4::bigint",
              p));
    std::vector<Record> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      out.push_back(
          {std::string(PQgetvalue(r.get(), i, 0), static_cast<size_t>(PQgetlength(r.get(), i, 0))),
           Value(r.get(), i, 1)});
    }
    return out;
  }

  Status Commit(std::span<const WriteOp> ops) override {
    for (const auto& op : ops) KEEP_RETURN_IF_ERROR(ValidatePath(op.path));
    Lease l(*this);
    KEEP_RETURN_IF_ERROR(Begin(l.c));
    Status s = ApplyAll(l.c, ops);
    if (!s.ok()) {
      Exec(l.c, "ROLLBACK").IgnoreError();
      return s;
    }
    return Exec(l.c, "COMMIT");
  }

  int SchemaVersion() override { return version_; }

  Result<std::unique_ptr<ChangeFeed>> Watch() override;

 private:
  // Borrows a pooled connection for the lifetime of one operation.
  struct Lease {
    explicit Lease(PostgresStore& s) : store(s), c(s.Acquire()) {}
    ~Lease() { store.Release(c); }
    PostgresStore& store;
    PGconn* c;
  };

  PGconn* Acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !idle_.empty(); });
    PGconn* c = idle_.back().release();
    idle_.pop_back();
    lock.unlock();
    if (PQstatus(c) != CONNECTION_OK) {
      log::Warn("postgres: connection lost; reconnecting");
      PQreset(c);
    }
    return c;
  }

  void Release(PGconn* c) {
    {
      std::lock_guard lock(mu_);
      idle_.emplace_back(c);
    }
    cv_.notify_one();
  }

  Status Migrate(PGconn* c) {
    // One node migrates at a time; the lock is released at COMMIT/ROLLBACK.
    KEEP_RETURN_IF_ERROR(Exec(c, "SELECT pg_advisory_xact_lock(7368556)"));
    KEEP_RETURN_IF_ERROR(
        Exec(c, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
    ResultPtr r(PQexec(c, "SELECT version FROM schema_version"));  // text result
    if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) return PgError(c, "schema version");
    const int current = PQntuples(r.get()) == 0 ? 0 : std::atoi(PQgetvalue(r.get(), 0, 0));
    const int latest = static_cast<int>(std::size(kMigrations));
    if (current > latest) {
      return FailedPrecondition("schema_too_new", "the database schema (version " +
                                                      std::to_string(current) +
                                                      ") is newer than this keep build knows");
    }
    for (int v = current; v < latest; ++v) {
      KEEP_RETURN_IF_ERROR(Exec(c, kMigrations[v]));
      log::Info("store: migrated schema to version {}", v + 1);
    }
    if (current == 0) {
      KEEP_RETURN_IF_ERROR(
          Exec(c, ("INSERT INTO schema_version VALUES (" + std::to_string(latest) + ")").c_str()));
    } else if (current < latest) {
      KEEP_RETURN_IF_ERROR(
          Exec(c, ("UPDATE schema_version SET version = " + std::to_string(latest)).c_str()));
    }
    version_ = latest;
    return Status::Ok();
  }

  Status ApplyAll(PGconn* c, std::span<const WriteOp> ops) {
    for (const auto& op : ops) {
      Params p;
      p.Text(op.path);
      const char* sql = "DELETE FROM records WHERE path = $1";
      if (op.kind == WriteOp::Kind::kRewrite) {
        p.Binary(op.value);
        p.Binary(op.expected);
        sql = "UPDATE records SET value = $2 WHERE path = $1 AND value = $3";
      } else if (op.kind != WriteOp::Kind::kDelete) {
        p.Binary(op.value);
        sql = op.kind == WriteOp::Kind::kPut
                  ? "INSERT INTO records (path, value) VALUES ($1, $2) "
                    "ON CONFLICT (path) DO UPDATE SET value = EXCLUDED.value"
                  : "INSERT INTO records (path, value) VALUES ($1, $2)";
      }
      ResultPtr r(PQexecParams(c, sql, static_cast<int>(p.values.size()), nullptr, p.values.data(),
                               p.lengths.data(), p.formats.data(), 1));
      if (PQresultStatus(r.get()) == PGRES_COMMAND_OK && op.kind == WriteOp::Kind::kRewrite) {
        if (std::strcmp(PQcmdTuples(r.get()), "1") != 0) {
          return Status(Code::kFailedPrecondition, "conflict",
                        "the record at " + op.path + " changed");
        }
        continue;  // same meaning: other nodes need not reload it
      }
      if (PQresultStatus(r.get()) == PGRES_COMMAND_OK) {
        // Delivered to every listening node when (and only if) the transaction commits.
        Params n;
        n.Text(op.path);
        ResultPtr nr(PQexecParams(c, "SELECT pg_notify('keep_changes', $1)", 1, nullptr,
                                  n.values.data(), n.lengths.data(), n.formats.data(), 0));
        if (PQresultStatus(nr.get()) != PGRES_TUPLES_OK) return PgError(c, "notify");
        continue;
      }
      {
        const char* state = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
        if (state != nullptr && std::strcmp(state, "23505") == 0) {
          return AlreadyExists("a record already exists at " + op.path);
        }
        return PgError(c, "commit");
      }
    }
    return Status::Ok();
  }

  static Bytes Value(PGresult* r, int row, int col) {
    const auto* p = reinterpret_cast<const uint8_t*>(PQgetvalue(r, row, col));
    return Bytes(p, p + PQgetlength(r, row, col));
  }

  // A connection the server closed (restart, pg_terminate_backend, failover) looks
  // healthy until used. Resets it; true when it is usable again.
  static bool Revive(PGconn* c) {
    if (PQstatus(c) == CONNECTION_OK) return false;
    log::Warn("postgres: connection lost ({}); reconnecting", PQerrorMessage(c));
    PQreset(c);
    return PQstatus(c) == CONNECTION_OK;
  }

  // Read-only statements: retried once on a revived connection.
  Result<ResultPtr> Query(PGconn* c, const char* sql, const Params& p) {
    for (int attempt = 0;; ++attempt) {
      ResultPtr r(PQexecParams(c, sql, static_cast<int>(p.values.size()), nullptr, p.values.data(),
                               p.lengths.data(), p.formats.data(), 1));
      if (PQresultStatus(r.get()) == PGRES_TUPLES_OK) return r;
      if (attempt > 0 || !Revive(c)) return PgError(c, "query");
    }
  }

  // BEGIN: nothing has been sent yet, so a dead connection is revived and BEGIN retried.
  // Failures later in a transaction are reported, never retried blindly: a lost COMMIT
  // reply leaves it unknown whether the transaction committed.
  Status Begin(PGconn* c) {
    Status s = Exec(c, "BEGIN");
    if (!s.ok() && Revive(c)) s = Exec(c, "BEGIN");
    return s;
  }

  Status Exec(PGconn* c, const char* sql) {
    ResultPtr r(PQexec(c, sql));
    const auto st = PQresultStatus(r.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return PgError(c, sql);
    return Status::Ok();
  }

  std::string conninfo_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<ConnPtr> idle_;
  int version_ = 0;
};

// LISTEN on a dedicated connection; notifications are drained after a poll().
class PostgresChangeFeed final : public ChangeFeed {
 public:
  explicit PostgresChangeFeed(ConnPtr c) : c_(std::move(c)) {}

  Result<std::vector<std::string>> Wait(int timeout_ms) override {
    std::vector<std::string> out;
    Drain(out);
    if (!out.empty()) return out;
    pollfd p{PQsocket(c_.get()), POLLIN, 0};
    if (p.fd < 0) return Lost();
    const int n = ::poll(&p, 1, timeout_ms);
    if (n < 0 && errno != EINTR) return Lost();
    if (n > 0 && PQconsumeInput(c_.get()) != 1) return Lost();
    if (PQstatus(c_.get()) != CONNECTION_OK) return Lost();
    Drain(out);
    return out;
  }

 private:
  void Drain(std::vector<std::string>& out) {
    while (PGnotify* nf = PQnotifies(c_.get())) {
      out.emplace_back(nf->extra);
      PQfreemem(nf);
    }
  }
  Status Lost() {
    log::Warn("postgres: change feed connection lost: {}", PQerrorMessage(c_.get()));
    return Unavailable("store_unavailable", "the change feed connection was lost");
  }
  ConnPtr c_;
};

Result<std::unique_ptr<ChangeFeed>> PostgresStore::Watch() {
  ConnPtr c(PQconnectdb(conninfo_.c_str()));
  if (!c || PQstatus(c.get()) != CONNECTION_OK) return PgError(c.get(), "listen connect");
  ResultPtr r(PQexec(c.get(), "LISTEN keep_changes"));
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) return PgError(c.get(), "LISTEN");
  return std::unique_ptr<ChangeFeed>(new PostgresChangeFeed(std::move(c)));
}

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& conninfo, int pool_size) {
  if (pool_size < 1 || pool_size > 64) return InvalidArgument("pool size must be 1 to 64");
  std::vector<ConnPtr> conns;
  for (int i = 0; i < pool_size; ++i) {
    ConnPtr c(PQconnectdb(conninfo.c_str()));
    if (!c || PQstatus(c.get()) != CONNECTION_OK) {
      log::Error("postgres connect: {}", c ? PQerrorMessage(c.get()) : "out of memory");
      return Unavailable("store_unavailable", "cannot connect to the PostgreSQL database");
    }
    PQsetNoticeProcessor(
        c.get(), [](void*, const char* m) { log::Debug("postgres notice: {}", m); }, nullptr);
    conns.push_back(std::move(c));
  }
  auto store = std::make_unique<PostgresStore>(conninfo, std::move(conns));
  KEEP_RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace keep::store
