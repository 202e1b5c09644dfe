// Service: what the changes other nodes make to a shared store mean here (the Replicator
// delivers them): reload the keyring, keys, tokens, AWS access keys, policies, locks; seal
// on a lockdown. And the node heartbeats (nodes.h).
#include <algorithm>
#include <set>

#include "common/log.h"
#include "common/time.h"
#include "service/service.h"

namespace keep::service {
namespace {

bool StartsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

}  // namespace

void Service::ReloadAll() {
  custody_.IfUnsealed([&] {
    Status s = barrier_.Refresh();
    if (s.ok()) s = Load();
    if (!s.ok()) log::Error("replication: full reload failed: {}", s.ToString());
  });
}

void Service::ApplyChanges(const std::vector<std::string>& paths) {
  // Another node's decrypt lockdown sealed it: this node seals too.
  if (std::find(paths.begin(), paths.end(), keys::Barrier::kLockdownPath) != paths.end() &&
      !barrier_.IsSealed()) {
    auto why = custody_.GlobalLockdown();
    if (why.ok() && !why->empty()) {
      log::Warn("lockdown: another node sealed keep ({}); sealing", *why);
      custody_.Seal().IgnoreError();
      return;
    }
  }
  if (paths.empty()) return;
  custody_.IfUnsealed([&] { Apply(paths); });  // never repopulate memory after a seal
}

void Service::Apply(const std::vector<std::string>& paths) {
  std::set<std::string> keys;
  bool keyring = false, tokens = false, policies = false, locks = false, audit = false;
  bool aws_keys = false, aliases = false;
  for (const auto& p : paths) {
    if (p == "core/keyring") {
      keyring = true;
    } else if (p == "core/token-key" || StartsWith(p, "token/")) {
      tokens = true;
    } else if (StartsWith(p, "policy/")) {
      policies = true;
    } else if (StartsWith(p, "awskey/")) {
      aws_keys = true;
    } else if (StartsWith(p, "alias/")) {
      aliases = true;
    } else if (StartsWith(p, "lockdown/")) {
      locks = true;
    } else if (p == "core/audit") {
      audit = true;
    } else if (StartsWith(p, "kmip/")) {
      KmipForget(std::string_view(p).substr(5));
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
    if (Status s = directory_.tokens().Load(); !s.ok())
      log::Error("replication: tokens: {}", s.ToString());
  }
  if (policies) {
    if (Status s = directory_.policies().Load(); !s.ok())
      log::Error("replication: policies: {}", s.ToString());
  }
  if (aliases) {
    if (Status s = aliases_.Load(); !s.ok()) log::Error("replication: aliases: {}", s.ToString());
  }
  if (aws_keys) {
    if (Status s = directory_.aws_keys().Load(); !s.ok())
      log::Error("replication: AWS access keys: {}", s.ToString());
  }
  if (locks) {
    if (Status s = directory_.locks().Load(); !s.ok())
      log::Error("replication: lockdown: {}", s.ToString());
  }
  if (audit) {
    if (Status s = LoadAccess(); !s.ok()) log::Error("replication: audit key: {}", s.ToString());
  }
}

}  // namespace keep::service

namespace keep::service {

void Service::StartReplication(std::string version, std::string address) {
  {
    std::lock_guard lock(node_mu_);
    node_version_ = std::move(version);
    node_address_ = std::move(address);
  }
  repl_.Start();
}

void Service::StopReplication() {
  const bool shared = repl_.GetStatus().enabled;
  repl_.Stop();
  if (!shared) return;
  // A clean stop leaves the list at once; a crash leaves a record that ages.
  const store::WriteOp op{
      store::WriteOp::Kind::kDelete, std::string(kNodePrefix) + node_id_, {}, {}};
  if (Status s = store_->Commit({&op, 1}); !s.ok()) {
    log::Warn("nodes: could not remove this node's record: {}", s.ToString());
  }
}

NodeInfo Service::SelfNode() const {
  NodeInfo n;
  n.id = node_id_;
  {
    std::lock_guard lock(node_mu_);
    n.version = node_version_;
    n.address = node_address_;
  }
  n.started_ms = started_ms_;
  n.seen_ms = NowUnixMs();
  n.sealed = barrier_.IsSealed();
  const Replication r = repl_.GetStatus();
  n.feed_connected = r.connected;
  n.lag_ms = r.last_sync_ms ? std::max<int64_t>(0, n.seen_ms - r.last_sync_ms) : -1;
  return n;
}

void Service::Heartbeat() {
  const NodeInfo self = SelfNode();
  std::vector<store::WriteOp> ops;
  ops.push_back(
      {store::WriteOp::Kind::kPut, std::string(kNodePrefix) + self.id, EncodeNode(self), {}});
  if (auto all = store_->List(kNodePrefix, "", 1024); all.ok()) {
    for (const auto& rec : *all) {
      auto n = DecodeNode(rec.value);
      if (n.ok() && n->id != self.id && self.seen_ms - n->seen_ms > kNodeForgetMs) {
        ops.push_back({store::WriteOp::Kind::kDelete, rec.path, {}, {}});
      }
    }
  }
  if (Status s = store_->Commit(ops); !s.ok()) {
    log::Warn("nodes: heartbeat not written: {}", s.ToString());
  }
}

Result<std::vector<Service::NodeView>> Service::ListNodes() {
  std::vector<NodeView> out;
  out.push_back({SelfNode(), true, 0});
  if (!repl_.GetStatus().enabled) return out;
  auto all = store_->List(kNodePrefix, "", 1024);
  if (!all.ok()) return all.status();
  const int64_t now = NowUnixMs();
  for (const auto& rec : *all) {
    auto n = DecodeNode(rec.value);
    if (!n.ok()) {
      log::Warn("nodes: {} skipped: {}", rec.path, n.status().ToString());
      continue;
    }
    if (n->id == node_id_) continue;  // this node's own answer is fresher than its record
    out.push_back({*n, false, std::max<int64_t>(0, now - n->seen_ms)});
  }
  return out;
}

}  // namespace keep::service
