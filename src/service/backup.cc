// Service::DeploymentId and Service::Backup: what `keep operator backup` gets.
#include "common/encoding.h"
#include "common/time.h"
#include "crypto/random.h"
#include "keys/barrier.h"
#include "service/service.h"
#include "store/snapshot.h"

namespace keep::service {

namespace {
constexpr std::string_view kDeploymentPath = keys::Barrier::kDeploymentPath;

bool Hex32(const Bytes& b) {
  if (b.size() != 32) return false;
  for (uint8_t c : b) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}
}  // namespace

Result<std::string> Service::DeploymentId() {
  for (int attempt = 0; attempt < 2; ++attempt) {
    KEEP_ASSIGN_OR_RETURN(auto have, store_->Get(kDeploymentPath));
    if (have) {
      if (!Hex32(*have)) return DataLoss("core/deployment is not 32 hex digits");
      return std::string(have->begin(), have->end());
    }
    uint8_t id[16];
    KEEP_RETURN_IF_ERROR(crypto::RandomFill(id));
    const std::string hex = HexEncode(id);
    const store::WriteOp op{store::WriteOp::Kind::kCreate, std::string(kDeploymentPath),
                            Bytes(hex.begin(), hex.end())};
    Status st = store_->Commit({&op, 1});
    if (st.ok()) return hex;
    if (st.code() != Code::kAlreadyExists) return st;  // another node made it first: read it
  }
  return Internal("core/deployment could not be read or made");
}

Result<Bytes> Service::Backup(std::string_view keep_version) {
  KEEP_ASSIGN_OR_RETURN(std::string deployment, DeploymentId());
  KEEP_ASSIGN_OR_RETURN(Bytes db, store_->Snapshot());
  store::SnapshotInfo info;
  info.created = NowUnix();
  info.deployment = std::move(deployment);
  info.keep_version = std::string(keep_version);
  info.keyring_term = GetKeyringStatus().active_term;
  info.schema = store_->SchemaVersion();
  return store::EncodeSnapshot(std::move(info), db);
}

}  // namespace keep::service
