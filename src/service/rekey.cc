// Custody: rekey — a new root key and share set, authorized by a threshold of the
// current shares (or recovery shares with an HSM); the old shares stop working.
#include <algorithm>
#include <chrono>
#include <map>

#include "common/encoding.h"
#include "common/log.h"
#include "common/time.h"
#include "crypto/random.h"
#include "service/custody.h"
#include "service/custody_internal.h"

namespace keep::service {
RekeyStatus Custody::GetRekeyStatus() {
  std::lock_guard lock(mu_);
  RekeyStatus st;
  if (!rekey_) return st;
  auto record = ReadSealRecord();
  st.started = true;
  st.nonce = rekey_->nonce;
  st.progress = static_cast<int>(rekey_->collected.shares.size());
  st.required = record.ok() && *record ? (*record)->threshold : 0;
  st.new_shares = rekey_->options.shares;
  st.new_threshold = rekey_->options.threshold;
  st.share_kind = record.ok() && *record ? KindName((*record)->share_kind) : "";
  return st;
}

Result<RekeyStatus> Custody::RekeyStart(const ShareOptions& o) {
  {
    std::lock_guard lock(mu_);
    KEEP_RETURN_IF_ERROR(RequireUnsealed());
    KEEP_ASSIGN_OR_RETURN(auto record, ReadSealRecord());
    if (!record || !record->share_kind) {
      return InvalidArgument("this server uses the " + std::string(seal_->Kind()) +
                             " seal, which has no shares to rekey");
    }
    if (rekey_) {
      return FailedPrecondition("rekey_in_progress", "a rekey is already in progress (nonce " +
                                                         rekey_->nonce + "); cancel it first");
    }
    if (o.shares < 1 || o.shares > 255 || o.threshold < 1 || o.threshold > o.shares) {
      return InvalidArgument("shares and threshold must satisfy 1 <= threshold <= shares <= 255");
    }
    if (!o.recipients.empty() && o.recipients.size() != static_cast<size_t>(o.shares)) {
      return InvalidArgument("give one share recipient per share");
    }
    uint8_t rnd[16];
    KEEP_RETURN_IF_ERROR(crypto::RandomFill(rnd));
    rekey_ = std::make_unique<RekeyOp>();
    rekey_->nonce = HexEncode(rnd);
    rekey_->options = o;
    log::Info("sys: rekey {} started (new set: {} shares, threshold {})", rekey_->nonce, o.shares,
              o.threshold);
  }
  return GetRekeyStatus();
}

Status Custody::RekeyCancel() {
  std::lock_guard lock(mu_);
  if (!rekey_) return NotFound("no rekey is in progress");
  log::Info("sys: rekey {} cancelled", rekey_->nonce);
  rekey_.reset();
  return Status::Ok();
}

Result<RekeyUpdate> Custody::RekeySubmit(std::string_view nonce, std::string_view share_text) {
  RekeyUpdate out;
  {
    std::lock_guard lock(mu_);
    KEEP_RETURN_IF_ERROR(RequireUnsealed());
    if (!rekey_) return NotFound("no rekey is in progress");
    if (nonce != rekey_->nonce) {
      return InvalidArgument("the nonce does not match the rekey in progress (" + rekey_->nonce +
                             ")");
    }
    KEEP_ASSIGN_OR_RETURN(auto raw, store_.Get(kSealPath));
    if (!raw) return DataLoss("the seal record is missing");
    KEEP_ASSIGN_OR_RETURN(seal::SealRecord record, seal::SealRecord::Parse(*raw));
    bool duplicate = false;
    KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes current,
                          AddShare(share_text, record, rekey_->collected, &duplicate));
    if (!current.empty()) {
      auto op = std::move(rekey_);  // whatever happens next, this operation ends
      if (!barrier_.CheckRootKey(current).ok()) {
        return BadShare("the shares do not rebuild the current root key; the rekey was cancelled");
      }
      crypto::SecretBytes fresh = crypto::SecretBytes::Locked(32);
      KEEP_RETURN_IF_ERROR(crypto::RandomFill(fresh.mutable_view()));
      seal::SealRecord next;
      next.type = record.type;
      next.created = NowUnix();
      KEEP_ASSIGN_OR_RETURN(out.shares, MakeShares(fresh, *record.share_kind, op->options, &next));
      if (seal_->AutoUnseal() && record.type == seal_->Kind()) {
        KEEP_ASSIGN_OR_RETURN(next.wrapped, seal_->Wrap(fresh));
      }
      std::vector<store::WriteOp> extra;
      extra.push_back({store::WriteOp::Kind::kRewrite, std::string(kSealPath), next.Serialize(),
                       std::move(*raw)});
      Status s = barrier_.Rekey(fresh, std::move(extra));
      if (s.reason() == "conflict") {
        return Status(Code::kFailedPrecondition, "conflict",
                      "the seal record changed during the rekey (another node rekeyed); start "
                      "again");
      }
      KEEP_RETURN_IF_ERROR(s);
      out.complete = true;
      out.status.nonce = op->nonce;
      out.status.new_shares = next.shares;
      out.status.new_threshold = next.threshold;
      out.status.required = next.threshold;
      out.status.share_kind = KindName(next.share_kind);
      log::Info("sys: rekey {} complete: {} new {} shares, threshold {}", op->nonce, next.shares,
                out.status.share_kind, next.threshold);
      return out;
    }
  }
  out.status = GetRekeyStatus();
  return out;
}

}  // namespace keep::service
