#include "keys/barrier.h"

#include <cstring>
#include <map>
#include <mutex>

#include "common/time.h"
#include "crypto/aead.h"
#include "crypto/random.h"

namespace keep::keys {
namespace {

constexpr std::string_view kKeyringPath = "core/keyring";
constexpr std::string_view kRootPath = "core/root";

bool IsRawPath(std::string_view p) {
  return p == kKeyringPath || p == kRootPath || p == Barrier::kSealConfigPath ||
         p == Barrier::kLockdownPath || p == Barrier::kDeploymentPath ||
         p.starts_with(Barrier::kNodePrefix);
}

crypto::SecretBytes LockedRandom(size_t n) {
  crypto::SecretBytes k = crypto::SecretBytes::Locked(n);
  if (!crypto::RandomFill(k.mutable_view()).ok()) return crypto::SecretBytes();
  return k;
}
constexpr uint8_t kRecordVersion = 1;
constexpr size_t kRecordHeader = 1 + 4 + crypto::kAeadNonceSize;

Bytes Aad(std::string_view path) {
  static constexpr std::string_view kLabel("keep barrier v1\0", 16);
  Bytes aad(kLabel.size() + path.size());
  std::memcpy(aad.data(), kLabel.data(), kLabel.size());
  if (!path.empty()) std::memcpy(aad.data() + kLabel.size(), path.data(), path.size());
  return aad;
}

Status Sealed() {
  return Unavailable("sealed", "keep is sealed");
}

}  // namespace

struct Barrier::Keyring {
  uint32_t active = 0;
  std::map<uint32_t, crypto::SecretBytes> terms;

  // u32 active || u32 count || (u32 term || 32 key bytes)*
  crypto::SecretBytes Serialize() const {
    crypto::SecretBytes out(8 + terms.size() * 36);
    uint8_t* p = out.data();
    auto put = [&p](uint32_t v) {
      p[0] = static_cast<uint8_t>(v >> 24);
      p[1] = static_cast<uint8_t>(v >> 16);
      p[2] = static_cast<uint8_t>(v >> 8);
      p[3] = static_cast<uint8_t>(v);
      p += 4;
    };
    put(active);
    put(static_cast<uint32_t>(terms.size()));
    for (const auto& [term, key] : terms) {
      put(term);
      std::memcpy(p, key.data(), 32);
      p += 32;
    }
    return out;
  }

