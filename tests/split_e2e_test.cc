// Split keys between two keep deployments (issue 21): two keepd processes with separate
// custody (each its own dev root key and store) on loopback, peers of each other over
// mutual TLS. Keys are generated jointly, sealed to offline by an independent HPKE
// implementation (tests/interop/hpke_p256.py), opened through either peer — and through
// neither when the other is stopped, sealed, refusing by policy or locked down. A peer
// that answers a wrong partial (tests/interop/evil_peer.py) is reported as the peer's fault.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "common/encoding.h"
#include "harness.h"

namespace keep::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

int FreePort() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t n = sizeof a;
  int port = 0;
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &n) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(s);
  return port;
}

struct Reply {
  int status = 0;
  json::value body;
  std::string request_id;
  std::string code() const {
    return body.is_object() && body.as_object().contains("error")
               ? std::string(body.at("error").at("code").as_string())
               : "";
  }
  std::string message() const {
    return body.is_object() && body.as_object().contains("error")
               ? std::string(body.at("error").at("message").as_string())
               : "";
  }
  std::string Str(const char* k) const { return std::string(body.at(k).as_string()); }
};

Reply Do(Client& c, const std::string& method, const std::string& target,
         const json::value& body = nullptr) {
  auto r = c.Send(method, target, body.is_null() ? "" : json::serialize(body));
  if (!r.ok()) return {};
  boost::system::error_code ec;
  return {r->status, r->body.empty() ? json::value() : json::parse(std::string_view(r->body), ec),
          r->request_id};
}

json::value Decrypt(const std::string& ct) {
  return json::object{{"ciphertext", ct}, {"context", json::object{{"form", "signup"}}}};
}

