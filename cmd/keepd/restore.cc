// keepd --restore: a snapshot back in place of the SQLite store.
#include "restore.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/output_file.h"
#include "common/time.h"
#include "store/snapshot.h"
#include "store/sqlite_store.h"

namespace keep::keepd {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMaxSnapshotBytes = 64ull << 30;

Result<Bytes> ReadWhole(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return InvalidArgument("cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return InvalidArgument(path + " is not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxSnapshotBytes) {
    ::close(fd);
    return Status(Code::kInvalidArgument, "invalid_snapshot", path + " is larger than 64 GiB");
  }
  Bytes b(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < b.size()) {
    const ssize_t n = ::read(fd, b.data() + got, b.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  if (got != b.size()) return InvalidArgument("cannot read all of " + path);
  return b;
}

// core/deployment of the SQLite store at `path` ("" when it has none).
Result<std::string> DeploymentOf(const std::string& path) {
  KEEP_ASSIGN_OR_RETURN(auto st, store::OpenSqliteStore(path));
  KEEP_ASSIGN_OR_RETURN(auto v, st->Get("core/deployment"));
  return v ? std::string(v->begin(), v->end()) : std::string();
}

}  // namespace

Result<int> LockSqliteStore(const std::string& db_path) {
  const std::string lock = db_path + ".lock";
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Unavailable("store_unavailable", "cannot open " + lock + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Unavailable("store_unavailable",
                       "another keepd is running on " + db_path + " (it holds " + lock + ")");
  }
  return fd;
}

Status Restore(const Config& cfg, const std::string& snapshot_path, std::ostream& out) {
  if (cfg.storage_backend != "sqlite") {
    return FailedPrecondition("usage",
                              "keepd --restore is for SQLite stores; a PostgreSQL store is "
                              "restored with pg_restore (docs/operations.md)");
  }
  KEEP_ASSIGN_OR_RETURN(const Bytes bytes, ReadWhole(snapshot_path));
  KEEP_ASSIGN_OR_RETURN(const store::Snapshot snap, store::DecodeSnapshot(bytes));
  if (snap.info.schema > store::SqliteLatestSchemaVersion()) {
    return FailedPrecondition("schema_too_new",
                              "the snapshot's schema (version " + std::to_string(snap.info.schema) +
                                  ") is newer than this keepd knows: restore with keep " +
                                  snap.info.keep_version + " or later");
  }
  const std::string db = cfg.storage_path;
  fs::create_directories(fs::path(db).parent_path());
  KEEP_ASSIGN_OR_RETURN(const int lock_fd, LockSqliteStore(db));
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }
  } unlock{lock_fd};

  const std::string staged = db + ".restoring";
  auto discard = [&] {
    for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((staged + suffix).c_str());
  };
  discard();
  KEEP_RETURN_IF_ERROR(OutputFile::WriteWhole(staged, snap.database, {.mode = 0600}));
  if (Status st = store::CheckSqliteFile(staged); !st.ok()) {
    discard();
    return st;
  }
  auto inside = DeploymentOf(staged);
  if (!inside.ok() || *inside != snap.info.deployment) {
    discard();
    return Status(Code::kInvalidArgument, "invalid_snapshot",
                  "the snapshot's database does not belong to the deployment its header names");
  }
  if (fs::exists(db)) {
    auto current = DeploymentOf(db);
    if (!current.ok()) {
      discard();
      return current.status();
    }
    if (!current->empty() && *current != snap.info.deployment) {
      discard();
      return Status(Code::kInvalidArgument, "foreign_snapshot",
                    "the snapshot is of deployment " + snap.info.deployment + ", the store at " +
                        db + " belongs to deployment " + *current +
                        ": refusing to replace it (move it aside first to restore there anyway)");
    }
  }
  // The old database's WAL would be replayed into the new one: it goes first.
  for (const char* suffix : {"-wal", "-shm"}) ::unlink((db + suffix).c_str());
  if (::rename(staged.c_str(), db.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    discard();
    return Internal("cannot move the restored database into place: " + why);
  }
  for (const char* suffix : {"-wal", "-shm"}) ::unlink((staged + suffix).c_str());
  if (const int dir =
          ::open(fs::path(db).parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  out << "restored " << db << " from " << snapshot_path << " (deployment " << snap.info.deployment
      << ", keyring term " << snap.info.keyring_term << ", taken "
      << FormatRfc3339(snap.info.created) << ", sha256 " << store::SnapshotChecksum(bytes) << ")\n"
      << "Start keepd and unseal with the shares (or HSM key) valid when it was taken.\n";
  return Status::Ok();
}

}  // namespace keep::keepd