  static Result<Keyring> Parse(ByteView b) {
    if (b.size() < 8) return DataLoss("keyring is malformed");
    Keyring ring;
    ring.active = GetU32(b.data());
    const uint32_t count = GetU32(b.data() + 4);
    if (count == 0 || b.size() != 8 + size_t{count} * 36) return DataLoss("keyring is malformed");
    for (uint32_t i = 0; i < count; ++i) {
      const uint8_t* p = b.data() + 8 + size_t{i} * 36;
      ring.terms.emplace(GetU32(p), crypto::SecretBytes::LockedCopyOf(ByteView(p + 4, 32)));
    }
    if (!ring.terms.count(ring.active)) return DataLoss("keyring is malformed");
    return ring;
  }
};

Result<bool> Barrier::IsInitialized() {
  KEEP_ASSIGN_OR_RETURN(auto v, store_.Get(kKeyringPath));
  return v.has_value();
}

Result<Bytes> Barrier::SealRecord(const Keyring& ring, std::string_view path, ByteView plaintext) {
  const crypto::SecretBytes& key = ring.terms.at(ring.active);
  Bytes out(kRecordHeader + plaintext.size() + crypto::kAeadTagSize);
  out[0] = kRecordVersion;
  out[1] = static_cast<uint8_t>(ring.active >> 24);
  out[2] = static_cast<uint8_t>(ring.active >> 16);
  out[3] = static_cast<uint8_t>(ring.active >> 8);
  out[4] = static_cast<uint8_t>(ring.active);
  std::span<uint8_t> nonce(out.data() + 5, crypto::kAeadNonceSize);
  KEEP_RETURN_IF_ERROR(crypto::RandomFill(nonce));
  KEEP_RETURN_IF_ERROR(crypto::AeadSeal(crypto::AeadAlgorithm::kAesGcm, key.view(), nonce,
                                        Aad(path), plaintext,
                                        std::span<uint8_t>(out).subspan(kRecordHeader)));
  return out;
}

Result<crypto::SecretBytes> Barrier::Open(const Keyring& ring, std::string_view path,
                                          ByteView stored) {
  if (stored.size() < kRecordHeader + crypto::kAeadTagSize || stored[0] != kRecordVersion) {
    return DataLoss("stored record " + std::string(path) + " is malformed");
  }
  auto it = ring.terms.find(GetU32(stored.data() + 1));
  if (it == ring.terms.end()) {
    return DataLoss("stored record " + std::string(path) + " uses an unknown keyring term");
  }
  crypto::SecretBytes plain(stored.size() - kRecordHeader - crypto::kAeadTagSize);
  Status s = crypto::AeadOpen(crypto::AeadAlgorithm::kAesGcm, it->second.view(),
                              stored.subspan(5, crypto::kAeadNonceSize), Aad(path),
                              stored.subspan(kRecordHeader), plain.mutable_view());
  if (!s.ok()) return DataLoss("stored record " + std::string(path) + " failed authentication");
  return plain;
}

Status Barrier::WriteKeyring(const Keyring& ring, store::WriteOp::Kind kind) {
  Keyring wrap;
  wrap.active = 0;
  wrap.terms.emplace(0, keyring_key_.Clone());
  crypto::SecretBytes plain = ring.Serialize();
  KEEP_ASSIGN_OR_RETURN(Bytes sealed, SealRecord(wrap, kKeyringPath, plain.view()));
  store::WriteOp op{kind, std::string(kKeyringPath), std::move(sealed), {}};
  return store_.Commit({&op, 1});
}

Status Barrier::Initialize(const crypto::SecretBytes& root_key, std::vector<store::WriteOp> extra) {
  std::unique_lock lock(mu_);
  if (root_key.size() != 32) return InvalidArgument("root key must be 32 bytes");
  auto ring = std::make_shared<Keyring>();
  ring->active = 1;
  ring->terms.emplace(1, LockedRandom(32));
  crypto::SecretBytes kk = LockedRandom(32);
  if (kk.empty() || ring->terms.at(1).empty()) return Internal("the random generator failed");
  Keyring root_wrap;
  root_wrap.terms.emplace(0, root_key.Clone());
  Keyring kk_wrap;
  kk_wrap.terms.emplace(0, kk.Clone());
  crypto::SecretBytes ring_plain = ring->Serialize();
  KEEP_ASSIGN_OR_RETURN(Bytes sealed_kk, SealRecord(root_wrap, kRootPath, kk.view()));
  KEEP_ASSIGN_OR_RETURN(Bytes sealed_ring, SealRecord(kk_wrap, kKeyringPath, ring_plain.view()));
  extra.push_back(
      {store::WriteOp::Kind::kCreate, std::string(kRootPath), std::move(sealed_kk), {}});
  extra.push_back(
      {store::WriteOp::Kind::kCreate, std::string(kKeyringPath), std::move(sealed_ring), {}});
  Status s = store_.Commit(extra);
  if (s.code() == Code::kAlreadyExists) {
    return AlreadyExists("keep is already initialized", "already_initialized");
  }
  KEEP_RETURN_IF_ERROR(s);
  keyring_key_ = std::move(kk);
  ring_ = std::move(ring);
  return Status::Ok();
}

Result<crypto::SecretBytes> Barrier::OpenKeyringKey(const crypto::SecretBytes& root_key) {
  KEEP_ASSIGN_OR_RETURN(auto stored, store_.Get(kRootPath));
  if (!stored) return FailedPrecondition("not_initialized", "keep is not initialized");
  Keyring wrap;
  wrap.terms.emplace(0, root_key.Clone());
  auto kk = Open(wrap, kRootPath, *stored);
  if (!kk.ok() || kk->size() != 32) {
    return Unavailable("sealed", "the root key does not open the keyring");
  }
  return crypto::SecretBytes::LockedCopyOf(kk->view());
}

Result<std::shared_ptr<const Barrier::Keyring>> Barrier::ReadKeyring(
    const crypto::SecretBytes& keyring_key) {
  KEEP_ASSIGN_OR_RETURN(auto stored, store_.Get(kKeyringPath));
  if (!stored) return DataLoss("the keyring is missing from the store");
  Keyring wrap;
  wrap.terms.emplace(0, keyring_key.Clone());
  KEEP_ASSIGN_OR_RETURN(auto plain, Open(wrap, kKeyringPath, *stored));
  KEEP_ASSIGN_OR_RETURN(Keyring ring, Keyring::Parse(plain.view()));
  return std::shared_ptr<const Keyring>(std::make_shared<Keyring>(std::move(ring)));
}

Status Barrier::CheckRootKey(const crypto::SecretBytes& root_key) {
  return OpenKeyringKey(root_key).status();
}

Status Barrier::Unseal(const crypto::SecretBytes& root_key) {
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes kk, OpenKeyringKey(root_key));
  KEEP_ASSIGN_OR_RETURN(auto ring, ReadKeyring(kk));
  std::unique_lock lock(mu_);
  keyring_key_ = std::move(kk);
  ring_ = std::move(ring);
  return Status::Ok();
}

