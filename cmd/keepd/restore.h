// keepd --restore FILE: puts a snapshot made by `keep operator backup` in place of the
// SQLite store the config names, with keepd stopped.
//
// Refused, with the store untouched: a file that is not a keep snapshot or is corrupt
// (store/snapshot.h checks every byte), a database that fails SQLite's integrity check, a
// schema newer than this keepd, a snapshot whose database disagrees with its header, a
// snapshot of another deployment (the store in place has another core/deployment), a
// PostgreSQL store (pg_restore), and a keepd still running on the store (it holds the
// store's lock file). The new database is written beside the old one and renamed over it
// (the old WAL removed first), so a failure at any step leaves the old store as it was.
#pragma once

#include <ostream>
#include <string>

#include "config.h"
#include "keep/result.h"

namespace keep::keepd {

// Takes the lock every keepd holds on its SQLite store for its whole life ("<db>.lock",
// flock): the returned descriptor is never closed by the caller. Errors: kUnavailable
// "store_unavailable" when another keepd holds it.
Result<int> LockSqliteStore(const std::string& db_path);

// Restores `snapshot_path` into cfg's store; a summary goes to `out`. Errors: as above,
// each with its reason ("invalid_snapshot", "foreign_snapshot", "schema_too_new",
// "store_unavailable").
Status Restore(const Config& cfg, const std::string& snapshot_path, std::ostream& out);

}  // namespace keep::keepd
