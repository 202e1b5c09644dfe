// Service: following the changes other nodes make to a shared store.
#include <algorithm>
#include <chrono>
#include <set>

#include "common/log.h"
#include "service/service.h"

namespace keep::service {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool StartsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

}  // namespace

void Service::StartReplication() {
  StopReplication();
  {
    std::lock_guard lock(repl_mu_);
    repl_stop_ = false;
  }
  repl_thread_ = std::thread([this] { ReplicationLoop(); });
}

void Service::StopReplication() {
  {
    std::lock_guard lock(repl_mu_);
    repl_stop_ = true;
  }
  repl_cv_.notify_all();
  if (repl_thread_.joinable()) repl_thread_.join();
}

Replication Service::GetReplication() const {
  std::lock_guard lock(repl_mu_);
  return repl_;
}

void Service::ReloadAll() {
  std::lock_guard lock(sys_mu_);
  if (barrier_.IsSealed()) return;
  Status s = barrier_.Refresh();
  if (s.ok()) s = keys_.Load();
  if (s.ok()) s = LoadAccess();
  if (!s.ok()) log::Error("replication: full reload failed: {}", s.ToString());
}

void Service::ApplyChanges(const std::vector<std::string>& paths) {
  // Another node's decrypt lockdown sealed it: this node seals too.
  if (std::find(paths.begin(), paths.end(), keys::Barrier::kLockdownPath) != paths.end() &&
      !barrier_.IsSealed()) {
    auto why = GlobalLockdown();
    if (why.ok() && !why->empty()) {
      log::Warn("lockdown: another node sealed keep ({}); sealing", *why);
      Seal().IgnoreError();
      return;
    }
  }
  std::lock_guard lock(sys_mu_);  // never repopulate memory after a seal
  if (barrier_.IsSealed() || paths.empty()) return;
  std::set<std::string> keys;
  bool keyring = false, tokens = false, policies = false, locks = false, audit = false;
  for (const auto& p : paths) {
    if (p == "core/keyring") {
      keyring = true;
    } else if (p == "core/token-key" || StartsWith(p, "token/")) {
      tokens = true;
    } else if (StartsWith(p, "policy/")) {
      policies = true;
    } else if (StartsWith(p, "lockdown/")) {
      locks = true;
    } else if (p == "core/audit") {
      audit = true;
    } else {
      for (std::string_view prefix : {"keymeta/", "keymat/", "keyrev/"}) {
        if (!StartsWith(p, prefix)) continue;
        std::string_view rest = std::string_view(p).substr(prefix.size());
        keys.emplace(rest.substr(0, rest.find('/')));
      }
    }
  }
  // The keyring first: the other records may be written under a new term.
  if (keyring) {
    if (Status s = barrier_.Refresh(); !s.ok())
      log::Error("replication: keyring: {}", s.ToString());
  }
  for (const auto& name : keys) {
    if (Status s = keys_.Reload(name); !s.ok()) {
      log::Error("replication: key '{}': {}", name, s.ToString());
    }
  }
  if (tokens) {
    if (Status s = directory_.tokens().Load(); !s.ok()) log::Error("replication: tokens: {}", s.ToString());
  }
  if (policies) {
    if (Status s = directory_.policies().Load(); !s.ok()) log::Error("replication: policies: {}", s.ToString());
  }
  if (locks) {
    if (Status s = directory_.locks().Load(); !s.ok()) log::Error("replication: lockdown: {}", s.ToString());
  }
  if (audit) {
    if (Status s = LoadAccess(); !s.ok()) log::Error("replication: audit key: {}", s.ToString());
  }
  std::lock_guard rlock(repl_mu_);
  repl_.changes_applied += paths.size();
}

void Service::ReplicationLoop() {
  bool first = true;
  for (;;) {
    {
      std::lock_guard lock(repl_mu_);
      if (repl_stop_) return;
    }
    auto feed = store_->Watch();
    if (!feed.ok()) {
      if (feed.status().code() == Code::kUnimplemented) return;  // single-node store
      std::unique_lock lock(repl_mu_);
      repl_.enabled = true;
      repl_.connected = false;
      repl_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return repl_stop_; });
      continue;
    }
    {
      std::lock_guard lock(repl_mu_);
      repl_.enabled = repl_.connected = true;
      if (!first) ++repl_.reconnects;
    }
    if (!first) log::Info("replication: change feed reconnected; reloading everything");
    first = false;
    ReloadAll();  // anything changed before LISTEN took effect, or while disconnected
    for (;;) {
      {
        std::lock_guard lock(repl_mu_);
        if (repl_stop_) return;
        repl_.last_sync_ms = NowMs();
      }
      auto paths = (*feed)->Wait(200);
      if (!paths.ok()) break;
      ApplyChanges(*paths);
    }
    std::lock_guard lock(repl_mu_);
    repl_.connected = false;
  }
}

}  // namespace keep::service
