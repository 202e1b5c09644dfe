// Custody: health, init, unseal (automatic or by shares), seal, keyring rotation, the
// global lockdown and the seal guard. Rekey is in rekey.cc; the contract in custody.h.
#include <algorithm>
#include <chrono>
#include <map>

#include <boost/json.hpp>

#include "common/encoding.h"
#include "common/log.h"
#include "common/time.h"
#include "crypto/random.h"
#include "service/custody.h"
#include "service/custody_internal.h"

namespace keep::service {

Custody::Custody(store::Store& store, std::unique_ptr<seal::SealProvider> seal,
                 keys::Barrier& barrier, Contents& contents, Reencryptor& reencryptor)
    : store_(store),
      seal_(std::move(seal)),
      barrier_(barrier),
      contents_(contents),
      reenc_(reencryptor) {}

Custody::~Custody() = default;

Status Custody::RequireUnsealed() const {
  if (barrier_.IsSealed()) return Unavailable("sealed", "keep is sealed");
  return Status::Ok();
}

Result<Health> Custody::GetHealth() {
  Health h;
  h.sealed = barrier_.IsSealed();
  // One store read, which is also the probe of the store's health.
  auto init = barrier_.IsInitialized();
  if (init.ok()) {
    h.initialized = *init;
    if (*init) known_initialized_ = true;
  } else {
    h.store_ok = false;
    h.store_error = init.status().message();
    h.initialized = !h.sealed || known_initialized_.load();
  }
  return h;
}

Result<std::optional<seal::SealRecord>> Custody::ReadSealRecord() {
  auto raw = store_.Get(kSealPath);
  if (!raw.ok()) {
    // The store is down: the record read last (it changes only by init and rekey, which
    // need the store) still describes the share set.
    std::lock_guard lock(seal_record_mu_);
    if (last_seal_record_) return last_seal_record_;
    return raw.status();
  }
  if (!*raw) return std::optional<seal::SealRecord>();
  KEEP_ASSIGN_OR_RETURN(auto rec, seal::SealRecord::Parse(**raw));
  std::lock_guard lock(seal_record_mu_);
  last_seal_record_ = rec;
  return std::optional<seal::SealRecord>(std::move(rec));
}

Result<std::vector<crypto::SecretBytes>> Custody::MakeShares(const crypto::SecretBytes& root,
                                                             seal::ShareKind kind,
                                                             const ShareOptions& o,
                                                             seal::SealRecord* record) {
  if (!o.recipients.empty() && o.recipients.size() != static_cast<size_t>(o.shares)) {
    return InvalidArgument("give one share recipient per share (" +
                           std::to_string(o.recipients.size()) + " recipients for " +
                           std::to_string(o.shares) + " shares)");
  }
  KEEP_ASSIGN_OR_RETURN(seal::ShareSet set, seal::MakeShareSet(root, kind, o.shares, o.threshold));
  std::vector<crypto::SecretBytes> out;
  for (size_t i = 0; i < set.texts.size(); ++i) {
    if (o.recipients.empty()) {
      out.push_back(std::move(set.texts[i]));
      continue;
    }
    KEEP_ASSIGN_OR_RETURN(std::string enc, seal::EncryptShare(o.recipients[i], set.texts[i]));
    out.push_back(crypto::SecretBytes::CopyOf(AsBytes(enc)));
  }
  record->share_kind = kind;
  record->shares = set.record.shares;
  record->threshold = set.record.threshold;
  record->set_id = std::move(set.record.set_id);
  record->verifiers = std::move(set.record.verifiers);
  return out;
}

Result<InitResult> Custody::Init(const ShareOptions& o) {
  std::lock_guard lock(mu_);
  KEEP_ASSIGN_OR_RETURN(bool initialized, barrier_.IsInitialized());
  if (initialized) return AlreadyExists("keep is already initialized", "already_initialized");
  const auto kind = seal_->Shares();
  if (!kind && (o.shares != 0 || o.threshold != 0 || !o.recipients.empty())) {
    return InvalidArgument("this server uses the " + std::string(seal_->Kind()) +
                           " seal, which does not split the root key into shares");
  }
  if (kind && (o.shares == 0 || o.threshold == 0)) {
    return InvalidArgument("the " + std::string(seal_->Kind()) + " seal needs shares and " +
                           "threshold (1 <= threshold <= shares <= 255)");
  }
  crypto::SecretBytes root = crypto::SecretBytes::Locked(32);
  KEEP_RETURN_IF_ERROR(crypto::RandomFill(root.mutable_view()));
  seal::SealRecord record;
  record.type = std::string(seal_->Kind());
  record.created = NowUnix();
  InitResult out;
  if (kind) {
    KEEP_ASSIGN_OR_RETURN(out.shares, MakeShares(root, *kind, o, &record));
    out.share_kind = KindName(kind);
    out.threshold = o.threshold;
  }
  KEEP_ASSIGN_OR_RETURN(record.wrapped, seal_->Wrap(root));
  std::vector<store::WriteOp> extra;
  extra.push_back({store::WriteOp::Kind::kCreate, std::string(kSealPath), record.Serialize(), {}});
  KEEP_RETURN_IF_ERROR(barrier_.Initialize(root, std::move(extra)));
  KEEP_ASSIGN_OR_RETURN(out.root_token, contents_.CreateRootToken());
  KEEP_RETURN_IF_ERROR(LoadContents());
  log::Info("sys: initialized with the {} seal ({} {} shares, threshold {})", seal_->Kind(),
            out.shares.size(), out.share_kind, out.threshold);
  return out;
}

Status Custody::LoadContents() {
  Status s = contents_.Load();
  if (!s.ok()) {
    contents_.Clear();
    barrier_.Seal();
  }
  return s;
}

Status Custody::OpenWithRootKey(const crypto::SecretBytes& root) {
  KEEP_RETURN_IF_ERROR(barrier_.Unseal(root));
  KEEP_RETURN_IF_ERROR(LoadContents());
  unseal_.reset();
  last_unseal_error_.clear();
  operator_sealed_ = false;
  log::Info("sys: unsealed ({})", contents_.Summary());
  reenc_.Trigger();  // resumes a re-encryption an earlier seal or crash interrupted
  return Status::Ok();
}

Result<SealStatus> Custody::GetSealStatus() {
  SealStatus st;
  st.sealed = barrier_.IsSealed();
  st.seal_type = std::string(seal_->Kind());
  KEEP_ASSIGN_OR_RETURN(auto record, ReadSealRecord());
  if (record) {
    st.share_kind = KindName(record->share_kind);
    st.threshold = record->threshold;
    st.shares = record->shares;
  }
  std::lock_guard lock(mu_);
  st.last_error = st.sealed ? last_unseal_error_ : "";
  st.operator_sealed = operator_sealed_.load();
  st.auto_unseal_paused = st.sealed && auto_unseal_paused_.load();
  if (unseal_ && st.sealed) {
    if (NowUnix() - unseal_->started > kUnsealProgressTtlS ||
        (record && unseal_->set_id != record->set_id)) {
      unseal_.reset();
    } else {
      st.progress = static_cast<int>(unseal_->shares.size());
    }
  }
  return st;
}

Result<SealStatus> Custody::Unseal(UnsealTrigger trigger) {
  {
    std::lock_guard lock(mu_);
    if (trigger == UnsealTrigger::kOperator) auto_unseal_paused_ = false;
    if (barrier_.IsSealed() && !auto_unseal_paused_) {
      KEEP_ASSIGN_OR_RETURN(bool initialized, barrier_.IsInitialized());
      if (!initialized) return FailedPrecondition("not_initialized", "keep is not initialized");
      KEEP_ASSIGN_OR_RETURN(auto record, ReadSealRecord());
      if (!record) {
        return DataLoss("the store has a keyring but no seal record (core/seal)");
      }
      if (seal_->AutoUnseal()) {
        KEEP_ASSIGN_OR_RETURN(std::string lockdown, GlobalLockdown());
        if (!lockdown.empty()) {
          last_unseal_error_ =
              "locked down (" + lockdown + "): unseal with a quorum of shares to lift the lockdown";
          return Unavailable("locked_down", last_unseal_error_);
        }
        if (record->type != seal_->Kind()) {
          return Unavailable("sealed", "the store was initialized with the " + record->type +
                                           " seal but keepd is configured with " +
                                           std::string(seal_->Kind()));
        }
        auto root = seal_->Unwrap(record->wrapped);
        Status s = root.ok() ? OpenWithRootKey(*root) : root.status();
        if (!s.ok()) {
          last_unseal_error_ = std::string(s.message());
          if (s.reason() == "hsm_pin_rejected") {
            // Each retry would be one more wrong PIN: a real token locks its user PIN
            // after a few. Stop until someone has fixed it.
            auto_unseal_paused_ = true;
            last_unseal_error_ +=
                "; automatic unseal stopped so the token does not lock the PIN: correct "
                "seal.pin_file (or pin_env and restart), then run `keep operator unseal` or "
                "send keepd SIGHUP";
            log::Error("sys: {}", last_unseal_error_);
            return Status(Code::kUnavailable, "hsm_pin_rejected", last_unseal_error_);
          }
          return s;
        }
      }
    }
  }
  return GetSealStatus();
}

void Custody::RetryAutoUnseal() {
  // An HSM that was unreachable at start (or went away): try again, unless an operator
  // sealed on purpose — then only an operator opens it.
  if (!barrier_.IsSealed() || !seal_->AutoUnseal() || operator_sealed_.load() ||
      auto_unseal_paused_.load()) {
    return;
  }
  auto u = Unseal(UnsealTrigger::kAutomatic);
  if (u.ok() && !u->sealed) log::Info("sys: auto-unseal succeeded on retry");
}

Result<crypto::SecretBytes> Custody::AddShare(std::string_view text, const seal::SealRecord& record,
                                              ShareCollector& into, bool* duplicate) {
  *duplicate = false;
  if (!record.share_kind) {
    return InvalidArgument("this server uses the " + record.type + " seal, which takes no shares");
  }
  KEEP_ASSIGN_OR_RETURN(seal::DecodedShare d, seal::DecodeShare(text));
  if (d.kind != *record.share_kind) {
    return BadShare("this is " + std::string(d.kind == seal::ShareKind::kUnseal ? "an" : "a") +
                    " " + KindName(d.kind) + " share; this server's share set is made of " +
                    KindName(record.share_kind) + " shares");
  }
  if (!crypto::ConstantTimeEquals(d.set_id, record.set_id)) {
    return BadShare(
        "this share belongs to another share set (another server, or a set replaced by a "
        "rekey)");
  }
  if (d.share.x > record.verifiers.size() || d.threshold != record.threshold ||
      !crypto::ConstantTimeEquals(seal::ShareVerifier(d.set_id, d.share),
                                  record.verifiers[d.share.x - 1])) {
    return BadShare("this share does not match its share set: it was altered");
  }
  if (into.set_id != record.set_id) {
    into.shares.clear();
    into.set_id = record.set_id;
    into.started = NowUnix();
  }
  if (into.shares.count(d.share.x)) {
    *duplicate = true;
    return crypto::SecretBytes();
  }
  into.shares.emplace(d.share.x, std::move(d.share));
  if (static_cast<int>(into.shares.size()) < record.threshold) return crypto::SecretBytes();
  return Combine(into);
}

Result<SealStatus> Custody::SubmitUnsealShare(std::string_view share_text) {
  KEEP_ASSIGN_OR_RETURN(auto record, ReadSealRecord());
  if (!record) return FailedPrecondition("not_initialized", "keep is not initialized");
  bool duplicate = false;
  {
    std::lock_guard lock(mu_);
    if (!barrier_.IsSealed()) {
      // Already open (another custodian finished, or auto-unseal): nothing to do.
    } else {
      if (unseal_ && NowUnix() - unseal_->started > kUnsealProgressTtlS) unseal_.reset();
      if (!unseal_) unseal_ = std::make_unique<ShareCollector>();
      KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes root,
                            AddShare(share_text, *record, *unseal_, &duplicate));
      if (!root.empty()) {
        Status s = OpenWithRootKey(root);
        if (s.ok()) {
          // A quorum of custodians unsealed: that lifts a decrypt lockdown.
          KEEP_ASSIGN_OR_RETURN(std::string lockdown, GlobalLockdown());
          if (!lockdown.empty()) KEEP_RETURN_IF_ERROR(LiftLockdown());
        }
        if (!s.ok()) {
          unseal_.reset();
          if (s.reason() == "sealed") {
            return BadShare(
                "the shares do not rebuild the root key (the keyring did not open); "
                "progress was reset");
          }
          return s;
        }
      }
    }
  }
  KEEP_ASSIGN_OR_RETURN(SealStatus st, GetSealStatus());
  st.duplicate = duplicate;
  return st;
}