Status Barrier::Rekey(const crypto::SecretBytes& new_root, std::vector<store::WriteOp> extra) {
  if (new_root.size() != 32) return InvalidArgument("root key must be 32 bytes");
  crypto::SecretBytes kk;
  {
    std::shared_lock lock(mu_);
    if (!ring_) return Sealed();
    kk = keyring_key_.Clone();
  }
  Keyring wrap;
  wrap.terms.emplace(0, new_root.Clone());
  KEEP_ASSIGN_OR_RETURN(Bytes sealed_kk, SealRecord(wrap, kRootPath, kk.view()));
  extra.push_back({store::WriteOp::Kind::kPut, std::string(kRootPath), std::move(sealed_kk), {}});
  return store_.Commit(extra);
}

Status Barrier::Refresh() {
  crypto::SecretBytes kk;
  {
    std::shared_lock lock(mu_);
    if (!ring_) return Status::Ok();
    kk = keyring_key_.Clone();
  }
  KEEP_ASSIGN_OR_RETURN(auto ring, ReadKeyring(kk));
  std::unique_lock lock(mu_);
  if (ring_) ring_ = std::move(ring);
  return Status::Ok();
}

void Barrier::Seal() {
  std::unique_lock lock(mu_);
  ring_.reset();  // in-flight readers holding the pointer finish; the keys are wiped after
  keyring_key_ = crypto::SecretBytes();
}

bool Barrier::IsSealed() const {
  std::shared_lock lock(mu_);
  return ring_ == nullptr;
}

std::shared_ptr<const Barrier::Keyring> Barrier::Current() const {
  std::shared_lock lock(mu_);
  return ring_;
}

uint32_t Barrier::ActiveTerm() const {
  auto ring = Current();
  return ring ? ring->active : 0;
}

std::vector<uint32_t> Barrier::Terms() const {
  std::vector<uint32_t> out;
  if (auto ring = Current()) {
    for (const auto& [t, k] : ring->terms) out.push_back(t);
  }
  return out;
}

Result<uint32_t> Barrier::Rotate() {
  std::unique_lock lock(mu_);
  if (!ring_) return Sealed();
  auto next = std::make_shared<Keyring>();
  for (const auto& [t, k] : ring_->terms) next->terms.emplace(t, k.Clone());
  next->active = ring_->terms.rbegin()->first + 1;
  crypto::SecretBytes term = LockedRandom(32);
  if (term.empty()) return Internal("the random generator failed");
  next->terms.emplace(next->active, std::move(term));
  KEEP_RETURN_IF_ERROR(WriteKeyring(*next, store::WriteOp::Kind::kPut));
  ring_ = std::move(next);
  return ring_->active;
}

