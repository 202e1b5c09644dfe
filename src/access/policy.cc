#include "access/policy.h"

#include <boost/json.hpp>

namespace keep::access {
namespace {

namespace json = boost::json;

constexpr std::pair<std::string_view, uint32_t> kKeyCaps[] = {
    {"encrypt", kCapEncrypt},
    {"decrypt", kCapDecrypt},
    {"rewrap", kCapRewrap},
    {"datakey", kCapDataKey},
    {"datakey-plaintext", kCapDataKeyPlaintext},
    {"read", kCapRead},
    {"create", kCapCreate},
    {"rotate", kCapRotate},
    {"manage", kCapManage},
    {"sign", kCapSign},
    {"verify", kCapVerify},
    {"hmac", kCapHmac},
    {"import", kCapImport},
    {"public-key", kCapPublicKey},
    {"export", kCapExport},
    {"peer", kCapPeer},
};
constexpr std::pair<std::string_view, uint32_t> kSysCaps[] = {
    {"sys", kSysCapSys},     {"tokens", kSysCapTokens}, {"policies", kSysCapPolicies},
    {"audit", kSysCapAudit}, {"random", kSysCapRandom},
};

bool Matches(std::string_view pattern, std::string_view key) {
  if (!pattern.empty() && pattern.back() == '*') {
    pattern.remove_suffix(1);
    return key.substr(0, pattern.size()) == pattern;
  }
  return pattern == key;
}

Status ValidatePattern(std::string_view p) {
  if (p.empty() || p.size() > 129) return InvalidArgument("a key pattern must be 1–128 characters");
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-' || c == '/' || (c == '*' && i + 1 == p.size());
    if (!ok) {
      return InvalidArgument("key pattern '" + std::string(p.substr(0, 130)) +
                             "' may hold only [A-Za-z0-9_./-] and one trailing '*'");
    }
  }
  return Status::Ok();
}

template <size_t N>
Result<uint32_t> ParseCaps(const json::value& v,
                           const std::pair<std::string_view, uint32_t> (&table)[N],
                           std::string_view what) {
  if (!v.is_array()) return InvalidArgument(std::string(what) + " must be an array of strings");
  uint32_t caps = 0;
  for (const auto& c : v.get_array()) {
    if (!c.is_string()) return InvalidArgument(std::string(what) + " must be an array of strings");
    const std::string_view name = c.get_string();
    uint32_t bit = 0;
    for (const auto& [n, b] : table) {
      if (n == name) bit = b;
    }
    if (bit == 0) {
      std::string known;
      for (const auto& [n, b] : table) known += (known.empty() ? "" : ", ") + std::string(n);
      return InvalidArgument("unknown capability '" + std::string(name.substr(0, 40)) + "' in " +
                             std::string(what) + " (known: " + known + ")");
    }
    if (caps & bit) return InvalidArgument("capability '" + std::string(name) + "' appears twice");
    caps |= bit;
  }
  return caps;
}

template <size_t N>
json::array CapsJson(uint32_t caps, const std::pair<std::string_view, uint32_t> (&table)[N]) {
  json::array a;
  for (const auto& [n, b] : table) {
    if (caps & b) a.emplace_back(n);
  }
  return a;
}

}  // namespace

bool Policy::AllowsKey(uint32_t cap, std::string_view key) const {
  for (const auto& r : rules) {
    if ((r.caps & cap) == cap && Matches(r.pattern, key)) return true;
  }
  return false;
}

bool Policy::AllowsAnyKey(uint32_t cap) const {
  for (const auto& r : rules) {
    if ((r.caps & cap) == cap) return true;
  }
  return false;
}

bool Policy::CanAssign(std::string_view policy) const {
  if (policy == "root") return false;
  for (const auto& a : assignable) {
    if (Matches(a, policy)) return true;
  }
  return false;
}

const Policy& RootPolicy() {
  static const Policy root{"root", {{"*", kAllKeyCaps}}, kAllSysCaps};
  return root;
}

