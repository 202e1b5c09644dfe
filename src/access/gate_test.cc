// The Gate without any door: a passage through authentication, authorization, rate
// limits, the decrypt budget and the audit record, with a real service (SQLite store,
// dev-file seal) as the custodian and an in-memory audit sink that keeps every record.
#include "access/gate.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <vector>

#include "seal/dev_file_seal.h"
#include "service/service.h"
#include "store/sqlite_store.h"

namespace keep::access {
namespace {

namespace fs = std::filesystem;

class MemorySink final : public audit::Sink {
 public:
  Status Append(const audit::Event& e) override {
    std::lock_guard lock(mu_);
    if (fail) return Unavailable("audit_unavailable", "the test sink refuses");
    events.push_back(e);
    return Status::Ok();
  }
  std::mutex mu_;
  bool fail = false;
  std::vector<audit::Event> events;
};

class GateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("keep-gate-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto st = store::OpenSqliteStore((dir_ / "keep.db").string());
    ASSERT_TRUE(st.ok());
    svc_ = std::make_unique<service::Service>(
        std::move(st).value(), std::make_unique<seal::DevFileSeal>((dir_ / "root.key").string()));
    auto init = svc_->custody().Init();
    ASSERT_TRUE(init.ok()) << init.status();
    root_ = std::string(AsChars(init->root_token.view()));
    auto p = ParsePolicy("reader", R"({"rules":[{"keys":"app-*","capabilities":["decrypt"]}]})");
    ASSERT_TRUE(p.ok()) << p.status();
    Identity root{"token:root", "root", {"root"}, "", 0};
    ASSERT_TRUE(svc_->directory().PutPolicy(root, *p).ok());
    auto t = svc_->directory().CreateToken(root, {"app", {"reader"}, 0, false});
    ASSERT_TRUE(t.ok()) << t.status();
    reader_ = std::string(AsChars(t->token.view()));
  }
  void TearDown() override {
    gate_.reset();
    svc_.reset();
    fs::remove_all(dir_);
  }
  Gate& MakeGate(GateOptions o = {}) {
    gate_ = std::make_unique<Gate>(svc_->directory(), svc_->custody(), sink_, std::move(o));
    return *gate_;
  }
  static Credentials Bearer(const std::string& t) {
    Credentials c;
    c.bearer = t;
    return c;
  }

