#include "config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "access/policy.h"
#include "common/encoding.h"
#include "common/names.h"
#include "common/time.h"
#include "kmip/object.h"

#include <boost/asio/ip/address.hpp>

namespace keep::keepd {
namespace {

namespace fs = std::filesystem;

using Setter = std::function<Status(const toml::node&)>;

struct Binder {
  std::string file;
  std::string base_dir;
  std::map<std::string, Setter> keys;  // "table.key"

  Status Err(const std::string& key, const std::string& what) const {
    return InvalidArgument(file + ": " + key + ": " + what);
  }
  void Str(const std::string& key, std::string* out, bool path = false) {
    keys[key] = [this, key, out, path](const toml::node& n) {
      auto v = n.value<std::string>();
      if (!v || !n.is_string()) return Err(key, "must be a string");
      *out = (path && !v->empty() && fs::path(*v).is_relative())
                 ? (fs::path(base_dir) / *v).string()
                 : *v;
      return Status::Ok();
    };
  }
  template <typename T>
  void Int(const std::string& key, T* out, int64_t lo, int64_t hi) {
    keys[key] = [this, key, out, lo, hi](const toml::node& n) {
      if (!n.is_integer()) return Err(key, "must be an integer");
      const int64_t v = *n.value<int64_t>();
      if (v < lo || v > hi) {
        return Err(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
      }
      *out = static_cast<T>(v);
      return Status::Ok();
    };
  }
  void Bool(const std::string& key, bool* out) {
    keys[key] = [this, key, out](const toml::node& n) {
      if (!n.is_boolean()) return Err(key, "must be true or false");
      *out = *n.value<bool>();
      return Status::Ok();
    };
  }
  void StrList(const std::string& key, std::vector<std::string>* out) {
    keys[key] = [this, key, out](const toml::node& n) {
      const toml::array* a = n.as_array();
      if (!a) return Err(key, "must be an array of strings");
      out->clear();
      for (const auto& e : *a) {
        auto v = e.value<std::string>();
        if (!v || !e.is_string()) return Err(key, "must be an array of strings");
        out->push_back(*v);
      }
      return Status::Ok();
    };
  }
  // Operations per second (an integer or a float); 0: unlimited.
  void Rate(const std::string& key, access::Rate* out) {
    keys[key] = [this, key, out](const toml::node& n) {
      if (!n.is_integer() && !n.is_floating_point()) return Err(key, "must be a number per second");
      const double v = *n.value<double>();
      if (!(v >= 0) || v > 1e9) return Err(key, "must be between 0 and 1e9");
      out->per_second = v;
      return Status::Ok();
    };
  }
  // A duration string ("30s", "5m") stored as milliseconds or seconds.
  void Duration(const std::string& key, int* out, int scale, int64_t min_s) {
    keys[key] = [this, key, out, scale, min_s](const toml::node& n) {
      auto v = n.value<std::string>();
      if (!v || !n.is_string()) return Err(key, "must be a duration string such as \"30s\"");
      auto d = ParseDuration(*v);
      if (!d.ok()) return Err(key, d.status().message());
      if (*d < min_s || *d > 86400) return Err(key, "is out of range");
      *out = static_cast<int>(*d * scale);
      return Status::Ok();
    };
  }
};

// [[auth.certificate]] tables: name, policies, and subject and/or spki_sha256.
Status ParseCertificates(const Binder& b, const toml::node& n,
                         std::vector<access::CertIdentity>* out) {
  const toml::array* a = n.as_array();
  if (!a) return b.Err("auth.certificate", "must be an array of tables ([[auth.certificate]])");
  for (const auto& e : *a) {
    const toml::table* t = e.as_table();
    if (!t) return b.Err("auth.certificate", "must be an array of tables ([[auth.certificate]])");
    access::CertIdentity c;
    for (const auto& [k, v] : *t) {
      const std::string key = "auth.certificate." + std::string(k.str());
      if (k != "policies" && k != "name" && k != "subject" && k != "spki_sha256") {
        return b.Err(key, "unknown setting");
      }
      if (k == "policies") {
        const toml::array* p = v.as_array();
        if (!p) return b.Err(key, "must be an array of strings");
        for (const auto& x : *p) {
          if (!x.is_string()) return b.Err(key, "must be an array of strings");
          c.policies.push_back(*x.value<std::string>());
        }
        continue;
      }
      if (!v.is_string()) return b.Err(key, "must be a string");
      const std::string s = *v.value<std::string>();
      if (k == "name") {
        c.name = s;
      } else if (k == "subject") {
        c.subject = s;
      } else {  // spki_sha256
        c.spki_sha256 = s;
        std::transform(c.spki_sha256.begin(), c.spki_sha256.end(), c.spki_sha256.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        auto raw = HexDecode(c.spki_sha256);
        if (!raw.ok() || raw->size() != 32) return b.Err(key, "must be 64 hex digits (SHA-256)");
      }
    }
    if (c.name.empty()) return b.Err("auth.certificate", "each entry needs a name");
    if (c.subject.empty() && c.spki_sha256.empty()) {
      return b.Err("auth.certificate", "entry '" + c.name + "' needs subject or spki_sha256");
    }
    for (const auto& p : c.policies) {
      if (Status st = access::ValidatePolicyName(p); !st.ok()) {
        return b.Err("auth.certificate.policies", st.message());
      }
    }
    out->push_back(std::move(c));
  }
  return Status::Ok();
}

// [[peers]] tables (docs/operations.md "Split keys with a peer").
Status ParsePeers(const Binder& b, const toml::node& n, std::vector<peer::PeerConfig>* out) {
  const toml::array* a = n.as_array();
  if (!a) return b.Err("peers", "must be an array of tables ([[peers]])");
  for (const auto& e : *a) {
    const toml::table* t = e.as_table();
    if (!t) return b.Err("peers", "must be an array of tables ([[peers]])");
    peer::PeerConfig p;
    for (const auto& [k, v] : *t) {
      const std::string key = "peers." + std::string(k.str());
      if (k == "timeout") {
        auto d = v.is_string() ? ParseDuration(*v.value<std::string>())
                               : Result<int64_t>(InvalidArgument("must be a duration"));
        if (!d.ok() || *d < 1 || *d > 300) {
          return b.Err(key, "must be a duration from 1s to 5m, such as \"5s\"");
        }
        p.timeout_ms = static_cast<int>(*d * 1000);
        continue;
      }
      std::string* field = k == "name"               ? &p.name
                           : k == "address"          ? &p.address
                           : k == "ca_file"          ? &p.ca_file
                           : k == "client_cert_file" ? &p.client_cert_file
                           : k == "client_key_file"  ? &p.client_key_file
                           : k == "identity"         ? &p.identity
                                                     : nullptr;
      if (!field) return b.Err(key, "unknown setting");
      if (!v.is_string()) return b.Err(key, "must be a string");
      *field = *v.value<std::string>();
      if (k.str().ends_with("_file") && fs::path(*field).is_relative()) {
        *field = (fs::path(b.base_dir) / *field).string();
      }
    }
    if (Status st = ValidateKeyName(p.name); p.name.empty() || !st.ok()) {
      return b.Err("peers.name", "each peer needs a name (letters, digits, - _ .)");
    }
    const std::string at = " (peer '" + p.name + "')";
    if (!p.address.starts_with("https://")) {
      return b.Err("peers.address", "must be https://HOST:PORT" + at);
    }
    if (p.ca_file.empty() || p.client_cert_file.empty() || p.client_key_file.empty()) {
      return b.Err("peers", "ca_file, client_cert_file and client_key_file are required" + at);
    }
    if (!p.identity.starts_with("cert:") || p.identity.size() == 5) {
      return b.Err("peers.identity",
                   "must be \"cert:<name>\" of the [[auth.certificate]] entry that maps the "
                   "peer's client certificate" +
                       at);
    }
    out->push_back(std::move(p));
  }
  return Status::Ok();
}

}  // namespace

Result<Config> ParseConfig(std::string_view text, const std::string& base_dir,
                           const std::string& name) {
  toml::table parsed;
  try {
    parsed = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    return InvalidArgument(name + ":" + std::to_string(e.source().begin.line) + ": " +
                           std::string(e.description()));
  }
  Config c;
  Binder b{name, base_dir, {}};
  b.Str("server.address", &c.server.address);
  b.Int("server.port", &c.server.port, 0, 65535);
  b.Int("server.threads", &c.server.threads, 0, 256);
  b.Int("server.blocking_threads", &c.server.blocking_threads, 0, 256);
  b.Int("server.max_body_bytes", &c.api.max_body_bytes, 1024, int64_t{1} << 30);
  b.Int("server.max_batch_body_bytes", &c.api.max_batch_body_bytes, 1024, int64_t{1} << 30);
  b.Int("server.max_batch_items", &c.api.max_batch_items, 1, 1000000);
  b.Duration("server.handshake_timeout", &c.server.handshake_timeout_ms, 1000, 1);
  b.Duration("server.request_timeout", &c.server.request_timeout_ms, 1000, 1);
  b.Duration("server.idle_timeout", &c.server.idle_timeout_ms, 1000, 1);
  b.Duration("server.write_timeout", &c.server.write_timeout_ms, 1000, 1);
  b.Duration("server.shutdown_grace", &c.server.shutdown_grace_ms, 1000, 0);
  b.Int("server.max_connections", &c.max_connections, 0, 1000000);
  b.Int("server.max_body_memory_mib", &c.max_body_memory_mib, 1, 1 << 20);
  b.Str("tls.cert_file", &c.tls_cert_file, true);
  b.Str("tls.key_file", &c.tls_key_file, true);
  b.Str("tls.dev_dir", &c.tls_dev_dir, true);
  b.Str("storage.backend", &c.storage_backend);
  b.Str("storage.path", &c.storage_path, true);
  b.Str("storage.conninfo", &c.storage_conninfo);
  b.Int("storage.pool_size", &c.storage_pool_size, 1, 64);
  b.Str("seal.type", &c.seal_type);
  b.Str("seal.dev_key_file", &c.dev_key_file, true);
  b.Str("seal.module", &c.pkcs11_module, true);
  b.Str("seal.token_label", &c.pkcs11_token_label);
  b.Str("seal.key_label", &c.pkcs11_key_label);
  b.Str("seal.pin_env", &c.pkcs11_pin_env);
  b.Str("seal.pin_file", &c.pkcs11_pin_file, true);
  b.Bool("seal.generate_key", &c.pkcs11_generate_key);
  b.Int("memory.locked_heap_kib", &c.locked_heap_kib, 64, 1 << 20);
  // A PIN in the config file would end up in backups and version control: refused.
  b.keys["seal.pin"] = [&b](const toml::node&) {
    return b.Err("seal.pin", "is not accepted in the config file: use pin_env or pin_file");
  };
  b.Bool("seal.dev_auto_init", &c.dev_auto_init);
  b.Str("seal.dev_root_token_file", &c.dev_root_token_file, true);
  b.Duration("keys.maintenance_interval", &c.maintenance_interval_s, 1, 1);
  b.Str("log.level", &c.log_level);
  b.Str("log.format", &c.log_format);
  b.Str("tls.client_ca_file", &c.tls_client_ca_file, true);
  b.Str("tls.client_auth", &c.tls_client_auth);
  b.Str("audit.type", &c.audit_type);
  b.Str("audit.path", &c.audit_path, true);
  b.Int("audit.max_size_mib", &c.audit_max_size_mib, 1, 1 << 20);
  b.Bool("audit.fsync", &c.audit_fsync);
  b.Duration("audit.write_timeout", &c.audit_write_timeout_ms, 1000, 1);
  b.Int("audit.checkpoint_records", &c.audit_checkpoint_records, 1, 10000000);
  b.Duration("audit.checkpoint_interval", &c.audit_checkpoint_interval_ms, 1000, 1);
  b.Bool("auth.anonymous", &c.api.guard.anonymous);
  b.StrList("auth.anonymous_policies", &c.api.guard.anonymous_policies);
  b.keys["auth.certificate"] = [&b, &c](const toml::node& n) {
    return ParseCertificates(b, n, &c.api.guard.certificates);
  };
  static constexpr const char* kClasses[] = {"encrypt", "decrypt", "other"};
  for (int i = 0; i < 3; ++i) {
    b.Rate("rate_limits.identity_" + std::string(kClasses[i]), &c.api.rate_limits.identity[i]);
    b.Rate("rate_limits.key_" + std::string(kClasses[i]), &c.api.rate_limits.key[i]);
  }
  b.Int("rate_limits.burst_seconds", &c.rate_burst_seconds, 1, 3600);
  b.Int("lockdown.identity_decrypt_budget", &c.api.lockdown.identity_budget, 0, int64_t{1} << 40);
  b.Int("lockdown.global_decrypt_budget", &c.api.lockdown.global_budget, 0, int64_t{1} << 40);
  b.Duration("lockdown.window", &c.api.lockdown.window_s, 1, 1);
  b.Str("lockdown.action", &c.lockdown_action);
  b.Bool("metrics.require_token", &c.api.metrics_require_token);
  b.Bool("console.enabled", &c.api.console_enabled);
  b.Bool("keas.enabled", &c.keas.enabled);
  b.Str("keas.address", &c.keas.address);
  b.Int("keas.port", &c.keas.port, 0, 65535);
  b.Bool("keas.tls", &c.keas.tls);
  b.Bool("keas.allow_plain_http", &c.keas.allow_plain_http);
  b.Str("keas.key", &c.keas.key);
  b.StrList("keas.policies", &c.api.guard.keas_policies);
  b.Bool("kmip.enabled", &c.kmip.enabled);
  b.Str("kmip.address", &c.kmip.address);
  b.Int("kmip.port", &c.kmip.port, 0, 65535);
  b.Int("kmip.max_message_kib", &c.kmip_max_message_kib, 4, 65536);
  b.Str("kmip.default_group", &c.kmip.default_group);
  b.Bool("aws.enabled", &c.api.aws.enabled);
  b.Str("aws.region", &c.api.aws.region);
  b.Str("aws.account_id", &c.api.aws.account_id);

  c.storage_path = (fs::path(base_dir) / c.storage_path).string();
  c.audit_path = (fs::path(base_dir) / c.audit_path).string();
  c.dev_key_file = (fs::path(base_dir) / c.dev_key_file).string();
  for (const auto& [table_name, table_node] : parsed) {
    const std::string t(table_name.str());
    if (t == "peers") {  // the one top-level array of tables
      KEEP_RETURN_IF_ERROR(ParsePeers(b, table_node, &c.peers));
      continue;
    }
    if (!table_node.is_table()) return b.Err(t, "unknown top-level key (expected a [table])");
    for (const auto& [key, node] : *table_node.as_table()) {
      const std::string full = t + "." + std::string(key.str());
      auto it = b.keys.find(full);
      if (it == b.keys.end()) return b.Err(full, "unknown setting");
      KEEP_RETURN_IF_ERROR(it->second(node));
    }
  }
  if (c.storage_backend != "sqlite" && c.storage_backend != "postgres") {
    return b.Err("storage.backend", "must be \"sqlite\" or \"postgres\"");
  }
  if (c.storage_backend == "postgres" && c.storage_conninfo.empty()) {
    return b.Err("storage.conninfo", "is required with backend = \"postgres\"");
  }
  if (c.seal_type != "dev-file" && c.seal_type != "shamir" && c.seal_type != "pkcs11") {
    return b.Err("seal.type", "must be \"shamir\", \"pkcs11\" or \"dev-file\"");
  }
  if (c.seal_type == "pkcs11") {
    if (c.pkcs11_module.empty() || c.pkcs11_token_label.empty() || c.pkcs11_key_label.empty()) {
      return b.Err("seal", "type \"pkcs11\" needs module, token_label and key_label");
    }
    if (c.pkcs11_pin_env.empty() == c.pkcs11_pin_file.empty()) {
      return b.Err("seal", "type \"pkcs11\" needs exactly one of pin_env and pin_file");
    }
  } else if (!c.pkcs11_module.empty() || !c.pkcs11_token_label.empty() ||
             !c.pkcs11_key_label.empty() || !c.pkcs11_pin_env.empty() ||
             !c.pkcs11_pin_file.empty()) {
    return b.Err("seal",
                 "module, token_label, key_label, pin_env and pin_file are for type "
                 "\"pkcs11\"");
  }
  if (c.seal_type != "dev-file" && (c.dev_auto_init || !c.dev_root_token_file.empty())) {
    return b.Err("seal", "dev_auto_init and dev_root_token_file are for type \"dev-file\"");
  }
  if ((c.locked_heap_kib & (c.locked_heap_kib - 1)) != 0) {
    return b.Err("memory.locked_heap_kib", "must be a power of two");
  }
  if (c.tls_dev_dir.empty() && (c.tls_cert_file.empty() || c.tls_key_file.empty())) {
    return b.Err("tls", "set cert_file and key_file, or dev_dir for a development certificate");
  }
  for (int i = 0; i < 3; ++i) {
    for (access::Rate* r : {&c.api.rate_limits.identity[i], &c.api.rate_limits.key[i]}) {
      r->burst = r->per_second * c.rate_burst_seconds;
    }
  }
  if (c.lockdown_action != "revoke" && c.lockdown_action != "seal") {
    return b.Err("lockdown.action", "must be \"revoke\" (lock the identity) or \"seal\"");
  }
  c.api.lockdown.seal = c.lockdown_action == "seal";
  if (c.keas.enabled) {
    boost::system::error_code ec;
    const auto addr = boost::asio::ip::make_address(c.keas.address, ec);
    if (ec) return b.Err("keas.address", "must be an IP address");
    if (!c.keas.tls && !addr.is_loopback() && !c.keas.allow_plain_http) {
      return b.Err("keas.tls",
                   "plain HTTP is allowed only on a loopback address or with "
                   "allow_plain_http = true (keas.kmi clients send the key encrypting key in the "
                   "request body)");
    }
    if (Status st = ValidateKeyName(c.keas.key); !st.ok()) return b.Err("keas.key", st.message());
  }
  c.kmip.max_message_bytes = static_cast<size_t>(c.kmip_max_message_kib) << 10;
  if (c.kmip.enabled) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(c.kmip.address, ec);
    if (ec) return b.Err("kmip.address", "must be an IP address");
    if (c.tls_client_ca_file.empty()) {
      return b.Err("kmip.enabled",
                   "KMIP clients authenticate with certificates: set tls.client_ca_file and map "
                   "them with [[auth.certificate]]");
    }
    if (!kmip::ValidGroup(c.kmip.default_group)) {
      return b.Err("kmip.default_group", "must be 1-64 characters of A-Z, a-z, 0-9, _ . -");
    }
  }
  {
    const std::string& a = c.api.aws.account_id;
    if (a.size() != 12 ||
        !std::all_of(a.begin(), a.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
      return b.Err("aws.account_id", "must be 12 digits (it appears in key ARNs)");
    }
    const std::string& r = c.api.aws.region;
    if (r.empty() || r.size() > 32 || !std::all_of(r.begin(), r.end(), [](char ch) {
          return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
        })) {
      return b.Err("aws.region", "must be a region name such as us-east-1");
    }
  }
  if (c.audit_type != "file" && c.audit_type != "log") {
    return b.Err("audit.type", "must be \"file\" or \"log\"");
  }
  if (c.tls_client_auth != "optional" && c.tls_client_auth != "required") {
    return b.Err("tls.client_auth", "must be \"optional\" or \"required\"");
  }
  if (c.tls_client_ca_file.empty() &&
      (c.tls_client_auth == "required" || !c.api.guard.certificates.empty())) {
    return b.Err("tls.client_ca_file",
                 "is required for client certificates (auth.certificate, client_auth)");
  }
  for (const auto& p : c.peers) {
    const bool mapped = std::any_of(
        c.api.guard.certificates.begin(), c.api.guard.certificates.end(),
        [&](const access::CertIdentity& ci) { return "cert:" + ci.name == p.identity; });
    if (!mapped) {
      return b.Err("peers.identity",
                   "'" + p.identity + "' (peer '" + p.name + "') is no [[auth.certificate]] entry");
    }
  }
  for (const auto& p : c.api.guard.anonymous_policies) {
    if (Status st = access::ValidatePolicyName(p); !st.ok()) {
      return b.Err("auth.anonymous_policies", st.message());
    }
  }
  if (!c.api.guard.anonymous_policies.empty() && !c.api.guard.anonymous) {
    return b.Err("auth.anonymous_policies", "set auth.anonymous = true to use them");
  }
  if (c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" &&
      c.log_level != "error" && c.log_level != "off") {
    return b.Err("log.level", "must be debug, info, warn, error or off");
  }
  if (c.log_format != "text" && c.log_format != "json") {
    return b.Err("log.format", "must be text or json");
  }
  return c;
}

Result<Config> LoadConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return InvalidArgument("cannot read the config file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string dir = fs::absolute(fs::path(path)).parent_path().string();
  return ParseConfig(ss.str(), dir, path);
}

}  // namespace keep::keepd
