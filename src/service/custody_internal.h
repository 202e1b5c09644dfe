// Private to src/service: what custody.cc (init, unseal, seal) and rekey.cc share — the share
// collector, the rekey in progress, small helpers.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "crypto/shamir.h"
#include "service/custody.h"

namespace keep::service {

// Valid shares of one share set, by x. Held in locked memory; wiped when dropped.
struct ShareCollector {
  Bytes set_id;
  int64_t started = 0;
  std::map<uint8_t, crypto::Share> shares;
};

struct Custody::RekeyOp {
  std::string nonce;
  ShareOptions options;
  ShareCollector collected;
};

inline constexpr int64_t kUnsealProgressTtlS = 600;
inline constexpr std::string_view kSealPath = keys::Barrier::kSealConfigPath;

inline std::string KindName(std::optional<seal::ShareKind> k) {
  if (!k) return "";
  return *k == seal::ShareKind::kUnseal ? "unseal" : "recovery";
}

inline Status BadShare(std::string msg) {
  return Status(Code::kInvalidArgument, "invalid_share", std::move(msg));
}

inline Result<crypto::SecretBytes> Combine(const ShareCollector& c) {
  std::vector<const crypto::Share*> parts;
  for (const auto& [x, s] : c.shares) parts.push_back(&s);
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes root, crypto::ShamirCombine(parts));
  return crypto::SecretBytes::LockedCopyOf(root.view());
}

}  // namespace keep::service
