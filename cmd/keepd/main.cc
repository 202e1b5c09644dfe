// keepd: the keep server. Thin: parse flags, load config, wire the layers, serve.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "audit/sink.h"
#include "audit/trail.h"
#include "clidocs/clidocs.h"
#include "common/log.h"
#include "common/output_file.h"
#include "common/sd_notify.h"
#include "config.h"
#include "http/keas_door.h"
#include "http/kmip_door.h"
#include "http/server.h"
#include "http/tls.h"
#include "peer/peer_links.h"
#include "reload.h"
#include "restore.h"
#include "seal/dev_file_seal.h"
#include "seal/pkcs11_seal.h"
#include "service/service.h"
#include "store/postgres_store.h"
#include "store/sqlite_store.h"

namespace keep::keepd {
namespace {

void HardenProcess() {
  // Secrets live in this process's memory: never write it to a core file.
  struct rlimit no_core {
    0, 0
  };
  setrlimit(RLIMIT_CORE, &no_core);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  // A write to a pipe nobody reads (an audit trail that is a FIFO, a log pipe) must fail
  // with EPIPE, not kill keepd. Asio ignores SIGPIPE too, as a side effect; this does not
  // rely on it.
  signal(SIGPIPE, SIG_IGN);
}

// The dev root token, mode 0600 (common/output_file.h: complete or not at all).
// Raises the soft open-file limit to the hard one (every connection is a descriptor) and
// returns the limit now in force.
uint64_t RaiseOpenFileLimit() {
  struct rlimit nofile {};
  if (getrlimit(RLIMIT_NOFILE, &nofile) != 0) return 1024;
  if (nofile.rlim_cur < nofile.rlim_max) {
    const rlim_t before = nofile.rlim_cur;
    nofile.rlim_cur = nofile.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &nofile) == 0) {
      log::Info("limits: open files raised from {} to {}", before, nofile.rlim_cur);
    } else {
      getrlimit(RLIMIT_NOFILE, &nofile);
    }
  }
  return nofile.rlim_cur == RLIM_INFINITY ? uint64_t{1} << 20 : nofile.rlim_cur;
}

// server.max_connections: as configured, or (0) the open-file limit less an eighth (at
// least 64) for the store, the trail, the HSM and the rest, at most 16,384. A configured
// value above that is kept, with a warning (accept then backs off when descriptors run out).
int ResolveConnectionLimit(int configured, uint64_t open_files) {
  const uint64_t spare = std::max<uint64_t>(64, open_files / 8);
  const int64_t usable =
      std::max<int64_t>(16, static_cast<int64_t>(open_files) - static_cast<int64_t>(spare));
  if (configured == 0) return static_cast<int>(std::min<int64_t>(usable, 16384));
  if (configured > usable) {
    log::Warn(
        "server.max_connections = {} but only {} open files are allowed: keepd will run "
        "out of descriptors first (raise LimitNOFILE / ulimit -n)",
        configured, open_files);
  }
  return configured;
}

Status WriteSecretFile(const std::string& path, ByteView data) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  KEEP_ASSIGN_OR_RETURN(OutputFile f, OutputFile::Open(path, {.mode = 0600}));
  KEEP_RETURN_IF_ERROR(f.Write(data));
  KEEP_RETURN_IF_ERROR(f.Write(AsBytes(std::string_view("\n"))));
  return f.Commit();
}

Result<std::unique_ptr<store::Store>> OpenStore(const Config& cfg) {
  if (cfg.storage_backend == "postgres") {
    log::Info("store: PostgreSQL ({} connections)", cfg.storage_pool_size);
    return store::OpenPostgresStore(cfg.storage_conninfo, cfg.storage_pool_size);
  }
  std::filesystem::create_directories(std::filesystem::path(cfg.storage_path).parent_path());
  return store::OpenSqliteStore(cfg.storage_path);
}

