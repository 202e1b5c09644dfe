// keepd: the keep server. Thin: parse flags, load config, wire the layers, serve.
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "audit/sink.h"
#include "common/log.h"
#include "config.h"
#include "http/server.h"
#include "http/tls.h"
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
}

Status WriteSecretFile(const std::string& path, ByteView data) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Internal("cannot write " + path);
  const bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) &&
                  ::write(fd, "\n", 1) == 1;
  ::close(fd);
  return ok ? Status::Ok() : Internal("cannot write " + path);
}

Result<std::unique_ptr<store::Store>> OpenStore(const Config& cfg) {
  if (cfg.storage_backend == "postgres") {
    log::Info("store: PostgreSQL ({} connections)", cfg.storage_pool_size);
    return store::OpenPostgresStore(cfg.storage_conninfo, cfg.storage_pool_size);
  }
  std::filesystem::create_directories(std::filesystem::path(cfg.storage_path).parent_path());
  return store::OpenSqliteStore(cfg.storage_path);
}

Status Serve(const Config& cfg, const std::string& ready_file) {
  log::Level level;
  if (log::ParseLevel(cfg.log_level, &level)) log::SetLevel(level);

  std::filesystem::create_directories(std::filesystem::path(cfg.dev_key_file).parent_path());
  KEEP_ASSIGN_OR_RETURN(auto store, OpenStore(cfg));
  log::Warn("seal: using the INSECURE dev-file seal ({}); for development only", cfg.dev_key_file);
  service::Service svc(std::move(store), std::make_unique<seal::DevFileSeal>(cfg.dev_key_file));

  KEEP_ASSIGN_OR_RETURN(auto health, svc.GetHealth());
  if (!health.initialized && cfg.dev_auto_init) {
    KEEP_ASSIGN_OR_RETURN(auto init, svc.Init());
    if (!cfg.dev_root_token_file.empty()) {
      KEEP_RETURN_IF_ERROR(WriteSecretFile(cfg.dev_root_token_file, init.root_token.view()));
      log::Info("sys: dev root token written to {}", cfg.dev_root_token_file);
    }
  } else if (health.initialized) {
    auto unsealed = svc.Unseal();
    if (!unsealed.ok()) log::Error("sys: staying sealed: {}", unsealed.status().ToString());
  } else {
    log::Info("sys: not initialized; POST /v1/sys/init to initialize");
  }

  http::TlsFiles files{cfg.tls_cert_file, cfg.tls_key_file};
  if (!cfg.tls_dev_dir.empty()) {
    KEEP_ASSIGN_OR_RETURN(files, http::EnsureDevCertificates(cfg.tls_dev_dir));
  }
  KEEP_ASSIGN_OR_RETURN(auto tls, http::MakeServerContext(files));
  audit::LogSink audit;
  http::Api api(svc, audit, cfg.api);
  http::Server server(api, tls.get(), cfg.server);
  KEEP_RETURN_IF_ERROR(server.Listen());
  log::Info("keepd listening on https://{}:{}", cfg.server.address, server.port());
  if (!ready_file.empty()) {
    const std::string port = std::to_string(server.port());
    std::ofstream(ready_file + ".tmp") << port << "\n";
    std::filesystem::rename(ready_file + ".tmp", ready_file);
  }
  svc.StartMaintenance(cfg.maintenance_interval_s);
  svc.StartReplication();  // follows other nodes' changes (PostgreSQL); no-op on SQLite
  log::Info("node id {}", svc.node_id());
  server.Run(/*handle_signals=*/true);
  svc.StopReplication();
  svc.StopMaintenance();
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
  app.set_version_flag("--version", "keepd 0.1.0");
  CLI11_PARSE(app, argc, argv);
  keepd::HardenProcess();
  auto cfg = keepd::LoadConfig(config_path);
  if (!cfg.ok()) {
    std::cerr << "keepd: " << cfg.status().message() << "\n";
    return 2;
  }
  Status s = keepd::Serve(*cfg, ready_file);
  if (!s.ok()) {
    std::cerr << "keepd: " << s.message() << "\n";
    return 1;
  }
  return 0;
}
