// Reencryptor: the keyring's background re-encryption. After a keyring rotation (or an
// unseal that finds records under older terms), one thread moves every record to the
// active term, batch by batch (keys::Barrier::Reencrypt: compare-and-swap per record, so
// concurrent writers win and their records are recounted), while keep serves.
//
// Owns its thread, lock and status; knows only the barrier. Trigger() starts a pass (or
// asks for another after the running one); a pass that raced with writers or a newer
// rotation recounts. Stop() (and the destructor) ends the thread after the current batch.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "keys/barrier.h"

namespace keep::service {

// The keyring and its background re-encryption.
struct KeyringStatus {
  uint32_t active_term = 0;
  std::vector<uint32_t> terms;
  bool reencrypting = false;
  uint64_t old_records = 0;    // under older terms when the current pass started
  uint64_t rewritten = 0;      // moved to the active term by this pass so far
  int64_t last_completed = 0;  // unix time the last pass found nothing left, 0: never
};

class Reencryptor {
 public:
  explicit Reencryptor(keys::Barrier& barrier) : barrier_(barrier) {}
  ~Reencryptor() { Stop(); }
  Reencryptor(const Reencryptor&) = delete;
  Reencryptor& operator=(const Reencryptor&) = delete;

  // Starts a pass, on the first call the thread too.
  void Trigger();
  // Waits until no pass runs or is wanted, up to `timeout_ms`; false on timeout (tests).
  bool WaitIdle(int timeout_ms);
  KeyringStatus GetStatus() const;
  void Stop();

 private:
  void Loop();

  keys::Barrier& barrier_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool wanted_ = false;
  bool busy_ = false;     // a pass (count included) is running
  KeyringStatus status_;  // reencrypting/old_records/rewritten/last_completed
  std::thread thread_;
};

}  // namespace keep::service
