// Snapshot encoding and strict decoding.
#include "store/snapshot.h"

#include <openssl/evp.h>

#include <array>
#include <boost/json.hpp>
#include <cstring>

#include "common/encoding.h"

namespace keep::store {
namespace {

namespace json = boost::json;

constexpr char kMagic[8] = {'K', 'E', 'E', 'P', 'S', 'N', 'A', 'P'};
constexpr uint8_t kVersion = 1;
constexpr size_t kFixed = 8 + 1 + 4;
constexpr size_t kDigest = 32;
constexpr char kSqliteMagic[16] = "SQLite format 3";  // with its NUL

std::array<uint8_t, kDigest> Sha256(std::span<const uint8_t> data) {
  std::array<uint8_t, kDigest> md{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr);
  return md;
}

Status Bad(std::string what) {
  return Status(Code::kInvalidArgument, "invalid_snapshot", "not a usable keep snapshot: " + what);
}

bool IsSqlite(std::span<const uint8_t> db) {
  return db.size() >= 512 && std::memcmp(db.data(), kSqliteMagic, sizeof kSqliteMagic) == 0;
}

bool IsHex32(std::string_view s) {
  if (s.size() != 32) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

Result<Bytes> EncodeSnapshot(SnapshotInfo info, std::span<const uint8_t> database) {
  if (!IsSqlite(database)) return InvalidArgument("the database is not a SQLite file");
  info.database_bytes = database.size();
  const std::string header = json::serialize(json::object{
      {"created", info.created},
      {"deployment", info.deployment},
      {"keep_version", info.keep_version},
      {"keyring_term", info.keyring_term},
      {"schema", info.schema},
      {"backend", info.backend},
      {"database_bytes", info.database_bytes},
  });
  Bytes out;
  out.reserve(kFixed + header.size() + database.size() + kDigest);
  out.insert(out.end(), kMagic, kMagic + sizeof kMagic);
  out.push_back(kVersion);
  const auto h = static_cast<uint32_t>(header.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(h >> shift));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), database.begin(), database.end());
  const auto md = Sha256(out);
  out.insert(out.end(), md.begin(), md.end());
  return out;
}

Result<Snapshot> DecodeSnapshot(std::span<const uint8_t> b) {
  if (b.size() < sizeof kMagic || std::memcmp(b.data(), kMagic, sizeof kMagic) != 0) {
    return Bad("not a keep snapshot (no KEEPSNAP magic)");
  }
  if (b.size() < kFixed + kDigest) return Bad("truncated");
  if (b[8] != kVersion) return Bad("snapshot format version " + std::to_string(b[8]) + " is not 1");
  const uint32_t h =
      (uint32_t{b[9]} << 24) | (uint32_t{b[10]} << 16) | (uint32_t{b[11]} << 8) | b[12];
  if (h == 0 || h > kSnapshotHeaderMax)
    return Bad("header length " + std::to_string(h) + " out of range");
  if (b.size() < kFixed + h + kDigest) return Bad("truncated");
  const auto body = b.first(b.size() - kDigest);
  const auto md = Sha256(body);
  if (std::memcmp(md.data(), b.data() + body.size(), kDigest) != 0) {
    return Bad("checksum mismatch: the file is corrupt or was cut short");
  }
  json::error_code ec;
  const json::value v =
      json::parse(std::string_view(reinterpret_cast<const char*>(b.data() + kFixed), h), ec);
  if (ec || !v.is_object()) return Bad("the header is not a JSON object");
  const json::object& o = v.as_object();
  Snapshot s;
  auto str = [&](const char* k, std::string* out) -> Status {
    const json::value* f = o.if_contains(k);
    if (f == nullptr || !f->is_string())
      return Bad(std::string("header field ") + k + " missing or not a string");
    *out = std::string(f->as_string());
    return Status::Ok();
  };
  auto num = [&](const char* k, int64_t* out) -> Status {
    const json::value* f = o.if_contains(k);
    if (f == nullptr || !(f->is_int64() || f->is_uint64())) {
      return Bad(std::string("header field ") + k + " missing or not an integer");
    }
    if (f->is_uint64() && f->as_uint64() > static_cast<uint64_t>(INT64_MAX)) {
      return Bad(std::string("header field ") + k + " out of range");
    }
    *out = f->is_int64() ? f->as_int64() : static_cast<int64_t>(f->as_uint64());
    if (*out < 0) return Bad(std::string("header field ") + k + " is negative");
    return Status::Ok();
  };
  int64_t schema = 0, db_bytes = 0;
  KEEP_RETURN_IF_ERROR(num("created", &s.info.created));
  KEEP_RETURN_IF_ERROR(str("deployment", &s.info.deployment));
  KEEP_RETURN_IF_ERROR(str("keep_version", &s.info.keep_version));
  KEEP_RETURN_IF_ERROR(num("keyring_term", &s.info.keyring_term));
  KEEP_RETURN_IF_ERROR(num("schema", &schema));
  KEEP_RETURN_IF_ERROR(str("backend", &s.info.backend));
  KEEP_RETURN_IF_ERROR(num("database_bytes", &db_bytes));
  if (!IsHex32(s.info.deployment)) return Bad("the deployment id is not 32 hex digits");
  if (s.info.backend != "sqlite") return Bad("backend \"" + s.info.backend + "\" is not sqlite");
  if (schema > 1'000'000) return Bad("schema version out of range");
  s.info.schema = static_cast<int>(schema);
  s.info.database_bytes = static_cast<uint64_t>(db_bytes);
  if (s.info.database_bytes != body.size() - kFixed - h) {
    return Bad("the header's database length does not match the file");
  }
  s.database = body.subspan(kFixed + h);
  if (!IsSqlite(s.database)) return Bad("the database inside is not a SQLite file");
  return s;
}

std::string SnapshotChecksum(std::span<const uint8_t> snapshot) {
  if (snapshot.size() < kDigest) return "";
  return HexEncode(snapshot.last(kDigest));
}

}  // namespace keep::store