SealStatus Custody::ResetUnseal() {
  {
    std::lock_guard lock(mu_);
    unseal_.reset();
  }
  auto st = GetSealStatus();
  return st.ok() ? *st : SealStatus{};
}

Status Custody::Seal() {
  std::lock_guard lock(mu_);
  // The epoch is odd while memory is wiped: a request overlapping this fails with
  // "sealed" on return, whatever it computed (Custody::Guarded).
  seal_epoch_.fetch_add(1, std::memory_order_acq_rel);
  barrier_.Seal();
  contents_.Clear();
  unseal_.reset();
  rekey_.reset();
  operator_sealed_ = true;
  seal_epoch_.fetch_add(1, std::memory_order_acq_rel);
  log::Info("sys: sealed");
  return Status::Ok();
}

Result<uint32_t> Custody::RotateKeyring() {
  std::lock_guard lock(mu_);
  KEEP_RETURN_IF_ERROR(RequireUnsealed());
  KEEP_ASSIGN_OR_RETURN(uint32_t term, barrier_.Rotate());
  log::Info("sys: keyring rotated to term {}; re-encrypting older records", term);
  reenc_.Trigger();
  return term;
}

Status Custody::RunUnsealed(const std::function<Status()>& f) {
  return Guarded([&]() -> Status { return f(); });
}

