// The durable trail under load and a crash: clients encrypt from several threads, keepd
// is killed with SIGKILL in the middle, the page cache is dropped (as root), and every
// request that was answered must have its record in the trail; keepd then starts again on
// it and the whole chain verifies. What this proves: no answer leaves before its record is
// written, and a crash leaves a trail keepd recovers and that verifies. What it cannot:
// that no answer leaves before its record's fdatasync — a killed process's writes survive
// in the page cache (dropping it after sync() changes nothing) — nor that the disk honours
// fdatasync on power loss; only pulling the plug shows those. The order "synced, then
// answered" holds by construction: the trail's writer completes a batch's tickets only
// after the fdatasync that covers it (src/audit/trail.cc).
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "harness.h"

namespace keep::testing {
namespace {

TEST(AuditCrash, EveryAnsweredRequestIsInTheTrailAfterSigkill) {
  Keepd server;
  server.Start();
  auto admin = server.NewClient();
  ASSERT_EQ(admin->Send("POST", "/v1/keys", R"({"name":"crash"})")->status, 201);
  std::mutex mu;
  std::set<std::string> answered;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&] {
      auto c = server.NewClient(server.token(), 2000);
      while (!stop) {
        auto r = c->Send("POST", "/v1/keys/crash/encrypt", R"({"plaintext":"aGVsbG8="})");
        if (!r.ok() || r->status != 200) continue;  // refused, or cut by the crash
        std::lock_guard lock(mu);
        answered.insert(r->request_id);
      }
    });
  }
  ASSERT_TRUE(Keepd::WaitFor(
      [&] {
        std::lock_guard lock(mu);
        return answered.size() >= 2000;
      },
      30000));
  EXPECT_EQ(server.Stop(SIGKILL), 128 + SIGKILL);
  stop = true;
  for (auto& t : clients) t.join();
  ::sync();
  {
    std::ofstream drop("/proc/sys/vm/drop_caches");  // root only; otherwise a no-op
    if (drop) drop << "3\n";
  }
  const std::string trail = Slurp(server.audit_path());
  size_t missing = 0;
  for (const auto& id : answered) {
    if (trail.find("\"request_id\":\"" + id + "\"") == std::string::npos) ++missing;
  }
  EXPECT_EQ(missing, 0u) << "of " << answered.size() << " answered requests";
  // keepd starts again on the cut trail (a torn last line is recovered) and the whole
  // chain verifies.
  server.Start();
  auto v = server.Cli({"audit", "verify", "--live", server.audit_path()});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_EQ(v.out.rfind("ok: ", 0), 0u) << v.out << v.err;
  std::cout << answered.size() << " answered before SIGKILL, all in the trail; " << v.out;
}

}  // namespace
}  // namespace keep::testing