class Split : public ::testing::Test {
 protected:
  void SetUp() override {
    d_ = fs::temp_directory_path() / ("keep-split-" + std::to_string(::getpid()));
    fs::remove_all(d_);
    fs::create_directories(d_);
    // One CA for both servers' certificates (127.0.0.1), one for the peers' client
    // certificates: each side trusts the other's server and maps the other's client.
    Sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
       "-subj /CN=servers-ca -keyout servers-ca.key -out servers-ca.pem");
    Sh("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 "
       "-keyout server.key -out server.csr");
    Sh("openssl x509 -req -in server.csr -CA servers-ca.pem -CAkey servers-ca.key "
       "-CAcreateserial -days 2 -extfile <(printf 'subjectAltName=IP:127.0.0.1') -out "
       "server.pem");
    Sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
       "-subj /CN=peers-ca -keyout peers-ca.key -out peers-ca.pem");
    for (const char* who : {"peer-a", "peer-b"}) {
      Sh(std::string("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=") +
         who + " -keyout " + who + ".key -out " + who + ".csr");
      Sh(std::string("openssl x509 -req -in ") + who +
         ".csr -CA peers-ca.pem -CAkey peers-ca.key -CAcreateserial -days 2 -out " + who + ".pem");
    }
    port_a_ = FreePort();
    port_b_ = FreePort();
    proxy_port_ = FreePort();
    // A also knows the malicious proxy as peer "b-evil" (its own requests never come
    // from it: the identity is a mapping nobody presents). B's decrypt budget is small, so
    // the lockdown test reaches it; A's is unlimited.
    a_ = Make("a", port_a_, "b", port_b_, 0,
              "[[peers]]\nname = \"b-evil\"\naddress = \"https://127.0.0.1:" +
                  std::to_string(proxy_port_) + "\"\nca_file = \"" + P("servers-ca.pem") +
                  "\"\nclient_cert_file = \"" + P("peer-a.pem") + "\"\nclient_key_file = \"" +
                  P("peer-a.key") + "\"\nidentity = \"cert:nobody\"\ntimeout = \"3s\"\n",
              "[[auth.certificate]]\nname = \"nobody\"\nsubject = \"CN=nobody\"\n");
    b_ = Make("b", port_b_, "a", port_a_, 25, "", "");
    a_->Start();
    b_->Start();
    ca_ = a_->NewClient();
    cb_ = b_->NewClient();
    for (Client* c : {ca_.get(), cb_.get()}) AllowPeer(*c, "*");
  }

  void TearDown() override {
    if (proxy_pid_ > 0) ::kill(proxy_pid_, SIGTERM);
    if (!HasFailure()) fs::remove_all(d_);
  }

  std::string P(const std::string& f) const { return (d_ / f).string(); }

  void Sh(const std::string& cmd) {
    auto r = Shell(d_.string(), cmd);
    ASSERT_EQ(r.exit_code, 0) << cmd << "\n" << r.err;
  }

  std::unique_ptr<Keepd> Make(const std::string& self, int port, const std::string& other,
                              int other_port, int budget, const std::string& more_peers,
                              const std::string& more_certs) {
    const std::string cfg =
        "[auth]\n[[auth.certificate]]\nname = \"peer-" + other + "\"\nsubject = \"CN=peer-" +
        other + "\"\npolicies = [\"peer\"]\n" + more_certs +
        "[lockdown]\nidentity_decrypt_budget = " + std::to_string(budget) +
        "\nwindow = \"1h\"\n"
        "[[peers]]\nname = \"" +
        other + "\"\naddress = \"https://127.0.0.1:" + std::to_string(other_port) +
        "\"\nca_file = \"" + P("servers-ca.pem") + "\"\nclient_cert_file = \"" +
        P("peer-" + self + ".pem") + "\"\nclient_key_file = \"" + P("peer-" + self + ".key") +
        "\"\nidentity = \"cert:peer-" + other + "\"\ntimeout = \"3s\"\n" + more_peers;
    auto k = std::make_unique<Keepd>("port = " + std::to_string(port) + "\n", "", "",
                                     "client_ca_file = \"" + P("peers-ca.pem") + "\"\n", cfg);
    fs::create_directories(k->dir() + "/tls");
    fs::copy_file(P("servers-ca.pem"), k->dir() + "/tls/ca.pem");
    fs::copy_file(P("server.pem"), k->dir() + "/tls/server.pem");
    fs::copy_file(P("server.key"), k->dir() + "/tls/server.key");
    return k;
  }

  // The "peer" policy the other side's certificate maps to: `peer` on keys matching `keys`.
  static void AllowPeer(Client& c, const std::string& keys) {
    json::value policy = json::object{
        {"rules",
         json::array{json::object{{"keys", keys}, {"capabilities", json::array{"peer"}}}}}};
    ASSERT_EQ(Do(c, "PUT", "/v1/sys/policies/peer", policy).status, 204);
  }

  // A split key made through A with peer `peer`; its id.
  std::string CreateKey(const std::string& name, const std::string& peer = "b") {
    Reply r = Do(*ca_, "POST", "/v1/keys",
                 json::object{{"name", name}, {"type", "split-p256"}, {"peer", peer}});
    EXPECT_EQ(r.status, 201) << json::serialize(r.body);
    return r.status == 201 ? r.Str("id") : "";
  }

  // Sealed offline by the independent implementation, from the public key file alone.
  std::string SealOffline(Client& c, const std::string& key, const std::string& plaintext,
                          int version = 0) {
    Reply pub = Do(
        c, "GET",
        "/v1/keys/" + key + "/public-key" + (version ? "?version=" + std::to_string(version) : ""));
    EXPECT_EQ(pub.status, 200) << json::serialize(pub.body);
    std::ofstream(P(key + ".pub")) << pub.Str("public_key_file");
    std::ofstream(P("plain.txt")) << plaintext;
    auto r = Shell(d_.string(), "/usr/bin/python3 " + fs::current_path().string() +
                                    "/tests/interop/hpke_p256.py keep-seal " + key +
                                    ".pub plain.txt form=signup");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Trimmed(r.out);
  }

  std::string Plain(const Reply& r) {
    if (r.status != 200) {
      return "<" + std::to_string(r.status) + " " + r.code() + ": " + r.message() + ">";
    }
    auto p = Base64Decode(r.Str("plaintext"));
    return p.ok() ? std::string(p->begin(), p->end()) : "<bad base64>";
  }

  fs::path d_;
  int port_a_ = 0, port_b_ = 0, proxy_port_ = 0;
  pid_t proxy_pid_ = -1;
  std::unique_ptr<Keepd> a_, b_;
  std::unique_ptr<Client> ca_, cb_;
};

