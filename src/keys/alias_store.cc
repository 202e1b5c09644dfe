#include "keys/alias_store.h"

#include <boost/json.hpp>
#include <mutex>

#include "common/time.h"

namespace keep::keys {
namespace {

namespace json = boost::json;

constexpr std::string_view kPrefix = "alias/";

}  // namespace

AliasStore::AliasStore(Barrier& barrier, Clock clock)
    : barrier_(barrier), clock_(clock ? std::move(clock) : Clock([] { return NowUnix(); })) {}

Status AliasStore::ValidateName(std::string_view name) {
  if (name.empty() || name.size() > 250)
    return InvalidArgument("an alias name is 1–250 characters");
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '/' || c == '_' || c == '-';
    if (!ok) return InvalidArgument("an alias name may hold only [A-Za-z0-9/_-]");
  }
  if (name.substr(0, 4) == "aws/")
    return InvalidArgument("alias names starting 'aws/' are reserved");
  return Status::Ok();
}

Status AliasStore::Write(const Alias& a, store::WriteOp::Kind kind) {
  const std::string text = json::serialize(
      json::object{{"key", a.key}, {"created_at", a.created_at}, {"updated_at", a.updated_at}});
  const BarrierWrite w{kind, std::string(kPrefix) + a.name, AsBytes(text)};
  return barrier_.Commit({&w, 1});
}

Result<Alias> AliasStore::Create(std::string_view name, std::string_view key) {
  KEEP_RETURN_IF_ERROR(ValidateName(name));
  std::unique_lock lock(mu_);
  if (aliases_.count(name)) {
    return AlreadyExists("An alias with the name alias/" + std::string(name) + " already exists");
  }
  Alias a{std::string(name), std::string(key), clock_(), clock_()};
  KEEP_RETURN_IF_ERROR(Write(a, store::WriteOp::Kind::kCreate));
  aliases_[a.name] = a;
  return a;
}

Result<Alias> AliasStore::Update(std::string_view name, std::string_view key) {
  std::unique_lock lock(mu_);
  auto it = aliases_.find(name);
  if (it == aliases_.end()) return NotFound("Alias alias/" + std::string(name) + " is not found.");
  Alias a = it->second;
  a.key = std::string(key);
  a.updated_at = clock_();
  KEEP_RETURN_IF_ERROR(Write(a, store::WriteOp::Kind::kPut));
  it->second = a;
  return a;
}

Status AliasStore::Delete(std::string_view name) {
  std::unique_lock lock(mu_);
  auto it = aliases_.find(name);
  if (it == aliases_.end()) return NotFound("Alias alias/" + std::string(name) + " is not found.");
  const BarrierWrite w{store::WriteOp::Kind::kDelete, std::string(kPrefix) + it->first, {}};
  KEEP_RETURN_IF_ERROR(barrier_.Commit({&w, 1}));
  aliases_.erase(it);
  return Status::Ok();
}

std::optional<Alias> AliasStore::Get(std::string_view name) const {
  std::shared_lock lock(mu_);
  auto it = aliases_.find(name);
  if (it == aliases_.end()) return std::nullopt;
  return it->second;
}

std::vector<Alias> AliasStore::List() const {
  std::shared_lock lock(mu_);
  std::vector<Alias> out;
  for (const auto& [n, a] : aliases_) out.push_back(a);
  return out;
}

Status AliasStore::Load() {
  std::map<std::string, Alias, std::less<>> loaded;
  std::string after;
  for (;;) {
    KEEP_ASSIGN_OR_RETURN(auto page, barrier_.List(kPrefix, after, 500));
    for (const auto& rec : page) {
      boost::system::error_code ec;
      const json::value v = json::parse(AsChars(rec.value.view()), ec);
      const json::object* o = ec ? nullptr : v.if_object();
      const json::value* key = o ? o->if_contains("key") : nullptr;
      if (key == nullptr || !key->is_string()) return DataLoss("a stored alias is malformed");
      Alias a;
      a.name = rec.path.substr(kPrefix.size());
      a.key = std::string(key->get_string());
      if (auto* c = o->if_contains("created_at"); c && c->is_int64()) a.created_at = c->get_int64();
      if (auto* u = o->if_contains("updated_at"); u && u->is_int64()) a.updated_at = u->get_int64();
      loaded[a.name] = std::move(a);
    }
    if (page.size() < 500) break;
    after = page.back().path;
  }
  std::unique_lock lock(mu_);
  aliases_ = std::move(loaded);
  return Status::Ok();
}

void AliasStore::Clear() {
  std::unique_lock lock(mu_);
  aliases_.clear();
}

}  // namespace keep::keys