Result<Barrier::ReencryptStep> Barrier::Reencrypt(std::string_view after, size_t limit) {
  auto ring = Current();
  if (!ring) return Sealed();
  KEEP_ASSIGN_OR_RETURN(auto records, store_.List("", after, limit));
  ReencryptStep step;
  step.done = records.size() < limit;
  step.last_path = records.empty() ? std::string(after) : records.back().path;
  std::vector<store::WriteOp> ops;
  for (auto& r : records) {
    ++step.scanned;
    if (IsRawPath(r.path) || r.value.size() < kRecordHeader) continue;
    const uint32_t term = GetU32(r.value.data() + 1);
    if (term == ring->active) continue;
    auto plain = Open(*ring, r.path, r.value);
    if (!plain.ok()) {  // reads of it fail too; leave it for an operator to look at
      ++step.unreadable;
      continue;
    }
    KEEP_ASSIGN_OR_RETURN(Bytes fresh, SealRecord(*ring, r.path, plain->view()));
    ops.push_back({store::WriteOp::Kind::kRewrite, r.path, std::move(fresh), std::move(r.value)});
  }
  if (ops.empty()) return step;
  Status s = store_.Commit(ops);
  if (s.ok()) {
    step.rewritten = ops.size();
    return step;
  }
  if (s.reason() != "conflict") return s;
  // Someone wrote one of these records meanwhile: retry one by one, skipping the changed.
  for (const auto& op : ops) {
    Status one = store_.Commit({&op, 1});
    if (one.ok()) {
      ++step.rewritten;
    } else if (one.reason() == "conflict") {
      ++step.skipped;
    } else {
      return one;
    }
  }
  return step;
}

Result<std::map<uint32_t, uint64_t>> Barrier::CountByTerm() {
  std::map<uint32_t, uint64_t> out;
  std::string after;
  for (;;) {
    KEEP_ASSIGN_OR_RETURN(auto records, store_.List("", after, 1000));
    for (const auto& r : records) {
      if (IsRawPath(r.path) || r.value.size() < kRecordHeader) continue;
      ++out[GetU32(r.value.data() + 1)];
    }
    if (records.size() < 1000) return out;
    after = records.back().path;
  }
}

Result<std::optional<crypto::SecretBytes>> Barrier::Get(std::string_view path) {
  auto ring = Current();
  if (!ring) return Sealed();
  KEEP_ASSIGN_OR_RETURN(auto stored, store_.Get(path));
  if (!stored) return std::optional<crypto::SecretBytes>();
  KEEP_ASSIGN_OR_RETURN(auto plain, Open(*ring, path, *stored));
  return std::optional<crypto::SecretBytes>(std::move(plain));
}

Result<std::vector<BarrierRecord>> Barrier::List(std::string_view prefix, std::string_view after,
                                                 size_t limit) {
  auto ring = Current();
  if (!ring) return Sealed();
  KEEP_ASSIGN_OR_RETURN(auto records, store_.List(prefix, after, limit));
  std::vector<BarrierRecord> out;
  out.reserve(records.size());
  for (auto& r : records) {
    KEEP_ASSIGN_OR_RETURN(auto plain, Open(*ring, r.path, r.value));
    out.push_back({std::move(r.path), std::move(plain)});
  }
  return out;
}

Status Barrier::Commit(std::span<const BarrierWrite> writes) {
  auto ring = Current();
  if (!ring) return Sealed();
  std::vector<store::WriteOp> ops;
  ops.reserve(writes.size());
  for (const auto& w : writes) {
    if (IsRawPath(w.path)) return InvalidArgument("reserved path");
    store::WriteOp op{w.kind, w.path, {}, {}};
    if (w.kind != store::WriteOp::Kind::kDelete) {
      KEEP_ASSIGN_OR_RETURN(op.value, SealRecord(*ring, w.path, w.value));
    }
    ops.push_back(std::move(op));
  }
  return store_.Commit(ops);
}

}  // namespace keep::keys