TEST_F(Split, KeysMadeTogetherOpenThroughEitherPeer) {
  const std::string id = CreateKey("vault");
  ASSERT_FALSE(id.empty());
  // B holds the same key (same name and id), with A as its peer.
  Reply kb = Do(*cb_, "GET", "/v1/keys/vault");
  ASSERT_EQ(kb.status, 200);
  EXPECT_EQ(kb.Str("id"), id);
  EXPECT_EQ(kb.Str("type"), "split-p256");
  EXPECT_EQ(kb.Str("peer"), "a");
  EXPECT_EQ(Do(*ca_, "GET", "/v1/keys/vault").Str("peer"), "b");
  // Both export the same joint public key.
  const std::string pem_a = Do(*ca_, "GET", "/v1/keys/vault/public-key").Str("public_key_pem");
  EXPECT_EQ(pem_a, Do(*cb_, "GET", "/v1/keys/vault/public-key").Str("public_key_pem"));

  const std::string ct = SealOffline(*ca_, "vault", "card 4111");
  ASSERT_EQ(ct.rfind("keep:Ah", 0), 0u) << ct;  // 0x02 0x12: "Ah" and one of I, J, K, L
  ASSERT_TRUE(ct[7] >= 'I' && ct[7] <= 'L') << ct;
  EXPECT_EQ(Plain(Do(*ca_, "POST", "/v1/decrypt", Decrypt(ct))), "card 4111");
  EXPECT_EQ(Plain(Do(*cb_, "POST", "/v1/keys/vault/decrypt", Decrypt(ct))), "card 4111");
  // The context is bound: another one opens nothing (and is not the peer's fault).
  Reply wrong = Do(*ca_, "POST", "/v1/decrypt",
                   json::object{{"ciphertext", ct}, {"context", json::object{{"form", "x"}}}});
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(wrong.code(), "invalid_ciphertext");

  // Encryption through either peer's API needs nobody else.
  Reply e = Do(*cb_, "POST", "/v1/keys/vault/encrypt",
               json::object{{"plaintext", Base64Encode(AsBytes("via b"))},
                            {"context", json::object{{"form", "signup"}}}});
  ASSERT_EQ(e.status, 200);
  Reply d = Do(*ca_, "POST", "/v1/decrypt", Decrypt(e.Str("ciphertext")));
  EXPECT_EQ(Plain(d), "via b");

  // Both trails record the request: A's decrypt and B's split.partial carry A's request id.
  ASSERT_FALSE(d.request_id.empty());
  EXPECT_TRUE(Keepd::WaitFor([&] {
    const std::string trail = Slurp(b_->audit_path());
    return trail.find("\"peer_request_id\":\"" + d.request_id + "\"") != std::string::npos &&
           trail.find("\"operation\":\"split.partial\"") != std::string::npos;
  })) << "B's trail has no split.partial record for "
      << d.request_id;
  EXPECT_TRUE(Keepd::WaitFor([&] {
    return Slurp(a_->audit_path()).find("\"request_id\":\"" + d.request_id + "\"") !=
           std::string::npos;
  }));

  // A rotation (asked of B this time) is a new joint generation; both sides hold it.
  Reply rot = Do(*cb_, "POST", "/v1/keys/vault/rotate");
  ASSERT_EQ(rot.status, 200) << json::serialize(rot.body);
  EXPECT_EQ(rot.body.at("latest_version").as_int64(), 2);
  EXPECT_EQ(Do(*ca_, "GET", "/v1/keys/vault").body.at("latest_version").as_int64(), 2);
  const std::string pem2 = Do(*ca_, "GET", "/v1/keys/vault/public-key").Str("public_key_pem");
  EXPECT_NE(pem2, pem_a);
  const std::string ct2 = SealOffline(*cb_, "vault", "version two");
  EXPECT_EQ(Plain(Do(*ca_, "POST", "/v1/decrypt", Decrypt(ct2))), "version two");
  EXPECT_EQ(Plain(Do(*cb_, "POST", "/v1/decrypt", Decrypt(ct2))), "version two");
  EXPECT_EQ(Plain(Do(*cb_, "POST", "/v1/decrypt", Decrypt(ct))), "card 4111");  // v1 still
  // Split keys do not rotate on a timer (a rotation needs the peer).
  Reply auto_rot = Do(*ca_, "PATCH", "/v1/keys/vault", json::object{{"auto_rotate_period", "30d"}});
  EXPECT_EQ(auto_rot.status, 400);
}

