// Replicator: follows the changes other nodes make to a shared store (PostgreSQL
// LISTEN/NOTIFY through store::Store::Watch) on one background thread.
//
// It owns the thread, the connection loop and the status; what a change means is the
// caller's: `apply` gets the changed paths, `reload_all` runs after every (re)connection,
// so a lost connection misses nothing; `beat` runs once the feed is up and then every
// kNodeBeatMs (nodes.h: the node's heartbeat record), and heartbeat paths ("node/…") are
// not passed to `apply` nor counted as changes. For a single-node store (Watch
// unimplemented) the thread ends at once and the status says disabled. Thread-safe;
// `apply`, `reload_all` and `beat` run on the replicator's thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"

namespace keep::service {

// How this node follows changes made by other nodes (multi-node stores only).
struct Replication {
  bool enabled = false;      // the store has a change feed
  bool connected = false;    // the feed is up
  int64_t last_sync_ms = 0;  // unix ms when the feed was last known to be caught up
  uint64_t changes_applied = 0;
  uint64_t reconnects = 0;
};

class Replicator {
 public:
  using Apply = std::function<void(const std::vector<std::string>& paths)>;
  Replicator(store::Store& store, Apply apply, std::function<void()> reload_all,
             std::function<void()> beat)
      : store_(store),
        apply_(std::move(apply)),
        reload_all_(std::move(reload_all)),
        beat_(std::move(beat)) {}
  ~Replicator() { Stop(); }
  Replicator(const Replicator&) = delete;
  Replicator& operator=(const Replicator&) = delete;

  // (Re)starts the thread.
  void Start();
  // Ends the thread (within the feed's 200 ms wait).
  void Stop();
  Replication GetStatus() const;

 private:
  void Loop();

  store::Store& store_;
  Apply apply_;
  std::function<void()> reload_all_;
  std::function<void()> beat_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  Replication status_;
  std::thread thread_;
};

}  // namespace keep::service
