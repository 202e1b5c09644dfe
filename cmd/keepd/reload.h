// What SIGHUP changes in a running keepd: the config file is read again and what can
// change without a restart is applied — TLS certificate, key and client CAs (read again
// even when the paths are unchanged, for certificates renewed in place), log level and
// format, rate limits, decrypt-lockdown budgets, anonymous access and certificate
// mappings. Everything else (addresses, ports, storage, seal, audit, doors) needs a
// restart: a change there is logged as not applied. A config that does not parse, or TLS
// files that do not load, change nothing: keepd keeps serving with what it had.
// Not thread-safe: run on one thread at a time (keepd's signal handler).
#pragma once

#include <string>
#include <vector>

#include "access/gate.h"
#include "config.h"
#include "http/tls_reload.h"

namespace keep::keepd {

// The TLS files a config names (the dev certificates, created when missing, for dev_dir).
Result<http::TlsFiles> TlsFilesOf(const Config& cfg);

// For `keepd --check`: the certificate, key and client CAs the config names load and
// match (with tls.dev_dir, nothing to check: keepd generates what is missing).
Status CheckTls(const Config& cfg);

class Reloader {
 public:
  // `running` is the config keepd started with; the objects must outlive the Reloader.
  // `kmip_tls` may be null (no KMIP door).
  Reloader(std::string config_path, Config running, access::Gate& gate, http::ReloadableTls& tls,
           http::ReloadableTls* kmip_tls)
      : path_(std::move(config_path)),
        running_(std::move(running)),
        gate_(gate),
        tls_(tls),
        kmip_tls_(kmip_tls) {}

  // Reads the config file and applies what changed; returns one line per change applied
  // or refused (each also logged). Never fails keepd.
  std::vector<std::string> Reload();

 private:
  std::string path_;
  Config running_;
  access::Gate& gate_;
  http::ReloadableTls& tls_;
  http::ReloadableTls* kmip_tls_;
};

}  // namespace keep::keepd
