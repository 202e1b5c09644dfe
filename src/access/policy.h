// Policies: named lists of rules granting capabilities. Deny by default: an identity may
// do only what one of its policies grants.
//
// A rule pairs a key-name pattern with key capabilities. Patterns are an exact name, a
// prefix ending in '*' ("app-*"), or "*" alone (every key). System capabilities are
// granted by the policy as a whole. The JSON form (docs/api.md):
//
//   {"rules":[{"keys":"app-*","capabilities":["encrypt","rewrap"]}],
//    "system":["tokens"],
//    "assignable_policies":["staff","app-*"]}
//
// `assignable_policies` (names, or prefixes ending in '*') lets an identity holding the
// policy — and the `tokens` system capability — create tokens carrying those policies
// without holding them itself (Vault's token-role allowed_policies, AWS's PassRole): an
// administrator who must not read data can still issue the privileged staff's tokens.
// "root" can never be assigned this way.
//
// The built-in policy "root" grants everything and can be neither written nor deleted.
// Pure values; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/names.h"
#include "keep/result.h"

namespace keep::access {

// Key capabilities (bit flags).
enum KeyCap : uint32_t {
  kCapEncrypt = 1u << 0,
  kCapDecrypt = 1u << 1,
  kCapRewrap = 1u << 2,
  kCapDataKey = 1u << 3,           // wrapped data keys only
  kCapDataKeyPlaintext = 1u << 4,  // data keys with their plaintext
  kCapRead = 1u << 5,              // key metadata, listing
  kCapCreate = 1u << 6,
  kCapRotate = 1u << 7,
  kCapManage = 1u << 8,  // config, enable/disable, delete, cancel deletion
  kCapSign = 1u << 9,
  kCapVerify = 1u << 10,  // signatures and MACs
  kCapHmac = 1u << 11,
  kCapImport = 1u << 12,     // import parameters and key material (bring your own key)
  kCapPublicKey = 1u << 13,  // an asymmetric key's public half
  kCapExport = 1u << 14,     // KMIP Get: a managed object's key material leaves keep
  kCapPeer = 1u << 15,       // a peer deployment's part in split keys: joint generation, partials
  kAllKeyCaps = (1u << 16) - 1,
};

// System capabilities (bit flags).
enum SysCap : uint32_t {
  kSysCapSys = 1u << 0,       // seal, keyring rotate, rekey, lockdown, server status
  kSysCapTokens = 1u << 1,    // create (within own policies), list, look up, revoke any token
  kSysCapPolicies = 1u << 2,  // write, read, list, delete policies
  kSysCapAudit = 1u << 3,     // audit HMAC lookups, the checkpoint public key
  kSysCapRandom = 1u << 4,    // /v1/random
  kAllSysCaps = (1u << 5) - 1,
};

struct PolicyRule {
  std::string pattern;  // "name", "prefix*" or "*"
  uint32_t caps = 0;    // KeyCap bits
};

struct Policy {
  std::string name;
  std::vector<PolicyRule> rules;
  uint32_t system = 0;                  // SysCap bits
  std::vector<std::string> assignable;  // policy names or "prefix*" patterns

  // Whether this policy lets its holder give tokens the policy `policy` (never "root").
  bool CanAssign(std::string_view policy) const;
  // Whether some rule matching `key` grants `cap`.
  bool AllowsKey(uint32_t cap, std::string_view key) const;
  // Whether any rule grants `cap` on some key (for listing).
  bool AllowsAnyKey(uint32_t cap) const;
};

// "root": every capability on every key and the system.
const Policy& RootPolicy();

// Policy names: common/names.h (1–64 characters of [a-z0-9_-]); "root" is reserved
// (checked by callers that write).
using keep::ValidatePolicyName;
// Parses the JSON form strictly: unknown fields, unknown capabilities, bad patterns,
// duplicate capabilities or more than 256 rules are bad_request naming the problem.
Result<Policy> ParsePolicy(std::string_view name, std::string_view json_text);
// The JSON form (capabilities in a fixed order), without the name.
std::string PolicyJson(const Policy& p);

std::string_view KeyCapName(uint32_t cap);
std::string_view SysCapName(uint32_t cap);

}  // namespace keep::access
