// Inbox: items delivered from many threads all run, once, in each thread's order, on the
// thread that drains; a batch costs one post; undrained items are destroyed, not run.
#include "http/inbox.h"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <iostream>
#include <thread>

namespace keep::http {
namespace {

// A loop of the test's own: posted calls wait in a queue until the test runs them.
struct Loop {
  std::mutex mu;
  std::deque<std::function<void()>> posted;
  int posts = 0;
  void Post(std::function<void()> f) {
    std::lock_guard lk(mu);
    posted.push_back(std::move(f));
    ++posts;
  }
  bool RunOne() {
    std::function<void()> f;
    {
      std::lock_guard lk(mu);
      if (posted.empty()) return false;
      f = std::move(posted.front());
      posted.pop_front();
    }
    f();
    return true;
  }
};

struct Record final : Inbox::Item {
  Record(std::vector<std::pair<int, int>>* to, int from, int n, std::atomic<int>* live)
      : out(to), thread(from), seq(n), alive(live) {
    ++*alive;
  }
  ~Record() override { --*alive; }
  void Run() override {
    out->emplace_back(thread, seq);
    ran_on = std::this_thread::get_id();
  }
  std::vector<std::pair<int, int>>* out;
  int thread, seq;
  std::atomic<int>* alive;
  static inline std::thread::id ran_on;
};

TEST(Inbox, EveryItemRunsOnceInOrderOnTheDrainingThreadWithOnePostPerBatch) {
  Loop loop;
  Inbox inbox([&](std::function<void()> f) { loop.Post(std::move(f)); });
  std::vector<std::pair<int, int>> ran;
  std::atomic<int> alive{0};
  constexpr int kThreads = 4, kEach = 5000;
  std::atomic<bool> done{false};
  std::thread drainer([&] {  // the loop, draining while the senders deliver
    while (!done.load()) {
      if (!loop.RunOne()) std::this_thread::yield();
    }
  });
  std::vector<std::thread> senders;
  for (int t = 0; t < kThreads; ++t) {
    senders.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        inbox.Deliver(std::make_unique<Record>(&ran, t, i, &alive));
        if (i % 64 == 0) std::this_thread::yield();
      }
    });
  }
  for (auto& s : senders) s.join();
  done = true;
  drainer.join();
  while (loop.RunOne()) {
  }
  ASSERT_EQ(ran.size(), static_cast<size_t>(kThreads * kEach));
  std::vector<int> next(kThreads, 0);
  for (const auto& [t, i] : ran) {
    ASSERT_EQ(i, next[t]) << "thread " << t << "'s items out of order";
    ++next[t];
  }
  EXPECT_EQ(alive.load(), 0) << "every item destroyed after it ran";
  EXPECT_LE(loop.posts, kThreads * kEach);
  EXPECT_GE(loop.posts, 1);
  std::cout << loop.posts << " posts for " << kThreads * kEach << " items\n";
}

TEST(Inbox, ABatchCostsOnePostAndRunsWhereItIsDrained) {
  Loop loop;
  Inbox inbox([&](std::function<void()> f) { loop.Post(std::move(f)); });
  std::vector<std::pair<int, int>> ran;
  std::atomic<int> alive{0};
  std::thread([&] {
    for (int i = 0; i < 100; ++i) inbox.Deliver(std::make_unique<Record>(&ran, 0, i, &alive));
  }).join();
  EXPECT_EQ(loop.posts, 1);
  EXPECT_TRUE(ran.empty()) << "nothing runs on the delivering thread";
  ASSERT_TRUE(loop.RunOne());
  EXPECT_EQ(ran.size(), 100u);
  EXPECT_EQ(Record::ran_on, std::this_thread::get_id());
  inbox.Deliver(std::make_unique<Record>(&ran, 0, 100, &alive));
  EXPECT_EQ(loop.posts, 2) << "a delivery after a drain posts again";
  EXPECT_TRUE(loop.RunOne());
  EXPECT_EQ(ran.size(), 101u);
  EXPECT_FALSE(loop.RunOne());
}

TEST(Inbox, ItemsNeverDrainedAreDestroyedWithTheInboxNotRun) {
  Loop loop;
  std::vector<std::pair<int, int>> ran;
  std::atomic<int> alive{0};
  {
    Inbox inbox([&](std::function<void()> f) { loop.Post(std::move(f)); });
    for (int i = 0; i < 3; ++i) inbox.Deliver(std::make_unique<Record>(&ran, 0, i, &alive));
    EXPECT_EQ(alive.load(), 3);
    loop.posted.clear();  // the loop stopped: its drain is dropped unrun
  }
  EXPECT_EQ(alive.load(), 0);
  EXPECT_TRUE(ran.empty());
}

}  // namespace
}  // namespace keep::http
