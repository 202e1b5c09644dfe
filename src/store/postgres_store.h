// PostgresStore: the Store backend on a PostgreSQL server, for several keepd nodes.
//
// `conninfo` is a libpq connection string (e.g. "host=db port=5432 dbname=keep user=keep
// sslmode=verify-full sslrootcert=/etc/keep/db-ca.pem"): TLS to the database is libpq's.
// A small pool of connections serves concurrent callers; a broken connection is reset
// and the operation retried once when it had not started a transaction.
// Schema migrations run under a transaction-scoped advisory lock, so nodes starting
// together migrate once. Paths use the "C" collation so listing order is bytewise, as
// in SQLite. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace keep::store {

// Errors: kUnavailable when the server cannot be reached, kFailedPrecondition
// "schema_too_new" when the schema is newer than this build.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& conninfo, int pool_size = 4);

}  // namespace keep::store
