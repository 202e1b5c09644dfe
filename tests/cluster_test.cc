// Three keepd nodes on one real PostgreSQL (started by the test): every node serves
// every operation, and learns of changes made through another node within a second.
#include <gtest/gtest.h>
#include <signal.h>

#include <libpq-fe.h>
#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "common/encoding.h"
#include "harness.h"
#include "store/testing/pg_server.h"

namespace keep::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

struct Reply {
  int status = 0;
  json::value body;
  std::string code() const {
    return body.is_object() && body.as_object().contains("error")
               ? std::string(body.at("error").at("code").as_string())
               : "";
  }
};

Reply Do(Client& c, const std::string& method, const std::string& target,
         const json::value& body = nullptr) {
  auto r = c.Send(method, target, body.is_null() ? "" : json::serialize(body));
  if (!r.ok()) return {};
  boost::system::error_code ec;
  return {r->status, r->body.empty() ? json::value() : json::parse(r->body, ec)};
}

// Polls `cond` until it holds or `limit` passes; returns how long it took (or -1).
int64_t WithinMs(const std::function<bool()>& cond, int limit_ms = 1000) {
  const auto start = Clock::now();
  while (Clock::now() - start < std::chrono::milliseconds(limit_ms)) {
    if (cond()) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

json::value EncryptBody(const std::string& plain) {
  return json::object{{"plaintext", Base64Encode(AsBytes(plain))}};
}

class Cluster : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(pg_.error(), "");
    conninfo_ = pg_.CreateDatabase();
    ASSERT_FALSE(conninfo_.empty());
    shared_ = fs::temp_directory_path() / ("keep-cluster-" + std::to_string(::getpid()));
    fs::remove_all(shared_);
    fs::create_directories(shared_);
    for (int i = 0; i < 3; ++i) {
      nodes_.push_back(std::make_unique<Keepd>(
          "", "backend = \"postgres\"\nconninfo = \"" + conninfo_ + "\"\npool_size = 4\n",
          "type = \"dev-file\"\ndev_key_file = \"" + (shared_ / "root.key").string() +
              "\"\ndev_auto_init = true\n" + "dev_root_token_file = \"" +
              (shared_ / "root-token").string() + "\"\n"));
      nodes_.back()->set_token_file((shared_ / "root-token").string());
      nodes_.back()->Start();  // A initializes; B and C find it initialized and unseal
      ASSERT_TRUE(nodes_.back()->Running());
    }
    for (auto& n : nodes_) clients_.push_back(n->NewClient());
  }
  void TearDown() override {
    clients_.clear();
    nodes_.clear();
    fs::remove_all(shared_);
  }
  Client& A() { return *clients_[0]; }
  Client& B() { return *clients_[1]; }
  Client& C() { return *clients_[2]; }

  store::testing::PgServer pg_;
  std::string conninfo_;
  fs::path shared_;
  std::vector<std::unique_ptr<Keepd>> nodes_;
  std::vector<std::unique_ptr<Client>> clients_;
};