Status Custody::LockdownSeal(std::string reason) {
  const std::string text =
      boost::json::serialize(boost::json::object{{"reason", reason}, {"locked_at", NowUnix()}});
  const store::WriteOp w[] = {{store::WriteOp::Kind::kPut,
                               std::string(keys::Barrier::kLockdownPath),
                               Bytes(text.begin(), text.end()),
                               {}}};
  KEEP_RETURN_IF_ERROR(store_.Commit(w));
  log::Warn("lockdown: sealing: {}", reason);
  return Seal();
}

Result<std::string> Custody::GlobalLockdown() {
  KEEP_ASSIGN_OR_RETURN(auto raw, store_.Get(keys::Barrier::kLockdownPath));
  if (!raw) return std::string();
  boost::system::error_code ec;
  auto v = boost::json::parse(AsChars(*raw), ec);
  if (!ec && v.is_object()) {
    if (auto* r = v.get_object().if_contains("reason"); r && r->is_string()) {
      return std::string(r->get_string());
    }
  }
  return std::string("decrypt lockdown");
}

Status Custody::LiftLockdown() {
  const store::WriteOp w[] = {
      {store::WriteOp::Kind::kDelete, std::string(keys::Barrier::kLockdownPath), {}, {}}};
  KEEP_RETURN_IF_ERROR(store_.Commit(w));
  log::Info("lockdown: global lockdown lifted");
  return Status::Ok();
}

}  // namespace keep::service
