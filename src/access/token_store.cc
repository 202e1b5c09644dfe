#include "access/token_store.h"

#include <openssl/crypto.h>

#include <boost/json.hpp>
#include <mutex>
#include <set>

#include "common/encoding.h"
#include "common/time.h"
#include "crypto/kdf.h"
#include "crypto/random.h"

namespace keep::access {
namespace {

namespace json = boost::json;

constexpr std::string_view kKeyPath = "core/token-key";
constexpr std::string_view kTokenPrefix = "token/";
constexpr std::string_view kTokenTextPrefix = "keep_";
constexpr size_t kAccessorLen = 16;

std::string MetaJson(const TokenInfo& t) {
  json::array pols;
  for (const auto& p : t.policies) pols.emplace_back(p);
  return json::serialize(json::object{{"display_name", t.display_name},
                                      {"policies", std::move(pols)},
                                      {"parent", t.parent},
                                      {"created_at", t.created_at},
                                      {"expires_at", t.expires_at}});
}

Result<TokenInfo> ParseMeta(std::string_view hmac_hex, std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return DataLoss("a stored token is malformed");
  const auto& o = v.get_object();
  TokenInfo t;
  t.accessor = std::string(hmac_hex.substr(0, kAccessorLen));
  if (auto* d = o.if_contains("display_name"); d && d->is_string())
    t.display_name = d->get_string();
  if (auto* p = o.if_contains("policies"); p && p->is_array()) {
    for (const auto& pol : p->get_array()) {
      if (pol.is_string()) t.policies.emplace_back(pol.get_string());
    }
  }
  if (auto* p = o.if_contains("parent"); p && p->is_string()) t.parent = p->get_string();
  if (auto* c = o.if_contains("created_at"); c && c->is_int64()) t.created_at = c->get_int64();
  if (auto* e = o.if_contains("expires_at"); e && e->is_int64()) t.expires_at = e->get_int64();
  return t;
}

}  // namespace

TokenStore::TokenStore(keys::Barrier& barrier, Clock clock)
    : barrier_(barrier), clock_(clock ? std::move(clock) : Clock([] { return NowUnix(); })) {}

Result<std::string> TokenStore::Hmac(std::string_view token) const {
  if (!hmac_state_) return Unavailable("sealed", "keep is sealed");
  uint8_t mac[crypto::kSha256Size];
  KEEP_RETURN_IF_ERROR(hmac_state_->Compute({AsBytes(token)}, mac));
  return HexEncode(mac);
}

Status TokenStore::SetKey(crypto::SecretBytes key) {
  KEEP_ASSIGN_OR_RETURN(crypto::HmacKey state, crypto::HmacKey::Create(key.view()));
  hmac_key_ = std::move(key);
  hmac_state_ = std::move(state);
  return Status::Ok();
}

// Makes a token for `info`, stores it (with the token key when `first`). Caller holds mu_.
Result<NewToken> TokenStore::Mint(const TokenInfo& info, bool first) {
  KEEP_ASSIGN_OR_RETURN(auto raw, crypto::RandomSecret(32));
  // Build "keep_" + base64url(raw) without passing through a std::string.
  std::string enc = Base64UrlEncode(raw.view());
  NewToken out;
  out.token = crypto::SecretBytes(kTokenTextPrefix.size() + enc.size());
  std::copy(kTokenTextPrefix.begin(), kTokenTextPrefix.end(), out.token.data());
  std::copy(enc.begin(), enc.end(), out.token.data() + kTokenTextPrefix.size());
  OPENSSL_cleanse(enc.data(), enc.size());
  KEEP_ASSIGN_OR_RETURN(std::string hmac, Hmac(AsChars(out.token.view())));
  out.info = info;
  out.info.accessor = hmac.substr(0, kAccessorLen);
  const std::string meta = MetaJson(out.info);
  std::vector<keys::BarrierWrite> writes;
  if (first)
    writes.push_back({store::WriteOp::Kind::kCreate, std::string(kKeyPath), hmac_key_.view()});
  writes.push_back(
      {store::WriteOp::Kind::kCreate, std::string(kTokenPrefix) + hmac, AsBytes(meta)});
  KEEP_RETURN_IF_ERROR(barrier_.Commit(writes));
  by_hmac_[hmac] = out.info;
  return out;
}

Result<crypto::SecretBytes> TokenStore::CreateRoot() {
  KEEP_ASSIGN_OR_RETURN(auto key, crypto::RandomSecret(32));
  std::unique_lock lock(mu_);
  KEEP_RETURN_IF_ERROR(SetKey(std::move(key)));
  TokenInfo info;
  info.display_name = "root";
  info.policies = {"root"};
  info.created_at = clock_();
  KEEP_ASSIGN_OR_RETURN(NewToken t, Mint(info, /*first=*/true));
  return std::move(t.token);
}

Result<NewToken> TokenStore::Create(std::string display_name, std::vector<std::string> policies,
                                    std::string parent, int64_t expires_at) {
  TokenInfo info;
  info.display_name = std::move(display_name);
  info.policies = std::move(policies);
  info.parent = std::move(parent);
  info.created_at = clock_();
  info.expires_at = expires_at;
  std::unique_lock lock(mu_);
  if (hmac_key_.empty()) return Unavailable("sealed", "keep is sealed");
  return Mint(info, /*first=*/false);
}

Status TokenStore::Load() {
  KEEP_ASSIGN_OR_RETURN(auto key, barrier_.Get(kKeyPath));
  if (!key || key->size() != 32) return DataLoss("the token key is missing");
  std::map<std::string, TokenInfo, std::less<>> tokens;
  std::string after;
  for (;;) {
    KEEP_ASSIGN_OR_RETURN(auto page, barrier_.List(kTokenPrefix, after, 500));
    for (const auto& rec : page) {
      const std::string hmac = rec.path.substr(kTokenPrefix.size());
      KEEP_ASSIGN_OR_RETURN(TokenInfo t, ParseMeta(hmac, AsChars(rec.value.view())));
      tokens[hmac] = std::move(t);
    }
    if (page.size() < 500) break;
    after = page.back().path;
  }
  std::unique_lock lock(mu_);
  KEEP_RETURN_IF_ERROR(SetKey(std::move(*key)));
  by_hmac_ = std::move(tokens);
  return Status::Ok();
}

void TokenStore::Clear() {
  std::unique_lock lock(mu_);
  hmac_key_ = crypto::SecretBytes();
  hmac_state_.reset();
  by_hmac_.clear();
}

Result<Identity> TokenStore::Lookup(std::string_view token) const {
  std::shared_lock lock(mu_);
  if (token.substr(0, kTokenTextPrefix.size()) != kTokenTextPrefix || token.size() > 128) {
    return Unauthenticated("the token is not valid");
  }
  KEEP_ASSIGN_OR_RETURN(std::string hmac, Hmac(token));
  auto it = by_hmac_.find(hmac);
  if (it == by_hmac_.end()) return Unauthenticated("the token is not valid");
  const TokenInfo& t = it->second;
  if (t.expires_at != 0 && clock_() >= t.expires_at)
    return Unauthenticated("the token has expired");
  return Identity{"token:" + t.accessor, t.display_name, t.policies, t.accessor, t.expires_at};
}

Result<TokenInfo> TokenStore::Info(std::string_view accessor) const {
  std::shared_lock lock(mu_);
  if (accessor.size() != kAccessorLen) return NotFound("no token with that accessor");
  auto it = by_hmac_.lower_bound(accessor);
  if (it == by_hmac_.end() || it->first.compare(0, kAccessorLen, accessor) != 0) {
    return NotFound("no token with accessor '" + std::string(accessor) + "'");
  }
  return it->second;
}

std::vector<TokenInfo> TokenStore::List() const {
  std::shared_lock lock(mu_);
  std::vector<TokenInfo> out;
  out.reserve(by_hmac_.size());
  for (const auto& [h, t] : by_hmac_) out.push_back(t);
  return out;
}

Result<size_t> TokenStore::Revoke(std::string_view accessor) {
  std::unique_lock lock(mu_);
  if (accessor.size() != kAccessorLen) return NotFound("no token with that accessor");
  auto it = by_hmac_.lower_bound(accessor);
  if (it == by_hmac_.end() || it->first.compare(0, kAccessorLen, accessor) != 0) {
    return NotFound("no token with accessor '" + std::string(accessor) + "'");
  }
  // The token and its descendants (the tree is small; a fixed point over the map).
  std::set<std::string> doomed_acc{std::string(accessor)};
  std::vector<std::string> doomed{it->first};
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [h, t] : by_hmac_) {
      if (!t.parent.empty() && doomed_acc.count(t.parent) && !doomed_acc.count(t.accessor)) {
        doomed_acc.insert(t.accessor);
        doomed.push_back(h);
        grew = true;
      }
    }
  }
  std::vector<keys::BarrierWrite> writes;
  for (const auto& h : doomed) {
    writes.push_back({store::WriteOp::Kind::kDelete, std::string(kTokenPrefix) + h, {}});
  }
  KEEP_RETURN_IF_ERROR(barrier_.Commit(writes));
  for (const auto& h : doomed) by_hmac_.erase(h);
  return doomed.size();
}

}  // namespace keep::access
