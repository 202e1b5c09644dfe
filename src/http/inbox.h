// Inbox: work handed to one event loop by other threads, run there by one posted drain per
// batch (src/http/server.cc: the audit writer completes a batch of tickets at once, and the
// coroutines waiting for them resume on their reactor). Posting each item separately took
// the loop's scheduler lock per item — contended while the loop runs — and could wake it
// per item; here a batch costs one post.
//
// Items are owned by the inbox once delivered and destroyed after they run, on the loop's
// thread (or with the inbox, if it is destroyed first: items never run then). No Asio here:
// `post` is how the loop is given the drain. Thread-safe: Deliver from any thread; Drain
// only from the loop's thread (through the posted call).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace keep::http {

class Inbox {
 public:
  struct Item {
    virtual ~Item() = default;
    virtual void Run() = 0;
  };
  // `post(f)` must arrange for f() to run on the loop's thread.
  explicit Inbox(std::function<void(std::function<void()>)> post) : post_(std::move(post)) {}
  Inbox(const Inbox&) = delete;
  Inbox& operator=(const Inbox&) = delete;

  // Takes `item` (never null) and makes sure a drain is posted.
  void Deliver(std::unique_ptr<Item> item) {
    {
      std::lock_guard lk(mu_);
      items_.push_back(std::move(item));
      if (drain_posted_) return;
      drain_posted_ = true;
    }
    post_([this] { Drain(); });
  }

  // Runs every item delivered so far, in order. Items delivered meanwhile go to the next
  // drain (posted by their Deliver).
  void Drain() {
    {
      std::lock_guard lk(mu_);
      running_.swap(items_);
      drain_posted_ = false;
    }
    for (auto& item : running_) {
      std::unique_ptr<Item> mine = std::move(item);
      mine->Run();
    }
    running_.clear();
  }

 private:
  std::function<void(std::function<void()>)> post_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Item>> items_;    // under mu_
  bool drain_posted_ = false;                   // under mu_
  std::vector<std::unique_ptr<Item>> running_;  // the loop thread's
};

}  // namespace keep::http
