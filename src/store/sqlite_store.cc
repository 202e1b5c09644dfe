#include "store/sqlite_store.h"

#include <sqlite3.h>

#include <mutex>
#include <unordered_map>
#include <utility>

#include "common/log.h"

namespace keep::store {

Status ValidatePath(std::string_view path) {
  if (path.empty() || path.size() > 512) return InvalidArgument("store path length out of range");
  for (char c : path) {
    if (c < 0x21 || c > 0x7e) return InvalidArgument("store path has a non-printable byte");
  }
  return Status::Ok();
}

namespace {

const char* const kMigrations[] = {
    // 1: the record table.
    "CREATE TABLE records (path TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID;",
};

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(DbPtr db) : db_(std::move(db)) {}

  Status Init() {
    KEEP_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL;"));
    KEEP_RETURN_IF_ERROR(Exec("PRAGMA synchronous=FULL;"));
    KEEP_RETURN_IF_ERROR(Exec("PRAGMA foreign_keys=ON;"));
    KEEP_RETURN_IF_ERROR(
        Exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);"));
    KEEP_ASSIGN_OR_RETURN(int current, ReadVersion());
    const int latest = SqliteLatestSchemaVersion();
    if (current > latest) {
      return FailedPrecondition("schema_too_new", "the database schema (version " +
                                                      std::to_string(current) +
                                                      ") is newer than this keep build knows");
    }
    for (int v = current; v < latest; ++v) {
      KEEP_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE;"));
      Status s = Exec(kMigrations[v]);
      if (s.ok()) {
        s = Exec(
            v == 0
                ? "INSERT INTO schema_version (version) VALUES (1);"
                : ("UPDATE schema_version SET version = " + std::to_string(v + 1) + ";").c_str());
      }
      if (!s.ok()) {
        Exec("ROLLBACK;").IgnoreError();
        return s;
      }
      KEEP_RETURN_IF_ERROR(Exec("COMMIT;"));
      log::Info("store: migrated schema to version {}", v + 1);
    }
    version_ = latest;
    return Status::Ok();
  }

  Result<std::optional<Bytes>> Get(std::string_view path) override {
    std::lock_guard lock(mu_);
    KEEP_ASSIGN_OR_RETURN(Reused st, Cached("SELECT value FROM records WHERE path = ?1;"));
    sqlite3_bind_text(st.get(), 1, path.data(), static_cast<int>(path.size()), SQLITE_STATIC);
    const int rc = sqlite3_step(st.get());
    if (rc == SQLITE_DONE) return std::optional<Bytes>();
    if (rc != SQLITE_ROW) return Error("get");
    return std::optional<Bytes>(Column(st.get(), 0));
  }

