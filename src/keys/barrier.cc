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
      ring.terms.emplace(GetU32(p), crypto::SecretBytes::CopyOf(ByteView(p + 4, 32)));
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
  // The keyring itself is encrypted under the root key, as a one-term ring.
  Keyring root;
  root.active = 0;
  root.terms.emplace(0, root_key_.Clone());
  crypto::SecretBytes plain = ring.Serialize();
  KEEP_ASSIGN_OR_RETURN(Bytes sealed, SealRecord(root, kKeyringPath, plain.view()));
  store::WriteOp op{kind, std::string(kKeyringPath), std::move(sealed)};
  Status s = store_.Commit({&op, 1});
  if (s.code() == Code::kAlreadyExists) {
    return AlreadyExists("keep is already initialized", "already_initialized");
  }
  return s;
}

Status Barrier::Initialize(const crypto::SecretBytes& root_key) {
  std::unique_lock lock(mu_);
  if (root_key.size() != 32) return InvalidArgument("root key must be 32 bytes");
  auto ring = std::make_shared<Keyring>();
  ring->active = 1;
  KEEP_ASSIGN_OR_RETURN(auto term, crypto::RandomSecret(32));
  ring->terms.emplace(1, std::move(term));
  root_key_ = root_key.Clone();
  Status s = WriteKeyring(*ring, store::WriteOp::Kind::kCreate);
  if (!s.ok()) {
    root_key_ = crypto::SecretBytes();
    return s;
  }
  ring_ = std::move(ring);
  return Status::Ok();
}

Status Barrier::Unseal(const crypto::SecretBytes& root_key) {
  KEEP_ASSIGN_OR_RETURN(auto stored, store_.Get(kKeyringPath));
  if (!stored) return FailedPrecondition("not_initialized", "keep is not initialized");
  Keyring root;
  root.terms.emplace(0, root_key.Clone());
  auto plain = Open(root, kKeyringPath, *stored);
  if (!plain.ok()) {
    return Unavailable("sealed", "the root key does not open the keyring");
  }
  KEEP_ASSIGN_OR_RETURN(Keyring ring, Keyring::Parse(plain->view()));
  std::unique_lock lock(mu_);
  root_key_ = root_key.Clone();
  ring_ = std::make_shared<const Keyring>(std::move(ring));
  return Status::Ok();
}

Status Barrier::Refresh() {
  crypto::SecretBytes root;
  {
    std::shared_lock lock(mu_);
    if (!ring_) return Status::Ok();
    root = root_key_.Clone();
  }
  KEEP_ASSIGN_OR_RETURN(auto stored, store_.Get(kKeyringPath));
  if (!stored) return DataLoss("the keyring disappeared from the store");
  Keyring wrap;
  wrap.terms.emplace(0, std::move(root));
  KEEP_ASSIGN_OR_RETURN(auto plain, Open(wrap, kKeyringPath, *stored));
  KEEP_ASSIGN_OR_RETURN(Keyring ring, Keyring::Parse(plain.view()));
  std::unique_lock lock(mu_);
  if (ring_) ring_ = std::make_shared<const Keyring>(std::move(ring));
  return Status::Ok();
}

void Barrier::Seal() {
  std::unique_lock lock(mu_);
  ring_.reset();  // in-flight readers holding the pointer finish; the keys are wiped after
  root_key_ = crypto::SecretBytes();
}

bool Barrier::IsSealed() const {
  std::shared_lock lock(mu_);
  return ring_ == nullptr;
}

uint32_t Barrier::ActiveTerm() const {
  std::shared_lock lock(mu_);
  return ring_ ? ring_->active : 0;
}

Result<uint32_t> Barrier::Rotate() {
  std::unique_lock lock(mu_);
  if (!ring_) return Sealed();
  auto next = std::make_shared<Keyring>();
  for (const auto& [t, k] : ring_->terms) next->terms.emplace(t, k.Clone());
  next->active = ring_->terms.rbegin()->first + 1;
  KEEP_ASSIGN_OR_RETURN(auto term, crypto::RandomSecret(32));
  next->terms.emplace(next->active, std::move(term));
  KEEP_RETURN_IF_ERROR(WriteKeyring(*next, store::WriteOp::Kind::kPut));
  ring_ = std::move(next);
  return ring_->active;
}

Result<std::optional<crypto::SecretBytes>> Barrier::Get(std::string_view path) {
  std::shared_ptr<const Keyring> ring;
  {
    std::shared_lock lock(mu_);
    ring = ring_;
  }
  if (!ring) return Sealed();
  KEEP_ASSIGN_OR_RETURN(auto stored, store_.Get(path));
  if (!stored) return std::optional<crypto::SecretBytes>();
  KEEP_ASSIGN_OR_RETURN(auto plain, Open(*ring, path, *stored));
  return std::optional<crypto::SecretBytes>(std::move(plain));
}

Result<std::vector<BarrierRecord>> Barrier::List(std::string_view prefix, std::string_view after,
                                                 size_t limit) {
  std::shared_ptr<const Keyring> ring;
  {
    std::shared_lock lock(mu_);
    ring = ring_;
  }
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
  std::shared_ptr<const Keyring> ring;
  {
    std::shared_lock lock(mu_);
    ring = ring_;
  }
  if (!ring) return Sealed();
  std::vector<store::WriteOp> ops;
  ops.reserve(writes.size());
  for (const auto& w : writes) {
    if (w.path == kKeyringPath) return InvalidArgument("reserved path");
    store::WriteOp op{w.kind, w.path, {}};
    if (w.kind != store::WriteOp::Kind::kDelete) {
      KEEP_ASSIGN_OR_RETURN(op.value, SealRecord(*ring, w.path, w.value));
    }
    ops.push_back(std::move(op));
  }
  return store_.Commit(ops);
}

}  // namespace keep::keys
