#include "access/policy_store.h"

#include <mutex>

namespace keep::access {
namespace {
constexpr std::string_view kPrefix = "policy/";
}  // namespace

Status PolicyStore::Load() {
  std::map<std::string, std::shared_ptr<const Policy>, std::less<>> all;
  std::string after;
  for (;;) {
    KEEP_ASSIGN_OR_RETURN(auto page, barrier_.List(kPrefix, after, 500));
    for (const auto& rec : page) {
      const std::string name = rec.path.substr(kPrefix.size());
      auto p = ParsePolicy(name, AsChars(rec.value.view()));
      if (!p.ok())
        return DataLoss("stored policy '" + name + "' is malformed: " + p.status().message());
      all[name] = std::make_shared<const Policy>(std::move(*p));
    }
    if (page.size() < 500) break;
    after = page.back().path;
  }
  std::unique_lock lock(mu_);
  by_name_ = std::move(all);
  return Status::Ok();
}

void PolicyStore::Clear() {
  std::unique_lock lock(mu_);
  by_name_.clear();
}

Status PolicyStore::Put(const Policy& p) {
  KEEP_RETURN_IF_ERROR(ValidatePolicyName(p.name));
  if (p.name == "root")
    return InvalidArgument("the policy 'root' is built in and cannot be written");
  const std::string text = PolicyJson(p);
  const keys::BarrierWrite w[] = {
      {store::WriteOp::Kind::kPut, std::string(kPrefix) + p.name, AsBytes(text)}};
  std::unique_lock lock(mu_);
  KEEP_RETURN_IF_ERROR(barrier_.Commit(w));
  by_name_[p.name] = std::make_shared<const Policy>(p);
  return Status::Ok();
}

std::shared_ptr<const Policy> PolicyStore::Get(std::string_view name) const {
  if (name == "root") return std::shared_ptr<const Policy>(std::shared_ptr<void>(), &RootPolicy());
  std::shared_lock lock(mu_);
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

std::vector<std::string> PolicyStore::List() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out{"root"};
  for (const auto& [name, p] : by_name_) out.push_back(name);
  return out;
}

Status PolicyStore::Delete(std::string_view name) {
  if (name == "root") return InvalidArgument("the policy 'root' is built in and cannot be deleted");
  std::unique_lock lock(mu_);
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return NotFound("no policy named '" + std::string(name) + "'");
  const keys::BarrierWrite w[] = {
      {store::WriteOp::Kind::kDelete, std::string(kPrefix) + std::string(name), {}}};
  KEEP_RETURN_IF_ERROR(barrier_.Commit(w));
  by_name_.erase(it);
  return Status::Ok();
}

}  // namespace keep::access