  Result<std::vector<Record>> List(std::string_view prefix, std::string_view after,
                                   size_t limit) override {
    std::lock_guard lock(mu_);
    // Range scan on the primary key: prefix <= path < prefix + 0xFF.
    KEEP_ASSIGN_OR_RETURN(Reused st,
                          Cached("SELECT path, value FROM records WHERE path >= ?1 AND path < ?2 "
                                 "AND path > ?3 ORDER BY path LIMIT ?4;"));
    std::string upper(prefix);
    upper.push_back('\x7f');
    sqlite3_bind_text(st.get(), 1, prefix.data(), static_cast<int>(prefix.size()), SQLITE_STATIC);
    sqlite3_bind_text(st.get(), 2, upper.data(), static_cast<int>(upper.size()), SQLITE_STATIC);
    sqlite3_bind_text(st.get(), 3, after.data(), static_cast<int>(after.size()), SQLITE_STATIC);
    sqlite3_bind_int64(st.get(), 4, static_cast<sqlite3_int64>(std::min<size_t>(limit, INT64_MAX)));
    std::vector<Record> out;
    int rc;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0));
      out.push_back({std::string(p, static_cast<size_t>(sqlite3_column_bytes(st.get(), 0))),
                     Column(st.get(), 1)});
    }
    if (rc != SQLITE_DONE) return Error("list");
    return out;
  }

  Status Commit(std::span<const WriteOp> ops) override {
    for (const auto& op : ops) KEEP_RETURN_IF_ERROR(ValidatePath(op.path));
    std::lock_guard lock(mu_);
    KEEP_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE;"));
    Status s = ApplyAll(ops);
    if (!s.ok()) {
      Exec("ROLLBACK;").IgnoreError();
      return s;
    }
    return Exec("COMMIT;");
  }

  int SchemaVersion() override { return version_; }

 private:
  Status ApplyAll(std::span<const WriteOp> ops) {
    for (const auto& op : ops) {
      const char* sql = op.kind == WriteOp::Kind::kPut
                            ? "INSERT OR REPLACE INTO records (path, value) VALUES (?1, ?2);"
                        : op.kind == WriteOp::Kind::kCreate
                            ? "INSERT INTO records (path, value) VALUES (?1, ?2);"
                        : op.kind == WriteOp::Kind::kRewrite
                            ? "UPDATE records SET value = ?2 WHERE path = ?1 AND value = ?3;"
                            : "DELETE FROM records WHERE path = ?1;";
      KEEP_ASSIGN_OR_RETURN(Reused st, Cached(sql));
      sqlite3_bind_text(st.get(), 1, op.path.data(), static_cast<int>(op.path.size()),
                        SQLITE_STATIC);
      auto bind_blob = [&st](int i, const Bytes& b) {
        sqlite3_bind_blob64(st.get(), i, b.empty() ? "" : static_cast<const void*>(b.data()),
                            b.size(), SQLITE_STATIC);
      };
      if (op.kind != WriteOp::Kind::kDelete) bind_blob(2, op.value);
      if (op.kind == WriteOp::Kind::kRewrite) bind_blob(3, op.expected);
      const int rc = sqlite3_step(st.get());
      if (rc == SQLITE_CONSTRAINT) return AlreadyExists("a record already exists at " + op.path);
      if (rc != SQLITE_DONE) return Error("commit");
      if (op.kind == WriteOp::Kind::kRewrite && sqlite3_changes(db_.get()) != 1) {
        return Status(Code::kFailedPrecondition, "conflict",
                      "the record at " + op.path + " changed");
      }
    }
    return Status::Ok();
  }

  Result<int> ReadVersion() {
    KEEP_ASSIGN_OR_RETURN(StmtPtr st, Prepare("SELECT version FROM schema_version LIMIT 1;"));
    const int rc = sqlite3_step(st.get());
    if (rc == SQLITE_DONE) return 0;
    if (rc != SQLITE_ROW) return Error("schema version");
    return sqlite3_column_int(st.get(), 0);
  }

  static Bytes Column(sqlite3_stmt* st, int i) {
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(st, i));
    const int n = sqlite3_column_bytes(st, i);
    return p ? Bytes(p, p + n) : Bytes();
  }

  // A statement prepared once per SQL text (a string literal: its address is the key) and
  // reset, its bindings cleared, when the Reused handle goes. Under mu_.
  class Reused {
   public:
    explicit Reused(sqlite3_stmt* s) : s_(s) {}
    Reused(Reused&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    Reused& operator=(Reused&&) = delete;
    ~Reused() {
      if (s_ != nullptr) {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
      }
    }
    sqlite3_stmt* get() const { return s_; }

   private:
    sqlite3_stmt* s_;
  };
  Result<Reused> Cached(const char* sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      KEEP_ASSIGN_OR_RETURN(StmtPtr st, Prepare(sql));
      it = cache_.emplace(sql, std::move(st)).first;
    }
    return Reused(it->second.get());
  }

  Result<StmtPtr> Prepare(const char* sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql, -1, &st, nullptr) != SQLITE_OK) return Error("prepare");
    return StmtPtr(st);
  }

  // SQLite's online backup API into an in-memory database, then serialised.
  Result<Bytes> Snapshot() override {
    sqlite3* raw = nullptr;
    if (sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
      sqlite3_close_v2(raw);
      return Internal("sqlite: cannot open a database for the snapshot");
    }
    DbPtr copy(raw);
    {
      std::lock_guard lock(mu_);
      sqlite3_backup* b = sqlite3_backup_init(copy.get(), "main", db_.get(), "main");
      if (b == nullptr)
        return Internal(std::string("sqlite backup: ") + sqlite3_errmsg(copy.get()));
      const int rc = sqlite3_backup_step(b, -1);
      sqlite3_backup_finish(b);
      if (rc != SQLITE_DONE) return Internal(std::string("sqlite backup: ") + sqlite3_errstr(rc));
    }
    sqlite3_int64 size = 0;
    unsigned char* data = sqlite3_serialize(copy.get(), "main", &size, 0);
    if (data == nullptr) return Internal("sqlite: cannot serialise the snapshot");
    Bytes out(data, data + size);
    sqlite3_free(data);
    return out;
  }

  Status Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err) != SQLITE_OK) {
      log::Error("sqlite: {}", err ? err : "unknown error");
      sqlite3_free(err);
      return Internal("store failure");
    }
    return Status::Ok();
  }
  Status Exec(const std::string& sql) { return Exec(sql.c_str()); }

  Status Error(const char* what) {
    log::Error("sqlite {}: {}", what, sqlite3_errmsg(db_.get()));
    return Internal("store failure");
  }

  std::mutex mu_;
  DbPtr db_;
  std::unordered_map<const char*, StmtPtr> cache_;  // destroyed before db_ closes
  int version_ = 0;
};

}  // namespace

Status CheckSqliteFile(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  DbPtr db(raw);
  if (rc != SQLITE_OK) return Unavailable("store_unavailable", "cannot open " + path);
  sqlite3_stmt* raw_stmt = nullptr;
  if (sqlite3_prepare_v2(db.get(), "PRAGMA integrity_check;", -1, &raw_stmt, nullptr) !=
      SQLITE_OK) {
    return Status(Code::kInvalidArgument, "invalid_snapshot",
                  std::string("not a usable database: ") + sqlite3_errmsg(db.get()));
  }
  StmtPtr stmt(raw_stmt);
  std::string first;
  const int step = sqlite3_step(stmt.get());
  if (step == SQLITE_ROW) {
    const unsigned char* t = sqlite3_column_text(stmt.get(), 0);
    first = t ? reinterpret_cast<const char*>(t) : "";
  } else {
    first = sqlite3_errmsg(db.get());
  }
  if (first != "ok") {
    return Status(Code::kInvalidArgument, "invalid_snapshot",
                  "the database fails SQLite's integrity check: " + first.substr(0, 200));
  }
  return Status::Ok();
}

int SqliteLatestSchemaVersion() {
  return static_cast<int>(std::size(kMigrations));
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  DbPtr db(raw);
  if (rc != SQLITE_OK) {
    log::Error("sqlite open {}: {}", path, raw ? sqlite3_errmsg(raw) : "out of memory");
    return Unavailable("store_unavailable", "cannot open the database file " + path);
  }
  sqlite3_busy_timeout(db.get(), 5000);
  auto store = std::make_unique<SqliteStore>(std::move(db));
  KEEP_RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace keep::store
