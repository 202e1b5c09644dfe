// SQLiteStore: the embedded Store backend on one SQLite file.
//
// Opens (creating if needed) the database with WAL journaling, synchronous=FULL and a
// busy timeout, then applies pending schema migrations inside a transaction, recording
// the version in `schema_version`. Opening a file whose schema is newer than this
// build knows fails with kFailedPrecondition rather than guessing.
// Thread-safe: one connection guarded by a mutex (SQLite serialises writers anyway).
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace keep::store {

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

// Runs SQLite's integrity check on the file at `path` (opened read-only). Errors:
// kInvalidArgument "invalid_snapshot" naming the first problem; kUnavailable when the file
// cannot be opened.
Status CheckSqliteFile(const std::string& path);

// The migrations this build applies, in order; migration i brings the schema to i+1.
int SqliteLatestSchemaVersion();

}  // namespace keep::store