  fs::path dir_;
  std::unique_ptr<service::Service> svc_;
  MemorySink sink_;
  std::unique_ptr<Gate> gate_;
  std::string root_, reader_;
};

TEST_F(GateTest, AuthenticatesAuthorizesAndRecordsOnce) {
  Gate& g = MakeGate();
  Passage p("req-1", "10.0.0.1");
  ASSERT_TRUE(g.Authenticate(p, Bearer(reader_)).ok());
  EXPECT_TRUE(p.authenticated);
  EXPECT_EQ(p.ctx.identity.policies, std::vector<std::string>{"reader"});
  EXPECT_EQ(p.event.identity, p.ctx.identity.id);
  ASSERT_TRUE(g.Authorize(p, Operation::kDecrypt, "app-orders").ok());
  EXPECT_EQ(p.event.operation, "decrypt");
  EXPECT_EQ(p.event.key, "app-orders");
  ASSERT_TRUE(g.Record(p, 200, "").ok());
  EXPECT_TRUE(p.recorded);
  ASSERT_EQ(sink_.events.size(), 1u);
  EXPECT_EQ(sink_.events[0].request_id, "req-1");
  EXPECT_EQ(sink_.events[0].remote_address, "10.0.0.1");
  EXPECT_EQ(sink_.events[0].outcome, "ok");
  EXPECT_EQ(sink_.events[0].status, 200);
  EXPECT_GT(sink_.events[0].time_ms, 0);

  Passage q("req-2", "10.0.0.1");
  ASSERT_TRUE(g.Authenticate(q, Bearer(reader_)).ok());
  const Status denied = g.Authorize(q, Operation::kEncrypt, "app-orders");
  EXPECT_EQ(denied.reason(), "permission_denied");
  EXPECT_EQ(g.Authorize(q, Operation::kDecrypt, "billing").reason(), "permission_denied");
  ASSERT_TRUE(g.Record(q, 403, denied.reason()).ok());
  EXPECT_EQ(sink_.events.back().outcome, "permission_denied");
}

TEST_F(GateTest, RefusesBadCredentialsAndAnythingWhileSealed) {
  Gate& g = MakeGate();
  Passage p("r", "");
  EXPECT_EQ(g.Authenticate(p, Bearer("keep_not-a-token")).code(), Code::kUnauthenticated);
  EXPECT_EQ(g.Authenticate(p, Credentials{}).code(), Code::kUnauthenticated);
  EXPECT_EQ(g.Authenticate(p, Result<Credentials>(Unauthenticated("malformed header"))).code(),
            Code::kUnauthenticated);
  EXPECT_FALSE(p.authenticated);
  ASSERT_TRUE(svc_->custody().Seal().ok());
  // Sealed wins over every credential, good or malformed.
  EXPECT_EQ(g.Authenticate(p, Bearer(root_)).reason(), "sealed");
  EXPECT_EQ(g.Authenticate(p, Result<Credentials>(Unauthenticated("malformed"))).reason(),
            "sealed");
  // The directory's operations are refused too, not answered from wiped memory.
  EXPECT_EQ(svc_->directory().ListTokens().status().reason(), "sealed");
  EXPECT_EQ(svc_->directory().ListPolicies().status().reason(), "sealed");
}

TEST_F(GateTest, RateLimitsSayWhenToRetryOrThatABatchIsTooBig) {
  GateOptions o;
  o.rate_limits.identity[static_cast<int>(OpClass::kDecrypt)] = {1, 3};  // 1/s, burst 3
  Gate& g = MakeGate(o);
  Passage p("r", "");
  ASSERT_TRUE(g.Authenticate(p, Bearer(reader_)).ok());
  EXPECT_TRUE(g.Authorize(p, Operation::kDecrypt, "app-a", 3).ok());
  const Status over = g.Authorize(p, Operation::kDecrypt, "app-a", 1);
  EXPECT_EQ(over.reason(), "rate_limited");
  EXPECT_GE(p.retry_after, 1);
  Passage big("r2", "");
  ASSERT_TRUE(g.Authenticate(big, Bearer(reader_)).ok());
  const Status never = g.Authorize(big, Operation::kDecrypt, "app-a", 4);
  EXPECT_EQ(never.reason(), "rate_limited");
  EXPECT_EQ(big.retry_after, 0);  // waiting does not help: split the batch
  EXPECT_NE(never.message().find("smaller batches"), std::string::npos);
}

TEST_F(GateTest, DecryptBudgetLocksTheIdentityWithARecordAndReinstatingForgetsIt) {
  GateOptions o;
  o.lockdown.identity_budget = 2;
  Gate& g = MakeGate(o);
  Passage p("r", "");
  ASSERT_TRUE(g.Authenticate(p, Bearer(reader_)).ok());
  EXPECT_TRUE(g.CountDecrypts(p, 2).ok());
  const Status trip = g.CountDecrypts(p, 1);
  EXPECT_EQ(trip.reason(), "locked_down");
  ASSERT_FALSE(sink_.events.empty());
  EXPECT_EQ(sink_.events.back().type, "lockdown");
  EXPECT_EQ(sink_.events.back().operation, "lockdown.identity");
  EXPECT_EQ(sink_.events.back().identity, p.ctx.identity.id);
  // The lock is the directory's: every later authorization is refused.
  EXPECT_EQ(g.Authorize(p, Operation::kDecrypt, "app-a").reason(), "locked_down");
  auto locks = svc_->directory().ListLocks();
  ASSERT_TRUE(locks.ok());
  ASSERT_EQ(locks->size(), 1u);

  Passage admin("r-admin", "");
  ASSERT_TRUE(g.Authenticate(admin, Bearer(root_)).ok());
  ASSERT_TRUE(g.Reinstate(admin, p.ctx.identity.id).ok());
  EXPECT_EQ(g.Reinstate(admin, p.ctx.identity.id).reason(), "not_found");
  EXPECT_TRUE(g.Authorize(p, Operation::kDecrypt, "app-a").ok());
  EXPECT_TRUE(g.CountDecrypts(p, 2).ok()) << "reinstating forgets the count";
}

TEST_F(GateTest, ALockdownWhoseRecordCannotBeWrittenLocksNothing) {
  GateOptions o;
  o.lockdown.identity_budget = 1;
  Gate& g = MakeGate(o);
  Passage p("r", "");
  ASSERT_TRUE(g.Authenticate(p, Bearer(reader_)).ok());
  EXPECT_TRUE(g.CountDecrypts(p, 1).ok());
  sink_.fail = true;
  EXPECT_EQ(g.CountDecrypts(p, 1).reason(), "audit_unavailable");
  sink_.fail = false;
  auto locks = svc_->directory().ListLocks();
  ASSERT_TRUE(locks.ok());
  EXPECT_TRUE(locks->empty());
}

TEST_F(GateTest, ABatchWithFailedItemsStaysPartialAndErrorsWin) {
  Gate& g = MakeGate();
  Passage p("r", "");
  p.event.outcome = "partial";
  ASSERT_TRUE(g.Record(p, 200, "").ok());
  EXPECT_EQ(sink_.events.back().outcome, "partial");
  Passage q("r2", "");
  q.event.outcome = "partial";
  ASSERT_TRUE(g.Record(q, 503, "audit_unavailable").ok());
  EXPECT_EQ(sink_.events.back().outcome, "audit_unavailable");
  Passage e("r3", "");
  ASSERT_TRUE(g.Record(e, 500, "").ok());
  EXPECT_EQ(sink_.events.back().outcome, "error");
  sink_.fail = true;
  Passage f("r4", "");
  EXPECT_EQ(g.Record(f, 200, "").reason(), "audit_unavailable");
}

}  // namespace
}  // namespace keep::access