// The HSM PIN: from the environment variable or the file named in the config.
Result<crypto::SecretBytes> ReadPin(const std::string& pin_env, const std::string& pin_file) {
  if (!pin_env.empty()) {
    const char* v = std::getenv(pin_env.c_str());
    if (v == nullptr || *v == '\0') {
      return InvalidArgument("the environment variable " + pin_env + " (seal.pin_env) is not set");
    }
    return crypto::SecretBytes::LockedCopyOf(
        ByteView(reinterpret_cast<const uint8_t*>(v), std::strlen(v)));
  }
  std::ifstream in(pin_file, std::ios::binary);
  if (!in) return InvalidArgument("cannot read seal.pin_file " + pin_file);
  crypto::SecretBytes buf = crypto::SecretBytes::Locked(256);
  in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(buf.size()));
  size_t n = static_cast<size_t>(in.gcount());
  while (n > 0 && (buf.data()[n - 1] == '\n' || buf.data()[n - 1] == '\r')) --n;
  if (n == 0 || n == buf.size()) return InvalidArgument("seal.pin_file is empty or too long");
  buf.Truncate(n);
  return buf;
}

Result<std::unique_ptr<seal::SealProvider>> MakeSeal(const Config& cfg) {
  if (cfg.seal_type == "shamir") {
    log::Info("seal: shamir (the root key exists only in shares and in memory)");
    return std::unique_ptr<seal::SealProvider>(std::make_unique<seal::ShamirSeal>());
  }
  if (cfg.seal_type == "pkcs11") {
    // Checked now (a missing variable or file stops keepd), then read anew for every login.
    KEEP_RETURN_IF_ERROR(ReadPin(cfg.pkcs11_pin_env, cfg.pkcs11_pin_file).status());
    seal::PinSource pin = [env = cfg.pkcs11_pin_env, file = cfg.pkcs11_pin_file]() {
      return ReadPin(env, file);
    };
    log::Info("seal: pkcs11 (module {}, token \"{}\", key \"{}\")", cfg.pkcs11_module,
              cfg.pkcs11_token_label, cfg.pkcs11_key_label);
    return std::unique_ptr<seal::SealProvider>(std::make_unique<seal::Pkcs11Seal>(
        seal::Pkcs11Options{cfg.pkcs11_module, cfg.pkcs11_token_label, cfg.pkcs11_key_label,
                            std::move(pin), cfg.pkcs11_generate_key}));
  }
  std::filesystem::create_directories(std::filesystem::path(cfg.dev_key_file).parent_path());
  log::Warn("seal: using the INSECURE dev-file seal ({}); for development only", cfg.dev_key_file);
  return std::unique_ptr<seal::SealProvider>(std::make_unique<seal::DevFileSeal>(cfg.dev_key_file));
}

