#include "service/token_store.h"

#include <openssl/crypto.h>

#include <boost/json.hpp>
#include <mutex>

#include "common/encoding.h"
#include "common/time.h"
#include "crypto/kdf.h"
#include "crypto/random.h"

namespace keep::service {
namespace {

constexpr std::string_view kKeyPath = "core/token-key";
constexpr std::string_view kTokenPrefix = "token/";
constexpr std::string_view kTokenTextPrefix = "keep_";

}  // namespace

Result<std::string> TokenStore::Accessor(std::string_view token) const {
  if (hmac_key_.empty()) return Unavailable("sealed", "keep is sealed");
  uint8_t mac[crypto::kSha256Size];
  KEEP_RETURN_IF_ERROR(crypto::HmacSha256(hmac_key_.view(), AsBytes(token), mac));
  return HexEncode(mac);
}

Result<crypto::SecretBytes> TokenStore::CreateRoot() {
  KEEP_ASSIGN_OR_RETURN(auto key, crypto::RandomSecret(32));
  KEEP_ASSIGN_OR_RETURN(auto raw, crypto::RandomSecret(32));
  // Build "keep_" + base64url(raw) without passing through a std::string.
  const std::string enc = Base64UrlEncode(raw.view());
  crypto::SecretBytes token(kTokenTextPrefix.size() + enc.size());
  std::copy(kTokenTextPrefix.begin(), kTokenTextPrefix.end(), token.data());
  std::copy(enc.begin(), enc.end(), token.data() + kTokenTextPrefix.size());
  OPENSSL_cleanse(const_cast<char*>(enc.data()), enc.size());
  std::unique_lock lock(mu_);
  hmac_key_ = std::move(key);
  lock.unlock();
  KEEP_ASSIGN_OR_RETURN(std::string accessor, Accessor(AsChars(token.view())));
  Identity root{"token:" + accessor.substr(0, 16), "root", {"root"}};
  const std::string meta =
      boost::json::serialize(boost::json::object{{"display_name", root.display_name},
                                                 {"policies", boost::json::array{"root"}},
                                                 {"created_at", NowUnix()}});
  lock.lock();
  const keys::BarrierWrite writes[] = {
      {store::WriteOp::Kind::kCreate, std::string(kKeyPath), hmac_key_.view()},
      {store::WriteOp::Kind::kCreate, std::string(kTokenPrefix) + accessor, AsBytes(meta)}};
  KEEP_RETURN_IF_ERROR(barrier_.Commit(writes));
  by_accessor_[accessor] = std::move(root);
  return token;
}

Status TokenStore::Load() {
  KEEP_ASSIGN_OR_RETURN(auto key, barrier_.Get(kKeyPath));
  if (!key || key->size() != 32) return DataLoss("the token key is missing");
  std::map<std::string, Identity, std::less<>> tokens;
  std::string after;
  for (;;) {
    KEEP_ASSIGN_OR_RETURN(auto page, barrier_.List(kTokenPrefix, after, 500));
    for (const auto& rec : page) {
      boost::system::error_code ec;
      auto v = boost::json::parse(AsChars(rec.value.view()), ec);
      if (ec || !v.is_object()) return DataLoss("stored token " + rec.path + " is malformed");
      Identity id;
      const std::string accessor = rec.path.substr(kTokenPrefix.size());
      id.id = "token:" + accessor.substr(0, 16);
      if (auto* d = v.as_object().if_contains("display_name"); d && d->is_string()) {
        id.display_name = std::string(d->as_string());
      }
      if (auto* p = v.as_object().if_contains("policies"); p && p->is_array()) {
        for (const auto& pol : p->as_array()) {
          if (pol.is_string()) id.policies.emplace_back(pol.as_string());
        }
      }
      tokens[accessor] = std::move(id);
    }
    if (page.size() < 500) break;
    after = page.back().path;
  }
  std::unique_lock lock(mu_);
  hmac_key_ = std::move(*key);
  by_accessor_ = std::move(tokens);
  return Status::Ok();
}

void TokenStore::Clear() {
  std::unique_lock lock(mu_);
  hmac_key_ = crypto::SecretBytes();
  by_accessor_.clear();
}

Result<Identity> TokenStore::Lookup(std::string_view token) const {
  std::shared_lock lock(mu_);
  if (token.substr(0, kTokenTextPrefix.size()) != kTokenTextPrefix || token.size() > 128) {
    return Unauthenticated("the token is not valid");
  }
  KEEP_ASSIGN_OR_RETURN(std::string accessor, Accessor(token));
  auto it = by_accessor_.find(accessor);
  if (it == by_accessor_.end()) return Unauthenticated("the token is not valid");
  return it->second;
}

}  // namespace keep::service
