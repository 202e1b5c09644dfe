// Service: the keas.kmi door's storage — opaque sealed entries under the barrier (the door
// makes and opens them; see http/keas_door.h).
#include "service/service.h"

namespace keep::service {
namespace {

constexpr std::string_view kPrefix = "keas/";
constexpr std::string_view kLegacyPrefix = "keas-legacy/";

Status CheckId(std::string_view id) {
  if (id.empty() || id.size() > 128) return InvalidArgument("malformed keas id");
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return InvalidArgument("malformed keas id");
    }
  }
  return Status::Ok();
}

}  // namespace

Status Service::KeasPut(std::string_view id, ByteView sealed) {
  KEEP_RETURN_IF_ERROR(CheckId(id));
  return custody_.Guarded([&]() -> Status {
    const keys::BarrierWrite w{store::WriteOp::Kind::kCreate,
                               std::string(kPrefix) + std::string(id), sealed};
    return barrier_.Commit({&w, 1});
  });
}

Result<std::optional<crypto::SecretBytes>> Service::KeasGet(std::string_view id) {
  KEEP_RETURN_IF_ERROR(CheckId(id));
  return custody_.Guarded([&] { return barrier_.Get(std::string(kPrefix) + std::string(id)); });
}

Result<size_t> Service::KeasCount() {
  return custody_.Guarded([&]() -> Result<size_t> {
    size_t n = 0;
    std::string after;
    for (std::string_view prefix : {kPrefix, kLegacyPrefix}) {
      after.clear();
      for (;;) {
        KEEP_ASSIGN_OR_RETURN(auto page, barrier_.List(prefix, after, 1000));
        n += page.size();
        if (page.size() < 1000) break;
        after = page.back().path;
      }
    }
    return n;
  });
}

Status Service::KeasPutLegacy(std::string_view md5_hex, ByteView blob) {
  KEEP_RETURN_IF_ERROR(CheckId(md5_hex));
  return custody_.Guarded([&]() -> Status {
    const keys::BarrierWrite w{store::WriteOp::Kind::kPut,
                               std::string(kLegacyPrefix) + std::string(md5_hex), blob};
    return barrier_.Commit({&w, 1});
  });
}

Result<std::optional<crypto::SecretBytes>> Service::KeasGetLegacy(std::string_view md5_hex) {
  KEEP_RETURN_IF_ERROR(CheckId(md5_hex));
  return custody_.Guarded(
      [&] { return barrier_.Get(std::string(kLegacyPrefix) + std::string(md5_hex)); });
}

Status Service::KeasReplaceLegacy(std::string_view md5_hex, std::string_view id, ByteView sealed) {
  KEEP_RETURN_IF_ERROR(CheckId(md5_hex));
  KEEP_RETURN_IF_ERROR(CheckId(id));
  return custody_.Guarded([&]() -> Status {
    const keys::BarrierWrite w[] = {
        {store::WriteOp::Kind::kPut, std::string(kPrefix) + std::string(id), sealed},
        {store::WriteOp::Kind::kDelete, std::string(kLegacyPrefix) + std::string(md5_hex), {}}};
    return barrier_.Commit(w);
  });
}

}  // namespace keep::service
