// Reloader: SIGHUP applies the config's reloadable settings.
#include "reload.h"

#include "common/log.h"

namespace keep::keepd {
namespace {

bool SameRate(const access::Rate& a, const access::Rate& b) {
  return a.per_second == b.per_second && a.burst == b.burst;
}

bool SameRates(const access::RateLimitOptions& a, const access::RateLimitOptions& b) {
  for (int i = 0; i < 3; ++i) {
    if (!SameRate(a.identity[i], b.identity[i]) || !SameRate(a.key[i], b.key[i])) return false;
  }
  return true;
}

bool SameLockdown(const access::LockdownOptions& a, const access::LockdownOptions& b) {
  return a.identity_budget == b.identity_budget && a.global_budget == b.global_budget &&
         a.window_s == b.window_s && a.seal == b.seal;
}

bool SameGuard(const access::GuardOptions& a, const access::GuardOptions& b) {
  if (a.anonymous != b.anonymous || a.anonymous_policies != b.anonymous_policies ||
      a.keas_policies != b.keas_policies || a.certificates.size() != b.certificates.size()) {
    return false;
  }
  for (size_t i = 0; i < a.certificates.size(); ++i) {
    const auto& x = a.certificates[i];
    const auto& y = b.certificates[i];
    if (x.name != y.name || x.subject != y.subject || x.spki_sha256 != y.spki_sha256 ||
        x.policies != y.policies) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<http::TlsFiles> TlsFilesOf(const Config& cfg) {
  http::TlsFiles files{cfg.tls_cert_file, cfg.tls_key_file, cfg.tls_client_ca_file,
                       cfg.tls_client_auth == "required"};
  if (!cfg.tls_dev_dir.empty()) {
    KEEP_ASSIGN_OR_RETURN(auto dev, http::EnsureDevCertificates(cfg.tls_dev_dir));
    files.cert_file = dev.cert_file;
    files.key_file = dev.key_file;
  }
  return files;
}

Status CheckTls(const Config& cfg) {
  if (!cfg.tls_dev_dir.empty()) return Status::Ok();
  KEEP_ASSIGN_OR_RETURN(const http::TlsFiles files, TlsFilesOf(cfg));
  return http::MakeServerContext(files).status();
}

std::vector<std::string> Reloader::Reload() {
  std::vector<std::string> said;
  auto say = [&](log::Level level, std::string line) {
    log::Write(level, "reload: " + line);
    said.push_back(std::move(line));
  };
  auto next = LoadConfig(path_);
  if (!next.ok()) {
    say(log::Level::kError,
        next.status().message() + "; nothing changed, keepd serves with the running configuration");
    return said;
  }
  Config& n = *next;

  // TLS first: if its files do not load, nothing else changes either (one config, one
  // outcome).
  auto files = TlsFilesOf(n);
  if (files.ok()) {
    if (Status st = tls_.Reload(*files); !st.ok()) {
      files = st;
    } else if (kmip_tls_ != nullptr) {
      http::TlsFiles mutual = *files;
      mutual.require_client_cert = true;
      if (Status k = kmip_tls_->Reload(mutual); !k.ok()) files = k;
    }
  }
  if (!files.ok()) {
    say(log::Level::kError, "tls: " + files.status().message() +
                                "; nothing changed, keepd serves with the running configuration");
    return said;
  }
  say(log::Level::kInfo,
      "tls: new connections get " + tls_.Describe() +
          (n.tls_client_ca_file.empty()
               ? ""
               : ", client CAs from " + n.tls_client_ca_file + " (" + n.tls_client_auth + ")"));

  if (n.log_level != running_.log_level) {
    log::Level level;
    if (log::ParseLevel(n.log_level, &level)) log::SetLevel(level);
    say(log::Level::kInfo, "log.level " + running_.log_level + " -> " + n.log_level);
  }
  if (n.log_format != running_.log_format) {
    log::Format format;
    if (log::ParseFormat(n.log_format, &format)) log::SetFormat(format);
    say(log::Level::kInfo, "log.format " + running_.log_format + " -> " + n.log_format);
  }
  const bool rates = !SameRates(n.api.rate_limits, running_.api.rate_limits);
  const bool lockdown = !SameLockdown(n.api.lockdown, running_.api.lockdown);
  const bool guard = !SameGuard(n.api.guard, running_.api.guard);
  if (rates || lockdown || guard) {
    gate_.Reconfigure({n.api.guard, n.api.rate_limits, n.api.lockdown});
    if (rates) say(log::Level::kInfo, "rate_limits changed (every bucket starts full)");
    if (lockdown) say(log::Level::kInfo, "lockdown budgets changed (counts so far kept)");
    if (guard) {
      say(log::Level::kInfo, "auth changed: anonymous access, keas policies or " +
                                 std::to_string(n.api.guard.certificates.size()) +
                                 " certificate mapping(s)");
    }
  }

  // What needs a restart: said, not applied.
  struct Fixed {
    const char* key;
    bool changed;
  };
  const Fixed fixed[] = {
      {"server.address/port",
       n.server.address != running_.server.address || n.server.port != running_.server.port},
      {"server.threads", n.server.threads != running_.server.threads},
      {"storage", n.storage_backend != running_.storage_backend ||
                      n.storage_path != running_.storage_path ||
                      n.storage_conninfo != running_.storage_conninfo},
      {"seal", n.seal_type != running_.seal_type},
      {"audit", n.audit_type != running_.audit_type || n.audit_path != running_.audit_path ||
                    n.audit_fsync != running_.audit_fsync},
      {"keas", n.keas.enabled != running_.keas.enabled || n.keas.port != running_.keas.port},
      {"kmip", n.kmip.enabled != running_.kmip.enabled || n.kmip.port != running_.kmip.port},
      {"memory.locked_heap_kib", n.locked_heap_kib != running_.locked_heap_kib},
      {"metrics.require_token", n.api.metrics_require_token != running_.api.metrics_require_token},
      {"console.enabled", n.api.console_enabled != running_.api.console_enabled},
      {"peers",
       [&] {
         if (n.peers.size() != running_.peers.size()) return true;
         for (size_t i = 0; i < n.peers.size(); ++i) {
           const auto &a = n.peers[i], &b = running_.peers[i];
           if (a.name != b.name || a.address != b.address || a.ca_file != b.ca_file ||
               a.client_cert_file != b.client_cert_file || a.client_key_file != b.client_key_file ||
               a.identity != b.identity || a.timeout_ms != b.timeout_ms) {
             return true;
           }
         }
         return false;
       }()},
  };
  for (const Fixed& f : fixed) {
    if (f.changed)
      say(log::Level::kWarn, std::string(f.key) + " changed: needs a restart; not applied");
  }
  // The settings applied become the running ones; the fixed ones stay as started, so a
  // later reload still reports them.
  running_.log_level = n.log_level;
  running_.log_format = n.log_format;
  running_.api.rate_limits = n.api.rate_limits;
  running_.api.lockdown = n.api.lockdown;
  running_.api.guard = n.api.guard;
  running_.tls_client_ca_file = n.tls_client_ca_file;
  running_.tls_client_auth = n.tls_client_auth;
  return said;
}

}  // namespace keep::keepd
