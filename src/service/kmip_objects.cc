// Service: the KMIP door's storage — managed objects as opaque records under the barrier
// (the door encodes and decodes them; see http/kmip_door.h and kmip/object.h).
#include "service/service.h"

namespace keep::service {
namespace {

constexpr std::string_view kPrefix = "kmip/";

// UIDs are keep's (kmip_door.cc makes them) or a client's reference to one: printable,
// no '/', at most 64 characters.
Status CheckUid(std::string_view uid) {
  if (uid.empty() || uid.size() > 64) return NotFound("no such KMIP object");
  for (char c : uid) {
    if (c <= 0x20 || c >= 0x7f || c == '/') return NotFound("no such KMIP object");
  }
  return Status::Ok();
}

constexpr size_t kCacheEntries = 4096;

}  // namespace

void Service::KmipForget(std::string_view uid) {
  std::lock_guard lock(kmip_mu_);
  ++kmip_generation_;
  if (uid.empty()) {
    kmip_cache_.clear();
  } else {
    kmip_cache_.erase(std::string(uid));
  }
}

Status Service::KmipPut(std::span<const KmipRecord> records, bool create) {
  std::vector<keys::BarrierWrite> writes;
  for (const KmipRecord& r : records) {
    KEEP_RETURN_IF_ERROR(CheckUid(r.uid));
    writes.push_back({create ? store::WriteOp::Kind::kCreate : store::WriteOp::Kind::kPut,
                      std::string(kPrefix) + std::string(r.uid), r.record});
  }
  Status st = custody_.Guarded([&]() -> Status { return barrier_.Commit(writes); });
  for (const KmipRecord& r : records) KmipForget(r.uid);
  return st;
}

Result<std::optional<crypto::SecretBytes>> Service::KmipGet(std::string_view uid) {
  KEEP_RETURN_IF_ERROR(CheckUid(uid));
  uint64_t generation;
  {
    std::lock_guard lock(kmip_mu_);
    if (auto it = kmip_cache_.find(std::string(uid)); it != kmip_cache_.end()) {
      return std::optional<crypto::SecretBytes>(crypto::SecretBytes::CopyOf(it->second->view()));
    }
    generation = kmip_generation_;
  }
  KEEP_ASSIGN_OR_RETURN(auto got, custody_.Guarded([&] {
    return barrier_.Get(std::string(kPrefix) + std::string(uid));
  }));
  if (got) {
    auto kept =
        std::make_shared<const crypto::SecretBytes>(crypto::SecretBytes::LockedCopyOf(got->view()));
    std::lock_guard lock(kmip_mu_);
    if (generation == kmip_generation_ && !barrier_.IsSealed()) {
      if (kmip_cache_.size() >= kCacheEntries) kmip_cache_.clear();
      kmip_cache_.emplace(std::string(uid), std::move(kept));
    }
  }
  return got;
}

Result<std::vector<keys::BarrierRecord>> Service::KmipList(std::string_view after, size_t limit) {
  return custody_.Guarded([&] {
    return barrier_.List(kPrefix, after.empty() ? "" : std::string(kPrefix) + std::string(after),
                         limit);
  });
}

}  // namespace keep::service