Result<Policy> ParsePolicy(std::string_view name, std::string_view text) {
  KEEP_RETURN_IF_ERROR(ValidatePolicyName(name));
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return InvalidArgument("a policy is a JSON object");
  Policy p;
  p.name = std::string(name);
  for (const auto& [k, val] : v.get_object()) {
    if (k == "rules") {
      if (!val.is_array()) return InvalidArgument("'rules' must be an array");
      if (val.get_array().size() > 256) return InvalidArgument("a policy holds at most 256 rules");
      for (const auto& r : val.get_array()) {
        if (!r.is_object()) return InvalidArgument("each rule is an object {keys, capabilities}");
        const auto& o = r.get_object();
        for (const auto& [rk, rv] : o) {
          if (rk != "keys" && rk != "capabilities") {
            return InvalidArgument("unknown field '" + std::string(rk.substr(0, 40)) +
                                   "' in a rule");
          }
        }
        const auto* keys = o.if_contains("keys");
        const auto* caps = o.if_contains("capabilities");
        if (!keys || !keys->is_string()) return InvalidArgument("a rule needs 'keys', a string");
        if (!caps) return InvalidArgument("a rule needs 'capabilities'");
        KEEP_RETURN_IF_ERROR(ValidatePattern(keys->get_string()));
        KEEP_ASSIGN_OR_RETURN(uint32_t bits, ParseCaps(*caps, kKeyCaps, "capabilities"));
        if (bits == 0) return InvalidArgument("a rule must grant at least one capability");
        p.rules.push_back({std::string(keys->get_string()), bits});
      }
    } else if (k == "system") {
      KEEP_ASSIGN_OR_RETURN(p.system, ParseCaps(val, kSysCaps, "system"));
    } else if (k == "assignable_policies") {
      if (!val.is_array()) return InvalidArgument("'assignable_policies' must be an array");
      if (val.get_array().size() > 64) {
        return InvalidArgument("'assignable_policies' holds at most 64 names");
      }
      for (const auto& a : val.get_array()) {
        if (!a.is_string()) return InvalidArgument("'assignable_policies' holds policy names");
        std::string_view n = a.get_string();
        const bool prefix = !n.empty() && n.back() == '*';
        const std::string_view base = prefix ? n.substr(0, n.size() - 1) : n;
        if (!(prefix && base.empty())) {
          if (Status st = ValidatePolicyName(base); !st.ok()) {
            return InvalidArgument("assignable_policies: '" + std::string(n.substr(0, 70)) +
                                   "' is not a policy name or a prefix ending in '*'");
          }
        }
        if (n == "root") return InvalidArgument("assignable_policies: 'root' cannot be assigned");
        for (const auto& have : p.assignable) {
          if (have == n) {
            return InvalidArgument("assignable_policies: '" + std::string(n) + "' appears twice");
          }
        }
        p.assignable.emplace_back(n);
      }
    } else if (k != "name") {
      return InvalidArgument("unknown field '" + std::string(k.substr(0, 40)) + "' in a policy");
    } else if (!val.is_string() || val.get_string() != name) {
      return InvalidArgument("'name' in the body differs from the policy name");
    }
  }
  return p;
}

std::string PolicyJson(const Policy& p) {
  json::array rules;
  for (const auto& r : p.rules) {
    rules.push_back(
        json::object{{"keys", r.pattern}, {"capabilities", CapsJson(r.caps, kKeyCaps)}});
  }
  json::object o{{"rules", std::move(rules)}, {"system", CapsJson(p.system, kSysCaps)}};
  if (!p.assignable.empty()) {
    json::array a;
    for (const auto& n : p.assignable) a.emplace_back(n);
    o["assignable_policies"] = std::move(a);
  }
  return json::serialize(o);
}

std::string_view KeyCapName(uint32_t cap) {
  for (const auto& [n, b] : kKeyCaps) {
    if (b == cap) return n;
  }
  return "?";
}

std::string_view SysCapName(uint32_t cap) {
  for (const auto& [n, b] : kSysCaps) {
    if (b == cap) return n;
  }
  return "?";
}

}  // namespace keep::access