TEST_F(Cluster, ChangesOnOneNodeReachTheOthersWithinASecond) {
  ASSERT_EQ(Do(A(), "POST", "/v1/keys", json::object{{"name", "orders"}}).status, 201);
  std::string ct;
  const int64_t seen = WithinMs([&] {
    Reply r = Do(B(), "POST", "/v1/keys/orders/encrypt", EncryptBody("card"));
    if (r.status == 200) ct = std::string(r.body.at("ciphertext").as_string());
    return r.status == 200;
  });
  ASSERT_GE(seen, 0) << "B never learned of the key created on A";
  std::cout << "  key created on A usable on B after " << seen << " ms\n";
  Reply d = Do(C(), "POST", "/v1/decrypt", json::object{{"ciphertext", ct}});
  ASSERT_EQ(d.status, 200);
  EXPECT_EQ(d.body.at("plaintext").as_string(), Base64Encode(AsBytes("card")));

  ASSERT_EQ(Do(C(), "POST", "/v1/keys/orders/rotate").body.at("latest_version").as_int64(), 2);
  const int64_t rotated = WithinMs([&] {
    Reply r = Do(B(), "POST", "/v1/keys/orders/encrypt", EncryptBody("x"));
    return r.status == 200 && r.body.at("version").as_int64() == 2;
  });
  EXPECT_GE(rotated, 0) << "B kept encrypting under version 1 after a rotation on C";
  std::cout << "  rotation on C used by B after " << rotated << " ms\n";

  ASSERT_EQ(Do(A(), "PATCH", "/v1/keys/orders", json::object{{"enabled", false}}).status, 200);
  const int64_t disabled = WithinMs([&] {
    return Do(B(), "POST", "/v1/keys/orders/encrypt", EncryptBody("x")).code() == "key_disabled" &&
           Do(C(), "POST", "/v1/decrypt", json::object{{"ciphertext", ct}}).code() ==
               "key_disabled";
  });
  EXPECT_GE(disabled, 0) << "B or C kept using a key disabled on A";
  std::cout << "  disable on A refused by B and C after " << disabled << " ms\n";

  // A keyring rotation on A: records A writes next use the new term; B must follow.
  ASSERT_EQ(Do(A(), "POST", "/v1/sys/rotate").body.at("term").as_int64(), 2);
  ASSERT_EQ(Do(A(), "POST", "/v1/keys", json::object{{"name", "after-term"}}).status, 201);
  EXPECT_GE(WithinMs([&] {
              return Do(B(), "POST", "/v1/keys/after-term/encrypt", EncryptBody("y")).status == 200;
            }),
            0)
      << "B could not read a record written under the keyring term A added";

  auto status = nodes_[1]->Cli({"status"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("node id:"), std::string::npos);
  EXPECT_NE(status.out.find("replication: connected"), std::string::npos) << status.out;
}

TEST_F(Cluster, ConcurrentRotationsOnTwoNodesKeepEveryVersion) {
  ASSERT_EQ(Do(A(), "POST", "/v1/keys", json::object{{"name", "busy"}}).status, 201);
  ASSERT_GE(WithinMs([&] { return Do(B(), "GET", "/v1/keys/busy").status == 200; }), 0);
  std::atomic<int> failures{0};
  auto rotate = [&](Keepd& node) {
    auto c = node.NewClient();
    for (int i = 0; i < 10; ++i) {
      Reply r = Do(*c, "POST", "/v1/keys/busy/rotate");
      if (r.status != 200) {
        ++failures;
        ADD_FAILURE() << "rotate failed: " << r.status << " " << json::serialize(r.body);
      }
    }
  };
  std::thread ta([&] { rotate(*nodes_[0]); });
  std::thread tb([&] { rotate(*nodes_[1]); });
  ta.join();
  tb.join();
  EXPECT_EQ(failures.load(), 0);
  for (Client* c : {&A(), &B(), &C()}) {
    EXPECT_GE(WithinMs([&] {
                Reply k = Do(*c, "GET", "/v1/keys/busy");
                return k.status == 200 && k.body.at("latest_version").as_int64() == 21 &&
                       k.body.at("versions").as_array().size() == 21;
              }),
              0);
  }
}

TEST_F(Cluster, KillingANodeDoesNotFailClientsThatRetryElsewhere) {
  ASSERT_EQ(Do(A(), "POST", "/v1/keys", json::object{{"name", "ha"}}).status, 201);
  for (Client* c : {&B(), &C()}) {
    ASSERT_GE(WithinMs([&] { return Do(*c, "GET", "/v1/keys/ha").status == 200; }), 0);
  }
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::thread traffic([&] {
    std::vector<std::unique_ptr<Client>> cs;
    // A client that fails over uses a short timeout: a dead node's port may even be
    // taken over by another process that never answers.
    for (auto& n : nodes_) cs.push_back(n->NewClient(n->token(), 2000));
    for (int i = 0; !stop; ++i) {
      bool done = false;
      for (int attempt = 0; attempt < 3 && !done; ++attempt) {  // retry on the next node
        Reply r = Do(*cs[(i + attempt) % 3], "POST", "/v1/keys/ha/encrypt", EncryptBody("t"));
        done = r.status == 200;
      }
      (done ? ok : failed)++;
    }
  });
  ASSERT_TRUE(Keepd::WaitFor([&] { return ok >= 50; }));  // traffic is flowing
  EXPECT_EQ(nodes_[0]->Stop(SIGKILL), 128 + SIGKILL);
  const int at_kill = ok;
  // Clients fail over: traffic goes on without A.
  ASSERT_TRUE(Keepd::WaitFor([&] { return ok >= at_kill + 50; }));
  // A change made while A is down...
  ASSERT_EQ(Do(B(), "POST", "/v1/keys", json::object{{"name", "while-a-was-down"}}).status, 201);
  stop = true;
  traffic.join();
  std::cout << "  requests: " << ok << " ok, " << failed << " failed after retrying\n";
  EXPECT_GT(ok.load(), 50);
  EXPECT_EQ(failed.load(), 0);
  // ...is there when A comes back.
  nodes_[0]->Start();
  auto a = nodes_[0]->NewClient();
  EXPECT_EQ(Do(*a, "GET", "/v1/keys/while-a-was-down").status, 200);
}

// Every node lists every node, itself first, with its heartbeat; a node that stops cleanly
// leaves the list, one that is killed stays with a growing age until it is seen again.
TEST_F(Cluster, EveryNodeListsTheNodesAndTheirLag) {
  auto ids = [](const Reply& r) {
    std::vector<std::string> out;
    for (const auto& n : r.body.at("nodes").as_array()) {
      out.emplace_back(n.at("id").as_string());
    }
    return out;
  };
  auto node_id = [&](Client& c) {
    return std::string(Do(c, "GET", "/v1/sys/health").body.at("node_id").as_string());
  };
  const std::string a = node_id(A()), b = node_id(B()), c = node_id(C());
  Reply r;
  ASSERT_TRUE(Keepd::WaitFor([&] {
    r = Do(A(), "GET", "/v1/sys/nodes");
    return r.status == 200 && ids(r).size() == 3;
  })) << json::serialize(r.body);
  EXPECT_TRUE(r.body.at("shared_store").as_bool());
  const auto& list = r.body.at("nodes").as_array();
  EXPECT_EQ(ids(r)[0], a);
  EXPECT_TRUE(list[0].at("self").as_bool());
  std::vector<std::string> others{ids(r)[1], ids(r)[2]};
  std::sort(others.begin(), others.end());
  std::vector<std::string> want{b, c};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(others, want);
  for (const auto& n : list) {
    EXPECT_FALSE(n.at("sealed").as_bool());
    EXPECT_TRUE(n.at("feed_connected").as_bool());
    EXPECT_TRUE(n.at("responsive").as_bool());
    EXPECT_GE(n.at("lag_ms").as_int64(), 0);
    EXPECT_LT(n.at("lag_ms").as_int64(), 2000);
    EXPECT_FALSE(n.at("version").as_string().empty());
    EXPECT_NE(n.at("address").as_string().find("127.0.0.1:"), std::string::npos);
  }
  EXPECT_FALSE(list[1].at("self").as_bool());
  EXPECT_FALSE(list[2].at("self").as_bool());
  // A sealed node says so in its next heartbeat.
  ASSERT_EQ(Do(B(), "POST", "/v1/sys/seal").status, 204);
  ASSERT_TRUE(Keepd::WaitFor([&] {
    const Reply seen = Do(C(), "GET", "/v1/sys/nodes");
    if (seen.status != 200) return false;
    for (const auto& n : seen.body.at("nodes").as_array()) {
      if (n.at("id").as_string() == b) return n.at("sealed").as_bool();
    }
    return false;
  }));
  // A clean stop removes the node from the list at once.
  EXPECT_EQ(nodes_[2]->Stop(SIGTERM), 0);
  r = Do(A(), "GET", "/v1/sys/nodes");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(ids(r).size(), 2u);
  for (const auto& id : ids(r)) EXPECT_NE(id, c);
}

// Terminates every connection keepd holds to the database (as a PostgreSQL restart or
// failover would), from the server side.
int TerminateBackends(const std::string& conninfo) {
  std::unique_ptr<PGconn, void (*)(PGconn*)> c(PQconnectdb(conninfo.c_str()), PQfinish);
  std::unique_ptr<PGresult, void (*)(PGresult*)> r(
      PQexec(c.get(),
             "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
             "WHERE datname = current_database() AND pid <> pg_backend_pid()"),
      PQclear);
  return PQresultStatus(r.get()) == PGRES_TUPLES_OK ? std::atoi(PQgetvalue(r.get(), 0, 0)) : -1;
}

TEST_F(Cluster, AcknowledgedCiphertextsSurviveCrashesAndConnectionResets) {
  ASSERT_EQ(Do(A(), "POST", "/v1/keys", json::object{{"name", "crash"}}).status, 201);
  for (Client* c : {&B(), &C()}) {
    ASSERT_GE(WithinMs([&] { return Do(*c, "GET", "/v1/keys/crash").status == 200; }), 0);
  }
  std::atomic<bool> stop{false};
  std::atomic<int> rotations{0};
  std::vector<std::pair<std::string, std::string>> acked;  // ciphertext, plaintext
  std::mutex acked_mu;
  auto worker = [&](int id, bool rotate) {
    std::vector<std::unique_ptr<Client>> cs;
    // A client that fails over uses a short timeout: a dead node's port may even be
    // taken over by another process that never answers.
    for (auto& n : nodes_) cs.push_back(n->NewClient(n->token(), 2000));
    for (int i = 0; !stop; ++i) {
      // Paced: enough operations to straddle every reset, few enough to check them all.
      std::this_thread::sleep_for(std::chrono::milliseconds(rotate ? 20 : 4));
      for (int attempt = 0; attempt < 3; ++attempt) {  // retry on the next node
        Client& c = *cs[(i + attempt + id) % 3];
        if (rotate) {
          if (Do(c, "POST", "/v1/keys/crash/rotate").status == 200) {
            ++rotations;
            break;
          }
        } else {
          const std::string plain = "msg " + std::to_string(id) + "/" + std::to_string(i);
          Reply r = Do(c, "POST", "/v1/keys/crash/encrypt", EncryptBody(plain));
          if (r.status == 200) {
            std::lock_guard lock(acked_mu);
            acked.emplace_back(std::string(r.body.at("ciphertext").as_string()), plain);
            break;
          }
        }
      }
    }
  };
  std::thread r1(worker, 0, true), r2(worker, 1, true), e1(worker, 2, false);
  int terminated = 0;
  for (int round = 0; round < 5; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    terminated += TerminateBackends(conninfo_);
    if (round == 2) {
      EXPECT_EQ(nodes_[2]->Stop(SIGKILL), 128 + SIGKILL);  // and a crash
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  r1.join();
  r2.join();
  e1.join();
  std::cout << "  " << terminated << " connections reset, " << rotations << " rotations, "
            << acked.size() << " ciphertexts acknowledged\n";
  EXPECT_GT(terminated, 5);
  EXPECT_GT(rotations.load(), 5);
  ASSERT_GT(acked.size(), 20u);

  nodes_[2]->Start();  // C catches up at start
  auto c = nodes_[2]->NewClient();
  int bad = 0;
  for (const auto& [ct, plain] : acked) {
    Reply d = Do(*c, "POST", "/v1/decrypt", json::object{{"ciphertext", ct}});
    if (d.status != 200 || d.body.at("plaintext").as_string() != Base64Encode(AsBytes(plain)))
      ++bad;
  }
  EXPECT_EQ(bad, 0) << "every acknowledged ciphertext must still decrypt";
  Reply k = Do(*c, "GET", "/v1/keys/crash");
  ASSERT_EQ(k.status, 200);
  const auto& versions = k.body.at("versions").as_array();
  EXPECT_EQ(static_cast<int64_t>(versions.size()), k.body.at("latest_version").as_int64());
  for (size_t i = 0; i < versions.size(); ++i) {
    EXPECT_EQ(versions[i].at("version").as_int64(), static_cast<int64_t>(i + 1));
  }
  // The change feeds reconnected: a change on A still reaches B.
  ASSERT_EQ(Do(A(), "POST", "/v1/keys", json::object{{"name", "after-resets"}}).status, 201);
  EXPECT_GE(WithinMs([&] { return Do(B(), "GET", "/v1/keys/after-resets").status == 200; }, 3000),
            0);
}

}  // namespace
}  // namespace keep::testing

namespace keep::testing {
namespace {

// Two nodes on one PostgreSQL with the given [lockdown] settings.
struct LockdownCluster {
  explicit LockdownCluster(const std::string& lockdown) {
    conninfo = pg.CreateDatabase();
    shared = fs::temp_directory_path() /
             ("keep-lockdown-" + std::to_string(::getpid()) + "-" + std::to_string(++count));
    fs::remove_all(shared);
    fs::create_directories(shared);
    for (int i = 0; i < 2; ++i) {
      nodes.push_back(std::make_unique<Keepd>(
          "\n[lockdown]\n" + lockdown,
          "backend = \"postgres\"\nconninfo = \"" + conninfo + "\"\npool_size = 2\n",
          "type = \"dev-file\"\ndev_key_file = \"" + (shared / "root.key").string() +
              "\"\ndev_auto_init = true\ndev_root_token_file = \"" +
              (shared / "root-token").string() + "\"\n"));
      nodes.back()->set_token_file((shared / "root-token").string());
      nodes.back()->Start();
    }
  }
  ~LockdownCluster() {
    nodes.clear();
    fs::remove_all(shared);
  }
  // A key and a ciphertext under it, made on the first node.
  std::string Ciphertext() {
    auto a = nodes[0]->NewClient();
    EXPECT_EQ(Do(*a, "POST", "/v1/keys", json::object{{"name", "k"}}).status, 201);
    return std::string(
        Do(*a, "POST", "/v1/keys/k/encrypt", EncryptBody("x")).body.at("ciphertext").as_string());
  }
  static inline int count = 0;
  store::testing::PgServer pg;
  std::string conninfo;
  fs::path shared;
  std::vector<std::unique_ptr<Keepd>> nodes;
};

TEST(ClusterLockdown, ALockedIdentityIsRefusedByEveryNode) {
  LockdownCluster c("identity_decrypt_budget = 3\naction = \"revoke\"\n");
  auto a = c.nodes[0]->NewClient();
  ASSERT_EQ(
      Do(*a, "PUT", "/v1/sys/policies/reader",
         json::object{{"rules", json::array{json::object{
                                    {"keys", "*"}, {"capabilities", json::array{"decrypt"}}}}}})
          .status,
      204);
  const json::value dec = json::object{{"ciphertext", c.Ciphertext()}};
  auto tok = Do(*a, "POST", "/v1/auth/tokens", json::object{{"policies", json::array{"reader"}}});
  ASSERT_EQ(tok.status, 201);
  auto reader_a = c.nodes[0]->NewClient(std::string(tok.body.at("token").as_string()));
  auto reader_b = c.nodes[1]->NewClient(std::string(tok.body.at("token").as_string()));
  // B learns of the token, policy and key (counts toward B's own budget: 1 of 3).
  ASSERT_GE(WithinMs([&] { return Do(*reader_b, "POST", "/v1/decrypt", dec).status == 200; }), 0);
  EXPECT_EQ(Do(*reader_b, "POST", "/v1/keys/k/encrypt", EncryptBody("y")).code(),
            "permission_denied");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Do(*reader_a, "POST", "/v1/decrypt", dec).status, 200);
  EXPECT_EQ(Do(*reader_a, "POST", "/v1/decrypt", dec).code(), "locked_down");
  // On B, a request that does not count toward any budget (encrypt: permission_denied
  // for this identity) answers locked_down once the lock has arrived.
  EXPECT_GE(WithinMs([&] {
              return Do(*reader_b, "POST", "/v1/keys/k/encrypt", EncryptBody("y")).code() ==
                     "locked_down";
            }),
            0)
      << "the lock reaches the other node";
}

TEST(ClusterLockdown, OneNodeSealingForALockdownSealsTheOthers) {
  LockdownCluster c("global_decrypt_budget = 3\naction = \"seal\"\n");
  const json::value dec = json::object{{"ciphertext", c.Ciphertext()}};
  auto a = c.nodes[0]->NewClient(), b = c.nodes[1]->NewClient();
  ASSERT_GE(WithinMs([&] { return Do(*b, "GET", "/v1/keys/k").status == 200; }), 0);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Do(*a, "POST", "/v1/decrypt", dec).status, 200);
  EXPECT_EQ(Do(*a, "POST", "/v1/decrypt", dec).code(), "locked_down");
  EXPECT_GE(WithinMs([&] { return Do(*b, "GET", "/v1/sys/health").status == 503; }), 0)
      << "the other node sealed too";
  EXPECT_EQ(Do(*b, "POST", "/v1/decrypt", dec).code(), "sealed");
}

}  // namespace
}  // namespace keep::testing
