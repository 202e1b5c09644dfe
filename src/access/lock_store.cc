#include "access/lock_store.h"

#include <boost/json.hpp>
#include <mutex>

#include "common/encoding.h"

namespace keep::access {
namespace {

namespace json = boost::json;
constexpr std::string_view kPrefix = "lockdown/";

std::string PathOf(std::string_view identity) {
  return std::string(kPrefix) + HexEncode(AsBytes(identity));
}

}  // namespace

Status LockStore::Load() {
  std::map<std::string, IdentityLock, std::less<>> all;
  std::string after;
  for (;;) {
    KEEP_ASSIGN_OR_RETURN(auto page, barrier_.List(kPrefix, after, 500));
    for (const auto& rec : page) {
      boost::system::error_code ec;
      auto v = json::parse(AsChars(rec.value.view()), ec);
      if (ec || !v.is_object()) return DataLoss("a stored lockdown record is malformed");
      const auto& o = v.get_object();
      IdentityLock l;
      if (auto* i = o.if_contains("identity"); i && i->is_string()) l.identity = i->get_string();
      if (auto* r = o.if_contains("reason"); r && r->is_string()) l.reason = r->get_string();
      if (auto* t = o.if_contains("locked_at"); t && t->is_int64()) l.locked_at = t->get_int64();
      if (l.identity.empty()) return DataLoss("a stored lockdown record names no identity");
      all[l.identity] = std::move(l);
    }
    if (page.size() < 500) break;
    after = page.back().path;
  }
  std::unique_lock lock(mu_);
  locks_ = std::move(all);
  any_ = !locks_.empty();
  return Status::Ok();
}

void LockStore::Clear() {
  std::unique_lock lock(mu_);
  locks_.clear();
  any_ = false;
}

Status LockStore::Lock(const IdentityLock& l) {
  std::unique_lock lock(mu_);
  if (locks_.count(l.identity)) return Status::Ok();
  const std::string text = json::serialize(
      json::object{{"identity", l.identity}, {"reason", l.reason}, {"locked_at", l.locked_at}});
  const keys::BarrierWrite w[] = {{store::WriteOp::Kind::kPut, PathOf(l.identity), AsBytes(text)}};
  KEEP_RETURN_IF_ERROR(barrier_.Commit(w));
  locks_[l.identity] = l;
  any_ = true;
  return Status::Ok();
}

Status LockStore::Unlock(std::string_view identity) {
  std::unique_lock lock(mu_);
  auto it = locks_.find(identity);
  if (it == locks_.end()) return NotFound("'" + std::string(identity) + "' is not locked down");
  const keys::BarrierWrite w[] = {{store::WriteOp::Kind::kDelete, PathOf(identity), {}}};
  KEEP_RETURN_IF_ERROR(barrier_.Commit(w));
  locks_.erase(it);
  any_ = !locks_.empty();
  return Status::Ok();
}

bool LockStore::IsLocked(std::string_view identity) const {
  if (!any_.load(std::memory_order_acquire)) return false;
  std::shared_lock lock(mu_);
  return locks_.count(identity) != 0;
}

std::vector<IdentityLock> LockStore::List() const {
  std::shared_lock lock(mu_);
  std::vector<IdentityLock> out;
  for (const auto& [id, l] : locks_) out.push_back(l);
  return out;
}

}  // namespace keep::access
