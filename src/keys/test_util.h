// Shared fixture pieces for keys tests: a temp dir with a real SQLite store.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "store/sqlite_store.h"

namespace keep::keys::testing {

class TempStore {
 public:
  TempStore() {
    static int n = 0;
    dir_ = std::filesystem::temp_directory_path() /
           ("keep-keys-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    Reopen();
  }
  ~TempStore() {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    store_.reset();
    auto s = store::OpenSqliteStore(db_path());
    EXPECT_TRUE(s.ok()) << s.status();
    if (s.ok()) store_ = std::move(s).value();
  }
  std::string db_path() const { return (dir_ / "keep.db").string(); }
  store::Store& store() { return *store_; }
  // Every byte SQLite has written: the main file and the WAL.
  std::string RawFiles() const {
    std::string all;
    for (const char* suffix : {"", "-wal"}) {
      std::ifstream in(db_path() + suffix, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      all += ss.str();
    }
    return all;
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

inline bool Contains(const std::string& haystack, ByteView needle) {
  return haystack.find(std::string(AsChars(needle))) != std::string::npos;
}

}  // namespace keep::keys::testing