Status Serve(const std::string& config_path, const Config& cfg, const std::string& ready_file,
             bool lift_lockdown) {
  log::Level level;
  if (log::ParseLevel(cfg.log_level, &level)) log::SetLevel(level);
  log::Format format;
  if (log::ParseFormat(cfg.log_format, &format)) log::SetFormat(format);

  switch (crypto::InitSecureHeap(static_cast<size_t>(cfg.locked_heap_kib) * 1024)) {
    case crypto::SecureHeapState::kLocked:
      log::Info("memory: {} KiB locked heap for keys", cfg.locked_heap_kib);
      break;
    case crypto::SecureHeapState::kUnlocked:
      log::Warn(
          "memory: the key heap could not be mlocked (raise RLIMIT_MEMLOCK / "
          "LimitMEMLOCK or give CAP_IPC_LOCK); keys may be swapped to disk");
      break;
    case crypto::SecureHeapState::kNone:
      log::Warn("memory: no locked heap; keys live in ordinary memory");
      break;
  }
  http::ServerOptions server_options = cfg.server;
  // A split key's decryption holds a blocking thread while the peer answers (a round trip
  // and the peer's audit write): with peers, the pool's default is wider.
  if (!cfg.peers.empty() && server_options.blocking_threads == 0) {
    server_options.blocking_threads = 32;
  }
  server_options.max_connections =
      ResolveConnectionLimit(cfg.max_connections, RaiseOpenFileLimit());
  server_options.max_body_memory_bytes = static_cast<uint64_t>(cfg.max_body_memory_mib) << 20;
  log::Info("limits: {} connections, {} MiB of request bodies in flight",
            server_options.max_connections, cfg.max_body_memory_mib);
  if (cfg.storage_backend == "sqlite") {
    // Held (never closed) until keepd exits: one keepd per SQLite file, and no restore
    // under a running keepd.
    std::filesystem::create_directories(std::filesystem::path(cfg.storage_path).parent_path());
    KEEP_RETURN_IF_ERROR(LockSqliteStore(cfg.storage_path).status());
  }
  KEEP_ASSIGN_OR_RETURN(auto store, OpenStore(cfg));
  KEEP_ASSIGN_OR_RETURN(auto seal, MakeSeal(cfg));
  service::Service svc(std::move(store), std::move(seal));
  if (!cfg.peers.empty()) {
    KEEP_ASSIGN_OR_RETURN(auto peers, peer::MakePeerLinks(cfg.peers));
    svc.SetPeers(std::move(peers));
    for (const auto& p : cfg.peers) log::Info("peers: '{}' at {}", p.name, p.address);
  }
  KEEP_ASSIGN_OR_RETURN(const std::string deployment, svc.DeploymentId());
  log::Info("store: deployment {}", deployment);

  KEEP_ASSIGN_OR_RETURN(auto health, svc.custody().GetHealth());
  if (!health.initialized && cfg.dev_auto_init) {
    KEEP_ASSIGN_OR_RETURN(auto init, svc.custody().Init());
    if (!cfg.dev_root_token_file.empty()) {
      KEEP_RETURN_IF_ERROR(WriteSecretFile(cfg.dev_root_token_file, init.root_token.view()));
      log::Info("sys: dev root token written to {}", cfg.dev_root_token_file);
    }
  } else if (health.initialized) {
    if (lift_lockdown) {
      KEEP_ASSIGN_OR_RETURN(std::string why, svc.custody().GlobalLockdown());
      if (why.empty()) {
        log::Info("sys: --lift-lockdown: no lockdown in force");
      } else {
        KEEP_RETURN_IF_ERROR(svc.custody().LiftLockdown());
        log::Warn("sys: --lift-lockdown: lifted the lockdown ({})", why);
      }
    }
    auto unsealed = svc.custody().Unseal(service::UnsealTrigger::kAutomatic);
    if (!unsealed.ok()) {
      log::Error("sys: staying sealed: {}", unsealed.status().ToString());
    } else if (unsealed->sealed) {
      log::Info("sys: sealed; waiting for {} of {} {} shares (keep operator unseal)",
                unsealed->threshold, unsealed->shares, unsealed->share_kind);
    }
  } else {
    log::Info("sys: not initialized; run `keep operator init` (POST /v1/sys/init) to initialize");
  }

  KEEP_ASSIGN_OR_RETURN(const http::TlsFiles files, TlsFilesOf(cfg));
  KEEP_ASSIGN_OR_RETURN(auto tls, http::ReloadableTls::Create(files));
  std::unique_ptr<audit::Sink> audit;
  if (cfg.audit_type == "file") {
    audit::TrailOptions to;
    to.path = cfg.audit_path;
    to.max_bytes = static_cast<uint64_t>(cfg.audit_max_size_mib) << 20;
    to.fsync = cfg.audit_fsync;
    to.write_timeout_ms = cfg.audit_write_timeout_ms;
    to.checkpoint_records = static_cast<uint64_t>(cfg.audit_checkpoint_records);
    to.checkpoint_interval_ms = cfg.audit_checkpoint_interval_ms;
    to.node_id = svc.node_id();
    KEEP_ASSIGN_OR_RETURN(audit, audit::FileTrail::Open(to, [&svc] { return svc.AuditSecret(); }));
    log::Info("audit: trail {}", cfg.audit_path);
  } else {
    audit = std::make_unique<audit::LogSink>();
    log::Warn("audit: records go to the server log only (audit.type = \"log\"): no trail");
  }
  http::ApiOptions api_options = cfg.api;
  api_options.async_audit = true;
  api_options.version = KEEP_VERSION;
  http::Api api(svc, *audit, api_options);
  http::Server server(api, tls->ctx(), server_options);
  // The keas.kmi door on its own port, with the same Gate (docs/operations.md, "keas.kmi").
  std::optional<http::KeasDoor> keas;
  size_t keas_listener = 0;
  if (cfg.keas.enabled) {
    keas.emplace(svc, api.gate(), cfg.keas, /*async_audit=*/true);
    keas_listener = server.AddListener(*keas, cfg.keas.tls ? tls->ctx() : nullptr, cfg.keas.address,
                                       cfg.keas.port);
  }
  // The KMIP door on its own port (docs/operations.md, "Serving KMIP"): the same
  // certificate, client certificates required, the same Gate.
  std::optional<http::KmipDoor> kmip;
  std::unique_ptr<http::ReloadableTls> kmip_tls;
  size_t kmip_listener = 0;
  if (cfg.kmip.enabled) {
    http::TlsFiles mutual = files;
    mutual.require_client_cert = true;
    KEEP_ASSIGN_OR_RETURN(kmip_tls, http::ReloadableTls::Create(mutual));
    http::KmipOptions ko = cfg.kmip;
    ko.vendor = "keep " KEEP_VERSION;
    kmip.emplace(svc, api.gate(), ko);
    kmip_listener =
        server.AddMessageListener(*kmip, kmip_tls->ctx(), cfg.kmip.address, cfg.kmip.port);
  }
  // SIGHUP: the config file again — what can change without a restart (reload.h) — and,
  // the operator having acted (for instance corrected the HSM PIN file), the automatic
  // unseal again, which also resumes retries stopped after a refused PIN.
  Reloader reloader(config_path, cfg, api.gate(), *tls, kmip_tls.get());
  server.OnSignal(SIGHUP, [&svc, &reloader] {
    NotifySystemd("RELOADING=1");
    reloader.Reload();
    NotifySystemd("READY=1");
    if (!svc.custody().IsSealed()) return;
    auto u = svc.custody().Unseal(service::UnsealTrigger::kOperator);
    if (u.ok() && !u->sealed) {
      log::Info("sys: unsealed after SIGHUP");
    } else if (!u.ok()) {
      log::Warn("sys: still sealed after SIGHUP: {}", u.status().message());
    }
  });
  KEEP_RETURN_IF_ERROR(server.Listen());
  log::Info("keepd listening on https://{}:{}", cfg.server.address, server.port());
  if (keas) {
    log::Info("keas.kmi door listening on {}://{}:{}", cfg.keas.tls ? "https" : "http",
              cfg.keas.address, server.port(keas_listener));
  }
  if (kmip) {
    log::Info("KMIP door listening on {}:{} (mutual TLS)", cfg.kmip.address,
              server.port(kmip_listener));
  }
  if (!ready_file.empty()) {
    if (kmip) {  // beside the ready file: the KMIP door's port (written first)
      const std::string kp = std::to_string(server.port(kmip_listener)) + "\n";
      KEEP_RETURN_IF_ERROR(
          OutputFile::WriteWhole(ready_file + ".kmip", AsBytes(kp), {.mode = 0644}));
    }
    if (keas) {  // beside the ready file: the keas door's port (written first)
      const std::string kp = std::to_string(server.port(keas_listener)) + "\n";
      KEEP_RETURN_IF_ERROR(
          OutputFile::WriteWhole(ready_file + ".keas", AsBytes(kp), {.mode = 0644}));
    }
    const std::string port = std::to_string(server.port());
    KEEP_RETURN_IF_ERROR(OutputFile::WriteWhole(ready_file, AsBytes(port + "\n"), {.mode = 0644}));
  }
  // SIGUSR1: a maintenance pass now (rotations due, deletions due, an automatic unseal).
  server.OnSignal(SIGUSR1, [&svc] { svc.RunMaintenanceNow(); });
  api.SetServerStats([&server] {
    return http::ServerStats{server.connections(), server.in_flight()};
  });
  svc.StartMaintenance(cfg.maintenance_interval_s);
  // Follows other nodes' changes and writes this node's heartbeat (PostgreSQL); no-op on
  // SQLite.
  svc.StartReplication(KEEP_VERSION, server_options.address + ":" + std::to_string(server.port()));
  log::Info("node id {}", svc.node_id());
  // systemd (Type=notify): ready once every listener is bound and the ready file written.
  NotifySystemd("READY=1\nSTATUS=serving on port " + std::to_string(server.port()));
  server.Run(/*handle_signals=*/true);
  NotifySystemd("STOPPING=1");
  svc.StopReplication();
  svc.StopMaintenance();
  if (auto* trail = dynamic_cast<audit::FileTrail*>(audit.get())) trail->Close();
  return Status::Ok();
}

}  // namespace
}  // namespace keep::keepd

