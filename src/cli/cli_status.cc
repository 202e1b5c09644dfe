// keep status: the health answer, a state line first and then the details (or JSON).
#include <iostream>

#include "cli/cli_internal.h"

namespace keep::cli {
namespace {

// The health answer as the API gives it (docs/api.md, "System"), for --format json.
json::object StatusJson(const ServerStatus& s) {
  json::object o{{"initialized", s.initialized}, {"sealed", s.sealed},   {"degraded", s.degraded},
                 {"seal_type", s.seal_type},     {"version", s.version}, {"node_id", s.node_id}};
  if (s.store) {
    json::object st{{"reachable", s.store->reachable}};
    if (!s.store->reachable) st["error"] = s.store->error;
    o["store"] = std::move(st);
  }
  if (s.initialized) {
    o["share_kind"] = s.share_kind;
    o["unseal_progress"] = s.unseal_progress;
    o["unseal_threshold"] = s.unseal_threshold;
  }
  if (!s.seal_error.empty()) o["seal_error"] = s.seal_error;
  if (s.operator_sealed) o["operator_sealed"] = true;
  if (s.auto_unseal_paused) o["auto_unseal_paused"] = true;
  if (const auto& k = s.keyring) {
    json::array terms;
    for (int64_t t : k->terms) terms.emplace_back(t);
    o["keyring"] =
        json::object{{"active_term", k->active_term},   {"terms", std::move(terms)},
                     {"reencrypting", k->reencrypting}, {"old_records", k->old_records},
                     {"rewritten", k->rewritten},       {"last_completed", k->last_completed}};
  }
  if (const auto& r = s.replication) {
    o["replication"] = json::object{{"connected", r->connected},
                                    {"lag_ms", r->lag_ms},
                                    {"changes_applied", r->changes_applied},
                                    {"reconnects", r->reconnects}};
  }
  return o;
}

// The first line of `keep status`: the state in a word or three, and what to do next.
std::string StateLine(const ServerStatus& s) {
  if (!s.initialized) return "NOT INITIALIZED; next: keep operator init";
  if (s.sealed) {
    if (s.auto_unseal_paused)
      return "SEALED; automatic unseal stopped: fix the HSM PIN, then keep operator unseal";
    if (s.operator_sealed) return "SEALED by an operator; next: keep operator unseal";
    if (!s.share_kind.empty()) {
      return "SEALED, " + std::to_string(s.unseal_progress) + " of " +
             std::to_string(s.unseal_threshold) + " shares given; next: keep operator unseal";
    }
    return "SEALED; next: keep operator unseal";
  }
  if (s.degraded) return "DEGRADED: the store is unreachable; serving keys already in memory";
  std::string line = "active";
  if (s.replication && !s.replication->connected) line += ", replication DISCONNECTED";
  if (s.keyring && s.keyring->reencrypting) line += ", re-encrypting records to the new term";
  return line;
}

// `keep status` in text (the health answer): a state line first, then the details.
void PrintStatus(std::ostream& out, const ServerStatus& s) {
  out << "state:       " << StateLine(s) << "\n"
      << "initialized: " << (s.initialized ? "true" : "false") << "\n"
      << "sealed:      " << (s.sealed ? "true" : "false") << "\n"
      << "seal type:   " << s.seal_type << "\n";
  if (!s.seal_error.empty()) out << "seal error:  " << s.seal_error << "\n";
  if (s.auto_unseal_paused) {
    out << "             automatic unseal stopped (the HSM refused the PIN): fix it, "
           "then keep operator unseal\n";
  }
  if (s.operator_sealed) out << "             sealed by an operator: unseal explicitly\n";
  if (s.store) {
    if (!s.store->reachable) {
      out << "store:       UNREACHABLE";
      if (!s.store->error.empty()) out << " (" << s.store->error << ")";
      if (s.degraded) out << "; degraded: serving keys already in memory";
      out << "\n";
    } else {
      out << "store:       reachable\n";
    }
  }
  out << "version:     " << s.version << "\n";
  if (!s.node_id.empty()) out << "node id:     " << s.node_id << "\n";
  if (!s.share_kind.empty()) {
    out << "shares:      " << s.share_kind << ", threshold " << s.unseal_threshold;
    if (s.sealed) out << ", unseal progress " << s.unseal_progress << "/" << s.unseal_threshold;
    out << "\n";
  }
  if (const auto& k = s.keyring) {
    std::string terms;
    for (int64_t t : k->terms) terms += (terms.empty() ? "" : ",") + std::to_string(t);
    out << "keyring:     term " << k->active_term << " active, terms [" << terms << "]";
    if (k->reencrypting) {
      out << ", re-encrypting: " << k->rewritten << "/" << k->old_records << " records moved";
    } else if (k->last_completed > 0) {
      out << ", every record under the active term";
    }
    out << "\n";
  }
  if (const auto& r = s.replication) {
    out << "replication: " << (r->connected ? "connected" : "DISCONNECTED") << ", " << r->lag_ms
        << " ms behind, " << r->changes_applied << " changes applied\n";
  }
}

}  // namespace

void AddStatusCommand(CLI::App& app, Context& ctx, int& rc) {
  auto* status = app.add_subcommand("status", "show whether the server is initialized and sealed");
  Action(status, rc, [&ctx, &rc]() -> Status {
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    // Health answers 503/501 with a body when sealed or uninitialized: still a status.
    auto s = client->Health();
    KEEP_RETURN_IF_ERROR(ctx.Refused(s.status()));
    if (ctx.globals().json()) {
      ctx.PrintJson(StatusJson(*s));
    } else {
      TextOut out;
      PrintStatus(out, *s);
      std::cout << out.view();
    }
    // As `vault status`: 2 when sealed or not initialized (a degraded node serves: 0). Not
    // an error: the status was shown.
    rc = s->initialized && !s->sealed ? 0 : 2;
    return Status::Ok();
  });
}

}  // namespace keep::cli