TEST_F(Split, NothingDecryptsWithoutTheOtherPeer) {
  ASSERT_FALSE(CreateKey("vault").empty());
  const std::string ct = SealOffline(*ca_, "vault", "secret");
  ASSERT_EQ(Plain(Do(*ca_, "POST", "/v1/decrypt", Decrypt(ct))), "secret");

  // Stopped: A cannot decrypt alone; nor can B while A is stopped.
  ASSERT_EQ(b_->Stop(), 0);
  Reply r = Do(*ca_, "POST", "/v1/decrypt", Decrypt(ct));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.code(), "peer_unavailable") << r.message();
  b_->Start();
  cb_ = b_->NewClient();
  EXPECT_EQ(Plain(Do(*ca_, "POST", "/v1/decrypt", Decrypt(ct))), "secret");
  ASSERT_EQ(a_->Stop(), 0);
  r = Do(*cb_, "POST", "/v1/decrypt", Decrypt(ct));
  EXPECT_EQ(r.code(), "peer_unavailable") << r.message();
  a_->Start();
  ca_ = a_->NewClient();

  // Sealed: B refuses, and says why.
  ASSERT_EQ(Do(*cb_, "POST", "/v1/sys/seal").status, 204);
  r = Do(*ca_, "POST", "/v1/decrypt", Decrypt(ct));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.code(), "peer_refused");
  EXPECT_NE(r.message().find("sealed"), std::string::npos) << r.message();
  ASSERT_EQ(b_->Stop(), 0);  // a restart unseals (dev-file custody)
  b_->Start();
  cb_ = b_->NewClient();
  EXPECT_EQ(Plain(Do(*ca_, "POST", "/v1/decrypt", Decrypt(ct))), "secret");

  // Refusing by policy: B's policy no longer grants A `peer` on this key.
  AllowPeer(*cb_, "other-*");
  r = Do(*ca_, "POST", "/v1/decrypt", Decrypt(ct));
  EXPECT_EQ(r.code(), "peer_refused");
  EXPECT_NE(r.message().find("permission_denied"), std::string::npos) << r.message();
  AllowPeer(*cb_, "*");
  EXPECT_EQ(Plain(Do(*ca_, "POST", "/v1/decrypt", Decrypt(ct))), "secret");

  // Locked down: B counts A's partials against A's decrypt budget (25 an hour here); past
  // it B locks A's identity out and A's decryptions stop, though A's own budget is open.
  int served = 0;
  for (int i = 0; i < 40; ++i) {
    r = Do(*ca_, "POST", "/v1/decrypt", Decrypt(ct));
    if (r.status != 200) break;
    ++served;
  }
  EXPECT_EQ(r.code(), "peer_refused");
  EXPECT_NE(r.message().find("locked_down"), std::string::npos) << r.message();
  EXPECT_LE(served, 25);
  EXPECT_EQ(Do(*ca_, "POST", "/v1/decrypt", Decrypt(ct)).code(), "peer_refused");
}

TEST_F(Split, AWrongPartialIsThePeersFault) {
  // The proxy forwards to B honestly as A (so key generation works) and falsifies partials.
  auto r =
      Shell(d_.string(), "(/usr/bin/python3 " + fs::current_path().string() +
                             "/tests/interop/evil_peer.py " + std::to_string(proxy_port_) +
                             " server.pem server.key https://127.0.0.1:" + std::to_string(port_b_) +
                             " servers-ca.pem peer-a.pem peer-a.key evil.on > evil.out 2>&1 &"
                             " echo $! > evil.pid)");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(Keepd::WaitFor([&] { return Slurp(P("evil.out")).find("listening") == 0; }))
      << Slurp(P("evil.out"));
  proxy_pid_ = std::stoi(Slurp(P("evil.pid")));

  ASSERT_FALSE(CreateKey("evil-vault", "b-evil").empty());
  EXPECT_EQ(Do(*cb_, "GET", "/v1/keys/evil-vault").Str("peer"), "a");
  const std::string ct = SealOffline(*ca_, "evil-vault", "intact");
  // Honest at first: the ciphertext opens through the proxy.
  EXPECT_EQ(Plain(Do(*ca_, "POST", "/v1/decrypt", Decrypt(ct))), "intact");
  std::ofstream(P("evil.on")) << "on";
  Reply bad = Do(*ca_, "POST", "/v1/decrypt", Decrypt(ct));
  EXPECT_EQ(bad.status, 502);
  EXPECT_EQ(bad.code(), "peer_misbehaved");
  EXPECT_NE(bad.message().find("b-evil"), std::string::npos) << bad.message();
  EXPECT_NE(a_->log().find("does not verify"), std::string::npos);
  // The same ciphertext opens again once the peer answers honestly: it was never damaged.
  fs::remove(P("evil.on"));
  EXPECT_EQ(Plain(Do(*ca_, "POST", "/v1/decrypt", Decrypt(ct))), "intact");
  // B holds the key with A as its peer (it cannot tell the proxy from A); A refuses B's
  // partials for it, since A shares this key with "b-evil", not with "b".
  Reply from_b = Do(*cb_, "POST", "/v1/decrypt", Decrypt(ct));
  EXPECT_EQ(from_b.code(), "peer_refused");
  EXPECT_NE(from_b.message().find("not split with peer 'b'"), std::string::npos)
      << from_b.message();
}