int main(int argc, char** argv) {
  using namespace keep;
  CLI::App app{
      "keepd — the keep key management server.\n\n"
      "Serves the keep REST API over HTTPS. See docs/operations.md for the config file."};
  std::string config_path, ready_file;
  app.add_option("-c,--config", config_path, "TOML config file")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--ready-file", ready_file,
                 "write the bound port to this file once listening (for scripts and tests)");
  bool lift_lockdown = false;
  app.add_flag("--lift-lockdown", lift_lockdown,
               "lift a decrypt lockdown that sealed keep (for seals without shares: dev-file; "
               "with shares, unsealing with a quorum lifts it)");
  std::string restore;
  app.add_option("--restore", restore,
                 "put the snapshot FILE made by `keep operator backup` in place of the config's "
                 "SQLite store (keepd stopped) and exit; refuses corrupt or foreign snapshots")
      ->check(CLI::ExistingFile);
  bool check = false;
  app.add_flag("--check", check,
               "check the config file (and that its TLS certificate and key load) and exit: 0 "
               "when keepd would start with it, 2 with the reason otherwise");
  app.set_version_flag("--version", "keepd " KEEP_VERSION);
  app.footer(
      "Signals: SIGTERM/SIGINT drain and stop; SIGHUP reloads the config (TLS, log, rate "
      "limits, lockdown, certificate mappings); SIGUSR1 runs a maintenance pass.\n"
      "Exit status: 0 stopped cleanly; 1 a failure while running; 2 a bad command line or "
      "config.\nFiles: /etc/keep/keepd.toml (docs/operations.md lists every key).");
  // The man page, generated from the definitions above (for the build; not an option).
  if (argc == 2 && std::string_view(argv[1]) == "--man") {
    std::cout << clidocs::ManPage(
        app, {"keepd", "8", KEEP_VERSION, "", "the keep key management server", "keep(1)"});
    return 0;
  }
  CLI11_PARSE(app, argc, argv);
  keepd::HardenProcess();
  auto cfg = keepd::LoadConfig(config_path);
  if (!cfg.ok()) {
    std::cerr << "keepd: " << cfg.status().message() << "\n";
    return 2;
  }
  if (!restore.empty()) {
    if (Status st = keepd::Restore(*cfg, restore, std::cout); !st.ok()) {
      std::cerr << "keepd: " << st.message() << " (" << st.reason() << ")\n";
      return 1;
    }
    return 0;
  }
  if (check) {
    if (Status st = keepd::CheckTls(*cfg); !st.ok()) {
      std::cerr << "keepd: " << config_path << ": tls: " << st.message() << "\n";
      return 2;
    }
    std::cout << "keepd: " << config_path << ": OK\n";
    return 0;
  }
  Status s = keepd::Serve(config_path, *cfg, ready_file, lift_lockdown);
  if (!s.ok()) {
    std::cerr << "keepd: " << s.message() << "\n";
    return 1;
  }
  return 0;
}
