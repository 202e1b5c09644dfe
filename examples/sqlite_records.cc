// sqlite_records KEY DB N: stores N card numbers in a SQLite table, each encrypted as a
// record bound to its table and row id (data keys shared per table), reads them back, and
// shows that a record copied into another row does not decrypt.
#include <keep/envelope.h>
#include <sqlite3.h>

#include <string>

#include "common.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: sqlite_records KEY DB N\n");
    return 2;
  }
  auto client = ClientFromEnvironment();
  keep::Envelope env(*client, {.key = argv[1], .partition_by = std::vector<std::string>{"table"}});
  const int n = std::atoi(argv[3]);
  sqlite3* db = nullptr;
  if (sqlite3_open(argv[2], &db) != SQLITE_OK) return 1;
  sqlite3_exec(db, "CREATE TABLE cards (id INTEGER PRIMARY KEY, number BLOB)", nullptr, nullptr,
               nullptr);
  auto ctx = [](int row) {
    return keep::EncryptionContext{{"table", "cards"}, {"row", std::to_string(row)}};
  };
  sqlite3_stmt* ins = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO cards VALUES (?, ?)", -1, &ins, nullptr);
  for (int i = 1; i <= n; ++i) {
    auto r = env.Encrypt("4111 0000 0000 " + std::to_string(1000 + i), ctx(i));
    if (!r.ok()) return std::fprintf(stderr, "%s\n", r.status().ToString().c_str()), 1;
    sqlite3_bind_int(ins, 1, i);
    sqlite3_bind_blob(ins, 2, r->data(), static_cast<int>(r->size()), SQLITE_TRANSIENT);
    sqlite3_step(ins);
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  sqlite3_stmt* sel = nullptr;
  sqlite3_prepare_v2(db, "SELECT id, number FROM cards ORDER BY id", -1, &sel, nullptr);
  int read = 0;
  std::string first_blob;
  while (sqlite3_step(sel) == SQLITE_ROW) {
    const int id = sqlite3_column_int(sel, 0);
    const std::string blob(static_cast<const char*>(sqlite3_column_blob(sel, 1)),
                           static_cast<size_t>(sqlite3_column_bytes(sel, 1)));
    if (first_blob.empty()) first_blob = blob;
    auto p = env.Decrypt(blob, ctx(id));
    if (!p.ok() || p->view() != "4111 0000 0000 " + std::to_string(1000 + id)) return 1;
    ++read;
  }
  sqlite3_finalize(sel);
  sqlite3_close(db);
  auto moved = env.Decrypt(first_blob, ctx(2));  // row 1's record read as row 2's
  std::printf("%d rows written and read back, %llu keepd call(s); row 1 as row 2: %s\n", read,
              static_cast<unsigned long long>(env.encrypt_cache().misses),
              moved.ok() ? "DECRYPTED (wrong)" : std::string(moved.status().reason()).c_str());
  return read == n && !moved.ok() ? 0 : 1;
}
