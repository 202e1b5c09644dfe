// keepd's configuration: a TOML file (docs/operations.md lists every key).
//
// Parsing is strict: an unknown table or key, a wrong type or an out-of-range value
// is an error naming the key, so a typo never silently changes behaviour. Relative
// paths are resolved against the directory of the config file.
#pragma once

#include <string>
#include <vector>

#include "audit/trail.h"
#include "http/api.h"
#include "http/keas_door.h"
#include "http/kmip_door.h"
#include "http/server.h"
#include "keep/result.h"
#include "peer/peer_config.h"

namespace keep::keepd {

struct Config {
  http::ServerOptions server;
  http::ApiOptions api;
  http::KeasOptions keas;  // [keas]: the keas.kmi door's listener
  http::KmipOptions kmip;  // [kmip]: the KMIP door's listener
  // server.max_connections before resolution: 0 derives it from the open-file limit
  // (main.cc, ResolveConnectionLimit).
  int max_connections = 0;
  int max_body_memory_mib = 256;    // server.max_body_memory_mib
  int kmip_max_message_kib = 1024;  // kmip.max_message_kib
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_dev_dir;  // when set: generate a dev CA + server certificate here if missing
  std::string tls_client_ca_file;            // mutual TLS: CAs for client certificates
  std::string tls_client_auth = "optional";  // "optional" or "required" (with client_ca_file)
  // The audit trail: "file" (the hash-chained trail, the default) or "log" (server log;
  // development only).
  std::string audit_type = "file";
  std::string audit_path = "audit.log";
  int audit_max_size_mib = 256;
  bool audit_fsync = true;
  int audit_write_timeout_ms = 5000;
  int audit_checkpoint_records = 10000;
  int audit_checkpoint_interval_ms = 10000;
  std::string storage_backend = "sqlite";
  std::string storage_path = "keep.db";  // sqlite
  std::string storage_conninfo;          // postgres: a libpq connection string
  int storage_pool_size = 8;             // postgres connections
  // "shamir" (the default: production custody), "pkcs11" or "dev-file" (explicit only).
  std::string seal_type = "shamir";
  // pkcs11: the PIN comes from the environment variable `pkcs11_pin_env` or the file
  // `pkcs11_pin_file`, never from this file.
  std::string pkcs11_module;
  std::string pkcs11_token_label;
  std::string pkcs11_key_label;
  std::string pkcs11_pin_env;
  std::string pkcs11_pin_file;
  bool pkcs11_generate_key = false;
  // Locked (mlocked, non-dumpable) heap for root key, keyring and key material, in KiB.
  int locked_heap_kib = 4096;
  std::string dev_key_file = "root.key";
  bool dev_auto_init = false;
  std::string dev_root_token_file;
  int maintenance_interval_s = 60;
  std::string log_level = "info";
  std::string log_format = "text";  // "text" or "json" (JSON lines)
  int rate_burst_seconds = 1;       // bucket size = rate × this
  std::string lockdown_action = "revoke";
  std::vector<peer::PeerConfig> peers;  // [[peers]]: split keys' other deployment
};

// Errors: kInvalidArgument with "config FILE: key: what is wrong".
Result<Config> LoadConfig(const std::string& path);
// The same, from TOML text; `base_dir` resolves relative paths.
Result<Config> ParseConfig(std::string_view toml_text, const std::string& base_dir,
                           const std::string& name = "config");

}  // namespace keep::keepd
