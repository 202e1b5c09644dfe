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

}  // namespace

Status Service::KmipPut(std::span<const KmipRecord> records, bool create) {
  std::vector<keys::BarrierWrite> writes;
  for (const KmipRecord& r : records) {
    KEEP_RETURN_IF_ERROR(CheckUid(r.uid));
    writes.push_back({create ? store::WriteOp::Kind::kCreate : store::WriteOp::Kind::kPut,
                      std::string(kPrefix) + std::string(r.uid), r.record});
  }
  return custody_.Guarded([&]() -> Status { return barrier_.Commit(writes); });
}

Result<std::optional<crypto::SecretBytes>> Service::KmipGet(std::string_view uid) {
  KEEP_RETURN_IF_ERROR(CheckUid(uid));
  return custody_.Guarded([&] { return barrier_.Get(std::string(kPrefix) + std::string(uid)); });
}

Result<std::vector<keys::BarrierRecord>> Service::KmipList(std::string_view after, size_t limit) {
  return custody_.Guarded([&] {
    return barrier_.List(kPrefix, after.empty() ? "" : std::string(kPrefix) + std::string(after),
                         limit);
  });
}

}  // namespace keep::service
