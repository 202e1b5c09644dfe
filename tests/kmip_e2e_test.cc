// The KMIP door end to end: keepd with [kmip] on, mutual TLS with a client CA this test
// makes, driven by Debian's python3-pykmip (tests/interop/kmip_client.py) through every
// operation the issue lists, plus hand-built and malformed TTLV; certificate identities
// with policies (a reader that may not export, an unmapped certificate, another CA); the
// objects live under the barrier (nothing of a key in the database), survive a restart and
// are visible to operators (keep kmip list|show); every batch item is audited.
#include <gtest/gtest.h>

#include <filesystem>

#include "harness.h"
#include "store/testing/pg_server.h"

namespace keep::testing {
namespace {

namespace fs = std::filesystem;

class KmipE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_ = fs::temp_directory_path() / ("keep-kmip-" + std::to_string(::getpid()));
    fs::remove_all(certs_);
    fs::create_directories(certs_);
    Sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
       "-subj /CN=kmip-clients-ca -keyout ca.key -out ca.pem");
    for (const char* who : {"admin", "reader", "stranger"}) {
      Sh(std::string("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                     "-subj /O=Example/CN=") +
         who + " -keyout " + who + ".key -out " + who + ".csr && openssl x509 -req -in " + who +
         ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out " + who + ".pem");
    }
    Sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
       "-subj /O=Example/CN=admin -keyout rogue.key -out rogue.pem");
    if (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name())
            .find("Cluster") != std::string::npos) {
      return;  // makes its own nodes
    }
    server_ = Node();
    server_->Start();
    Policies(*server_);
  }
  std::unique_ptr<Keepd> Node(const std::string& storage = "", const std::string& seal = "") {
    return std::make_unique<Keepd>(
        "\n[kmip]\nenabled = true\nport = 0\n"
        "[[auth.certificate]]\nname = \"kmip-admin\"\nsubject = \"CN=admin,O=Example\"\n"
        "policies = [\"kmip-admin\"]\n"
        "[[auth.certificate]]\nname = \"kmip-reader\"\nsubject = \"CN=reader,O=Example\"\n"
        "policies = [\"kmip-reader\"]\n",
        storage, seal, "client_ca_file = \"" + (certs_ / "ca.pem").string() + "\"\n");
  }
  void Policies(Keepd& k) {
    for (const auto& [name, json] : std::vector<std::pair<std::string, std::string>>{
             {"kmip-admin",
              R"({"rules":[{"keys":"kmip/*","capabilities":["create","read","manage","export",)"
              R"("encrypt","decrypt","sign","verify","hmac"]}]})"},
             {"kmip-reader", R"({"rules":[{"keys":"kmip/*","capabilities":["read"]}]})"}}) {
      auto r = k.Cli({"policy", "write", name, "-"}, json);
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }
  void TearDown() override { fs::remove_all(certs_); }

  void Sh(const std::string& cmd) {
    ASSERT_EQ(std::system(("cd " + certs_.string() + " && (" + cmd + ") >/dev/null 2>&1").c_str()),
              0)
        << cmd;
  }
  static int KmipPort(const Keepd& k) { return std::stoi(Trimmed(Slurp(k.dir() + "/ready.kmip"))); }
  int KmipPort() const { return KmipPort(*server_); }
  // kmip_client.py SCENARIO as `who` (a certificate this test made), against `node`.
  CliResult Client(const std::string& who, const std::string& scenario,
                   const std::string& extra = "", const Keepd* node = nullptr) {
    if (node == nullptr) node = server_.get();
    const std::string script = fs::current_path().string() + "/tests/interop/kmip_client.py";
    const std::string c = (certs_ / who).string();
    return Shell(node->dir(), "/usr/bin/python3 " + script + " 127.0.0.1 " +
                                  std::to_string(KmipPort(*node)) + " " + node->ca() + " " + c +
                                  ".pem " + c + ".key " + scenario + " " + extra);
  }

  fs::path certs_;
  std::unique_ptr<Keepd> server_;
};

TEST_F(KmipE2e, PykmipDrivesEveryOperation) {
  auto r = Client("admin", "tour");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("kmip tour ok"), std::string::npos);
  // Every batch item is audited as the certificate's identity, exports with the object.
  const std::string trail = Slurp(server_->audit_path());
  EXPECT_NE(trail.find(R"("identity":"cert:kmip-admin")"), std::string::npos);
  EXPECT_NE(trail.find(R"("operation":"export")"), std::string::npos);
  EXPECT_NE(trail.find(R"("detail":"kmip Get")"), std::string::npos);
  EXPECT_NE(trail.find(R"("key":"kmip/default/)"), std::string::npos);
}

TEST_F(KmipE2e, Kmip20AttributesAndAead) {
  auto r = Client("admin", "v2");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
}

TEST_F(KmipE2e, EveryProtocolVersionFrom10To20) {
  auto r = Client("admin", "versions");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
}

TEST_F(KmipE2e, HandBuiltBatchesPlaceholdersAndMalformedMessages) {
  auto r = Client("admin", "raw");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  const std::string uid = Trimmed(r.out.substr(0, r.out.find('\n')));
  ASSERT_EQ(uid.size(), 36u) << r.out;
  // Operators see the object, its client attributes and state.
  auto show = server_->Cli({"kmip", "show", uid});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("x-purpose"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("backups"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("Active"), std::string::npos) << show.out;
  auto list = server_->Cli({"kmip", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find(uid), std::string::npos) << list.out;
  // Refused frames and messages were audited as rejections.
  EXPECT_NE(Slurp(server_->audit_path()).find(R"("operation":"http.reject")"), std::string::npos);
  // keepd is still serving.
  EXPECT_TRUE(server_->Running());
}

TEST_F(KmipE2e, CertificatesDecideWhoMayDoWhat) {
  auto made = Client("admin", "raw");
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const std::string uid = Trimmed(made.out.substr(0, made.out.find('\n')));
  auto r = Client("reader", "denied", uid);
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  r = Client("stranger", "unmapped");
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  r = Client("rogue", "otherca");
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  // Without a client certificate the handshake fails.
  const std::string answer = RawTls(KmipPort(), server_->ca(), std::string(8, '\0'), 2000);
  EXPECT_EQ(answer, "");
}

TEST_F(KmipE2e, ObjectsLiveUnderTheBarrierAndSurviveARestart) {
  auto r = Client("admin", "raw");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string uid = Trimmed(r.out.substr(0, r.out.find('\n')));
  server_->Stop();
  // Neither the UID's attributes nor anything readable of the object is in the database.
  const std::string db = Slurp(server_->db_path());
  EXPECT_EQ(db.find("raw-key"), std::string::npos);
  EXPECT_EQ(db.find("backups"), std::string::npos);
  server_->Start();
  auto show = server_->Cli({"kmip", "show", uid});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("raw-key"), std::string::npos) << show.out;
}

TEST_F(KmipE2e, ClusterNodesServeTheSameObjects) {
  store::testing::PgServer pg;
  ASSERT_EQ(pg.error(), "");
  const std::string conninfo = pg.CreateDatabase();
  ASSERT_FALSE(conninfo.empty());
  const fs::path shared = certs_ / "shared";
  fs::create_directories(shared);
  std::vector<std::unique_ptr<Keepd>> nodes;
  for (int i = 0; i < 2; ++i) {
    nodes.push_back(Node("backend = \"postgres\"\nconninfo = \"" + conninfo + "\"\npool_size = 4\n",
                         "type = \"dev-file\"\ndev_key_file = \"" + (shared / "root.key").string() +
                             "\"\ndev_auto_init = true\ndev_root_token_file = \"" +
                             (shared / "root-token").string() + "\"\n"));
    nodes.back()->set_token_file((shared / "root-token").string());
    nodes.back()->Start();
  }
  Policies(*nodes[0]);  // policies replicate too
  ASSERT_TRUE(Keepd::WaitFor([&] {
    return nodes[1]->Cli({"policy", "read", "kmip-admin"}).exit_code == 0;
  }));
  auto r = Client("admin", "cluster", std::to_string(KmipPort(*nodes[1])) + " " + nodes[1]->ca(),
                  nodes[0].get());
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
}

}  // namespace
}  // namespace keep::testing