TEST_F(Split, ThePeerDoorServesOnlyThePeer) {
  ASSERT_FALSE(CreateKey("vault").empty());
  const std::string id = Do(*cb_, "GET", "/v1/keys/vault").Str("id");
  const std::string enc = Base64Encode(Bytes(65, 4));  // well-formed size, not a point
  const json::value partial =
      json::object{{"id", id}, {"version", 1}, {"enc", enc}, {"request_id", "req-1"}};
  // The root token holds every capability, `peer` included, but is no peer.
  Reply r = Do(*cb_, "POST", "/v1/peer/keys/vault/partial", partial);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.message().find("not a configured peer"), std::string::npos) << r.message();

  // As A (its client certificate, no token).
  ClientOptions o;
  o.address = b_->addr();
  o.ca_cert_file = P("servers-ca.pem");
  o.client_cert_file = P("peer-a.pem");
  o.client_key_file = P("peer-a.key");
  o.max_attempts = 1;
  auto as_a = Client::Create(o);
  ASSERT_TRUE(as_a.ok()) << as_a.status().ToString();
  Client& pa = **as_a;
  r = Do(pa, "POST", "/v1/peer/keys/vault/partial", partial);
  EXPECT_EQ(r.status, 400) << json::serialize(r.body);  // 04…04 is not on the curve
  struct Case {
    json::value body;
    std::string says;
  } cases[] = {
      {json::object{{"id", "zz"}, {"version", 1}, {"enc", enc}, {"request_id", "r"}}, "id"},
      {json::object{{"id", id}, {"version", 0}, {"enc", enc}, {"request_id", "r"}}, "version"},
      {json::object{{"id", id}, {"version", 1}, {"enc", "AAAA"}, {"request_id", "r"}}, "enc"},
      {json::object{{"id", id}, {"version", 1}, {"enc", enc}}, "request_id"},
      {json::object{{"id", id}, {"version", 1}, {"enc", enc}, {"request_id", "r"}, {"x", 1}}, "x"},
      {json::array{}, "object"},
  };
  for (const auto& c : cases) {
    r = Do(pa, "POST", "/v1/peer/keys/vault/partial", c.body);
    EXPECT_EQ(r.status, 400) << json::serialize(c.body);
    EXPECT_NE(r.message().find(c.says), std::string::npos) << r.message();
  }
  // A version the key does not have, another key's id.
  json::value v9 = partial;
  v9.as_object()["version"] = 9;
  EXPECT_EQ(Do(pa, "POST", "/v1/peer/keys/vault/partial", v9).code(), "invalid_ciphertext");
  json::value other = partial;
  other.as_object()["id"] = std::string(32, '0');
  EXPECT_EQ(Do(pa, "POST", "/v1/peer/keys/vault/partial", other).status, 400);
  // Key generation: an unknown session, a version that does not follow, a name taken.
  const std::string pt = Base64Encode(Bytes(65, 4)), s = Base64Encode(Bytes(32, 1));
  r = Do(pa, "POST", "/v1/peer/keys/vault/keygen/finish",
         json::object{
             {"session", std::string(32, 'a')}, {"public", pt}, {"proof_r", pt}, {"proof_s", s}});
  EXPECT_EQ(r.status, 404) << json::serialize(r.body);
  r = Do(pa, "POST", "/v1/peer/keys/vault/keygen/commit",
         json::object{
             {"id", id}, {"version", 5}, {"session", std::string(32, 'b')}, {"commitment", s}});
  EXPECT_EQ(r.code(), "conflict") << json::serialize(r.body);
  r = Do(pa, "POST", "/v1/peer/keys/vault/keygen/commit",
         json::object{
             {"id", id}, {"version", 1}, {"session", std::string(32, 'c')}, {"commitment", s}});
  EXPECT_EQ(r.status, 409) << json::serialize(r.body);
  // Nothing of this decrypted or changed anything: the key is still at version 1.
  EXPECT_EQ(Do(*cb_, "GET", "/v1/keys/vault").body.at("latest_version").as_int64(), 1);
}

}  // namespace
}  // namespace keep::testing
