#include "access/aws_key_store.h"

#include <boost/json.hpp>
#include <mutex>

#include "common/encoding.h"
#include "common/time.h"
#include "crypto/random.h"

namespace keep::access {
namespace {

namespace json = boost::json;

constexpr std::string_view kPrefix = "awskey/";
constexpr std::string_view kIdPrefix = "KEEP";
constexpr size_t kSecretChars = 40;

std::string MetaJson(const AwsKeyInfo& k) {
  json::array pols;
  for (const auto& p : k.policies) pols.emplace_back(p);
  return json::serialize(json::object{{"display_name", k.display_name},
                                      {"policies", std::move(pols)},
                                      {"creator", k.creator},
                                      {"created_at", k.created_at},
                                      {"expires_at", k.expires_at}});
}

// A stored record: u8 secret length ‖ secret ‖ meta JSON (under the barrier).
Result<std::pair<AwsKeyInfo, crypto::SecretBytes>> ParseRecord(std::string_view id, ByteView rec) {
  if (rec.empty() || rec[0] != kSecretChars || rec.size() < 1 + kSecretChars) {
    return DataLoss("a stored AWS access key is malformed");
  }
  crypto::SecretBytes secret = crypto::SecretBytes::LockedCopyOf(rec.subspan(1, kSecretChars));
  boost::system::error_code ec;
  const json::value v = json::parse(AsChars(rec.subspan(1 + kSecretChars)), ec);
  if (ec || !v.is_object()) return DataLoss("a stored AWS access key is malformed");
  const auto& o = v.get_object();
  AwsKeyInfo k;
  k.access_key_id = std::string(id);
  if (auto* d = o.if_contains("display_name"); d && d->is_string())
    k.display_name = d->get_string();
  if (auto* p = o.if_contains("policies"); p && p->is_array()) {
    for (const auto& pol : p->get_array()) {
      if (pol.is_string()) k.policies.emplace_back(pol.get_string());
    }
  }
  if (auto* c = o.if_contains("creator"); c && c->is_string()) k.creator = c->get_string();
  if (auto* c = o.if_contains("created_at"); c && c->is_int64()) k.created_at = c->get_int64();
  if (auto* e = o.if_contains("expires_at"); e && e->is_int64()) k.expires_at = e->get_int64();
  return std::pair{std::move(k), std::move(secret)};
}

// "KEEP" + 16 characters of RFC 4648 base32 (10 random bytes).
Result<std::string> NewId() {
  static constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  uint8_t raw[10];
  KEEP_RETURN_IF_ERROR(crypto::RandomFill(raw));
  std::string id(kIdPrefix);
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : raw) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      id += kBase32[(acc >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return id;
}

}  // namespace

AwsKeyStore::AwsKeyStore(keys::Barrier& barrier, Clock clock)
    : barrier_(barrier), clock_(clock ? std::move(clock) : Clock([] { return NowUnix(); })) {}

Result<NewAwsKey> AwsKeyStore::Create(std::string display_name, std::vector<std::string> policies,
                                      std::string creator, int64_t expires_at) {
  NewAwsKey out;
  KEEP_ASSIGN_OR_RETURN(out.info.access_key_id, NewId());
  out.info.display_name = std::move(display_name);
  out.info.policies = std::move(policies);
  out.info.creator = std::move(creator);
  out.info.created_at = clock_();
  out.info.expires_at = expires_at;
  // The secret: 30 random bytes as 40 base64 characters, built in locked memory.
  KEEP_ASSIGN_OR_RETURN(const crypto::SecretBytes raw, crypto::RandomSecret(30));
  const SecretString text = [&] {
    SecretString s;
    AppendBase64(s, raw.view());
    return s;
  }();
  out.secret = crypto::SecretBytes::LockedCopyOf(AsBytes(text.view()));
  const std::string meta = MetaJson(out.info);
  crypto::SecretBytes rec = crypto::SecretBytes::Locked(1 + kSecretChars + meta.size());
  rec.data()[0] = static_cast<uint8_t>(kSecretChars);
  std::copy(out.secret.view().begin(), out.secret.view().end(), rec.data() + 1);
  std::copy(meta.begin(), meta.end(), rec.data() + 1 + kSecretChars);
  std::unique_lock lock(mu_);
  if (!loaded_) return Unavailable("sealed", "keep is sealed");
  const keys::BarrierWrite w{store::WriteOp::Kind::kCreate,
                             std::string(kPrefix) + out.info.access_key_id, rec.view()};
  KEEP_RETURN_IF_ERROR(barrier_.Commit({&w, 1}));
  keys_[out.info.access_key_id] =
      Entry{out.info, out.secret.Clone(), std::make_shared<SigningCache>()};
  return out;
}

Result<Identity> AwsKeyStore::Verify(const SigV4Claim& claim) const {
  std::shared_lock lock(mu_);
  if (!loaded_) return Unavailable("sealed", "keep is sealed");
  auto it = keys_.find(claim.access_key_id);
  if (it == keys_.end()) return Unauthenticated(std::string(kUnknownAccessKey));
  const AwsKeyInfo& k = it->second.info;
  if (k.expires_at != 0 && clock_() >= k.expires_at) {
    return Unauthenticated(std::string(kUnknownAccessKey));
  }
  {
    SigningCache& c = *it->second.cache;
    const std::string scope = claim.date + "/" + claim.region + "/" + claim.service;
    std::lock_guard cache_lock(c.mu);
    if (c.scope != scope || c.key.empty()) {
      KEEP_ASSIGN_OR_RETURN(c.key, SigV4SigningKey(it->second.secret.view(), claim.date,
                                                   claim.region, claim.service));
      c.scope = scope;
    }
    KEEP_RETURN_IF_ERROR(VerifySigV4With(claim, c.key.view()));
  }
  return Identity{"aws:" + k.access_key_id, k.display_name, k.policies, "", k.expires_at};
}

Result<bool> AwsKeyStore::Known(std::string_view id) const {
  std::shared_lock lock(mu_);
  if (!loaded_) return Unavailable("sealed", "keep is sealed");
  auto it = keys_.find(id);
  return it != keys_.end() &&
         (it->second.info.expires_at == 0 || clock_() < it->second.info.expires_at);
}

std::vector<AwsKeyInfo> AwsKeyStore::List() const {
  std::shared_lock lock(mu_);
  std::vector<AwsKeyInfo> out;
  for (const auto& [id, e] : keys_) out.push_back(e.info);
  return out;
}

Result<AwsKeyInfo> AwsKeyStore::Info(std::string_view id) const {
  std::shared_lock lock(mu_);
  auto it = keys_.find(id);
  if (it == keys_.end()) {
    return NotFound("no AWS access key '" + std::string(id.substr(0, 40)) + "'");
  }
  return it->second.info;
}

Status AwsKeyStore::Revoke(std::string_view id) {
  std::unique_lock lock(mu_);
  auto it = keys_.find(id);
  if (it == keys_.end()) {
    return NotFound("no AWS access key '" + std::string(id.substr(0, 40)) + "'");
  }
  const keys::BarrierWrite w{store::WriteOp::Kind::kDelete, std::string(kPrefix) + it->first, {}};
  KEEP_RETURN_IF_ERROR(barrier_.Commit({&w, 1}));
  keys_.erase(it);
  return Status::Ok();
}

Status AwsKeyStore::Load() {
  std::map<std::string, Entry, std::less<>> loaded;
  std::string after;
  for (;;) {
    KEEP_ASSIGN_OR_RETURN(auto page, barrier_.List(kPrefix, after, 500));
    for (const auto& rec : page) {
      const std::string id = rec.path.substr(kPrefix.size());
      KEEP_ASSIGN_OR_RETURN(auto parsed, ParseRecord(id, rec.value.view()));
      loaded[id] = Entry{std::move(parsed.first), std::move(parsed.second),
                         std::make_shared<SigningCache>()};
    }
    if (page.size() < 500) break;
    after = page.back().path;
  }
  std::unique_lock lock(mu_);
  keys_ = std::move(loaded);
  loaded_ = true;
  return Status::Ok();
}

void AwsKeyStore::Clear() {
  std::unique_lock lock(mu_);
  keys_.clear();  // SecretBytes wipe themselves
  loaded_ = false;
}

}  // namespace keep::access
