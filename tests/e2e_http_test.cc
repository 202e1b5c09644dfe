// End to end over HTTPS against a real keepd: every endpoint and the error table.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/encoding.h"
#include "harness.h"

namespace keep::testing {
namespace {

namespace json = boost::json;

struct Reply {
  int status;
  json::value body;
  std::string code() const {
    if (!body.is_object() || !body.as_object().contains("error")) return "";
    return std::string(body.at("error").at("code").as_string());
  }
};

class HttpE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new Keepd();
    server_->Start();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(server_->Running()) << server_->log();
    client_ = server_->NewClient();
  }
  Reply Do(const std::string& method, const std::string& target, const json::value& body = nullptr,
           Client* c = nullptr) {
    auto r =
        (c ? c : client_.get())->Send(method, target, body.is_null() ? "" : json::serialize(body));
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return {0, nullptr};
    EXPECT_FALSE(r->request_id.empty()) << "every response carries X-Request-Id";
    boost::system::error_code ec;
    json::value v = r->body.empty() ? json::value() : json::parse(r->body, ec);
    EXPECT_FALSE(ec) << r->body;
    return {r->status, v};
  }
  std::string Encrypt(const std::string& key, const std::string& plain, json::object ctx = {}) {
    auto r = Do("POST", "/v1/keys/" + key + "/encrypt",
                json::object{{"plaintext", Base64Encode(AsBytes(plain))}, {"context", ctx}});
    EXPECT_EQ(r.status, 200) << json::serialize(r.body);
    return r.status == 200 ? std::string(r.body.at("ciphertext").as_string()) : "";
  }
  Reply Decrypt(const std::string& key, const std::string& ct, json::object ctx = {}) {
    return Do("POST", key.empty() ? "/v1/decrypt" : "/v1/keys/" + key + "/decrypt",
              json::object{{"ciphertext", ct}, {"context", ctx}});
  }
  std::string Plain(const Reply& r) {
    if (r.status != 200) return "<error " + r.code() + ">";
    auto b = Base64Decode(std::string_view(r.body.at("plaintext").as_string()));
    return b.ok() ? std::string(AsChars(*b)) : "<bad base64>";
  }

  static Keepd* server_;
  std::unique_ptr<Client> client_;
};

Keepd* HttpE2E::server_ = nullptr;

TEST_F(HttpE2E, HealthAndInitOnce) {
  auto h = Do("GET", "/v1/sys/health");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body.at("initialized").as_bool(), true);
  EXPECT_EQ(h.body.at("sealed").as_bool(), false);
  auto again = Do("POST", "/v1/sys/init", json::object{});
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.code(), "already_initialized");
}

TEST_F(HttpE2E, RoundTripsForBothKeyTypes) {
  for (const char* type : {"aes256-gcm", "chacha20-poly1305"}) {
    const std::string name = std::string("rt-") + type;
    auto c =
        Do("POST", "/v1/keys", json::object{{"name", name}, {"type", type}, {"description", "d"}});
    ASSERT_EQ(c.status, 201) << json::serialize(c.body);
    EXPECT_EQ(c.body.at("type").as_string(), type);
    for (std::string msg : {std::string(""), std::string("x"), std::string(100000, 'z')}) {
      const std::string ct = Encrypt(name, msg, {{"tenant", "7"}});
      EXPECT_EQ(ct.rfind("keep:", 0), 0u);
      EXPECT_EQ(
          ct.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:"),
          std::string::npos)
          << "URL-safe printable only";
      EXPECT_EQ(Plain(Decrypt(name, ct, {{"tenant", "7"}})), msg);
      EXPECT_EQ(Plain(Decrypt("", ct, {{"tenant", "7"}})), msg);
    }
  }
}

TEST_F(HttpE2E, RotationRetirementAndRewrap) {
  ASSERT_EQ(Do("POST", "/v1/keys", json::object{{"name", "rot"}}).status, 201);
  const std::string v1 = Encrypt("rot", "one");
  auto r = Do("POST", "/v1/keys/rot/rotate");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body.at("latest_version").as_int64(), 2);
  const std::string v2 = Encrypt("rot", "two");
  auto d1 = Decrypt("rot", v1);
  EXPECT_EQ(Plain(d1), "one");
  EXPECT_EQ(d1.body.at("version").as_int64(), 1);
  auto rw = Do("POST", "/v1/keys/rot/rewrap", json::object{{"ciphertext", v1}});
  ASSERT_EQ(rw.status, 200);
  EXPECT_EQ(rw.body.at("version").as_int64(), 2);
  EXPECT_FALSE(rw.body.as_object().contains("plaintext"));
  const std::string rewrapped(rw.body.at("ciphertext").as_string());
  auto p = Do("PATCH", "/v1/keys/rot", json::object{{"min_decryption_version", 2}});
  ASSERT_EQ(p.status, 200);
  auto retired = Decrypt("rot", v1);
  EXPECT_EQ(retired.status, 409);
  EXPECT_EQ(retired.code(), "version_retired");
  EXPECT_EQ(Plain(Decrypt("rot", rewrapped)), "one");
  EXPECT_EQ(Plain(Decrypt("rot", v2)), "two");
  auto enc_old =
      Do("POST", "/v1/keys/rot/encrypt", json::object{{"plaintext", ""}, {"key_version", 1}});
  EXPECT_EQ(enc_old.code(), "version_retired");
}

TEST_F(HttpE2E, DataKeyUnwrapsToThePlaintextKey) {
  ASSERT_EQ(Do("POST", "/v1/keys", json::object{{"name", "dk"}}).status, 201);
  for (int bits : {128, 256, 512}) {
    auto r =
        Do("POST", "/v1/keys/dk/datakey", json::object{{"bits", bits}, {"context", {{"f", "g"}}}});
    ASSERT_EQ(r.status, 200);
    const std::string plain_b64(r.body.at("plaintext").as_string());
    EXPECT_EQ(Base64Decode(plain_b64)->size(), static_cast<size_t>(bits / 8));
    auto d = Decrypt("dk", std::string(r.body.at("ciphertext").as_string()), {{"f", "g"}});
    ASSERT_EQ(d.status, 200);
    EXPECT_EQ(d.body.at("plaintext").as_string(), plain_b64);
  }
  auto wrapped = Do("POST", "/v1/keys/dk/datakey", json::object{{"plaintext", false}});
  ASSERT_EQ(wrapped.status, 200);
  EXPECT_FALSE(wrapped.body.as_object().contains("plaintext"));
  auto rnd = Do("POST", "/v1/random", json::object{{"bytes", 1024}});
  ASSERT_EQ(rnd.status, 200);
  EXPECT_EQ(Base64Decode(std::string_view(rnd.body.at("random").as_string()))->size(), 1024u);
}

TEST_F(HttpE2E, DisableDeleteCancelAndList) {
  ASSERT_EQ(Do("POST", "/v1/keys", json::object{{"name", "life"}}).status, 201);
  const std::string ct = Encrypt("life", "data");
  ASSERT_EQ(Do("PATCH", "/v1/keys/life", json::object{{"enabled", false}}).status, 200);
  EXPECT_EQ(Decrypt("life", ct).code(), "key_disabled");
  auto del = Do("DELETE", "/v1/keys/life?pending_days=10");
  ASSERT_EQ(del.status, 200);
  EXPECT_EQ(del.body.at("state").as_string(), "pending_deletion");
  EXPECT_FALSE(del.body.at("deletion_date").is_null());
  EXPECT_EQ(Decrypt("life", ct).code(), "key_pending_deletion");
  auto cancel = Do("POST", "/v1/keys/life/cancel-deletion");
  ASSERT_EQ(cancel.status, 200);
  EXPECT_EQ(cancel.body.at("state").as_string(), "disabled");
  ASSERT_EQ(Do("PATCH", "/v1/keys/life", json::object{{"enabled", true}}).status, 200);
  EXPECT_EQ(Plain(Decrypt("life", ct)), "data");
  auto list = Do("GET", "/v1/keys?prefix=lif");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.at("keys").as_array().size(), 1u);
  auto show = Do("GET", "/v1/keys/life");
  EXPECT_EQ(show.body.at("name").as_string(), "life");
}

TEST_F(HttpE2E, BatchOf10000Items) {
  ASSERT_EQ(Do("POST", "/v1/keys", json::object{{"name", "batch"}}).status, 201);
  json::array items;
  for (int i = 0; i < 10000; ++i) {
    items.push_back(
        json::object{{"plaintext", Base64Encode(AsBytes("item " + std::to_string(i)))}});
  }
  auto enc = Do("POST", "/v1/keys/batch/encrypt", json::object{{"batch", items}});
  ASSERT_EQ(enc.status, 200);
  const auto& out = enc.body.at("batch").as_array();
  ASSERT_EQ(out.size(), 10000u);
  json::array dec_items;
  for (const auto& o : out) dec_items.push_back(json::object{{"ciphertext", o.at("ciphertext")}});
  dec_items[5] = json::object{{"ciphertext", "keep:broken"}};
  auto dec = Do("POST", "/v1/decrypt", json::object{{"batch", dec_items}});
  ASSERT_EQ(dec.status, 200);
  const auto& plain = dec.body.at("batch").as_array();
  ASSERT_EQ(plain.size(), 10000u);
  EXPECT_EQ(plain[5].at("error").at("code").as_string(), "invalid_ciphertext");
  for (int i : {0, 4, 6, 9999}) {
    const std::string expected = "item " + std::to_string(i);
    auto got = Base64Decode(std::string_view(plain[i].at("plaintext").as_string()));
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(AsChars(*got), expected);
  }
  auto rw = Do(
      "POST", "/v1/keys/batch/rewrap",
      json::object{{"batch", json::array{json::object{{"ciphertext", out[0].at("ciphertext")}}}}});
  EXPECT_EQ(rw.body.at("batch").as_array()[0].at("version").as_int64(), 1);
  auto dk = Do("POST", "/v1/keys/batch/datakey",
               json::object{{"batch", json::array{json::object{}, json::object{{"bits", 7}}}}});
  EXPECT_TRUE(dk.body.at("batch").as_array()[0].as_object().contains("plaintext"));
  EXPECT_EQ(dk.body.at("batch").as_array()[1].at("error").at("code").as_string(), "bad_request");
}

TEST_F(HttpE2E, ErrorTableOverTheWire) {
  ASSERT_EQ(Do("POST", "/v1/keys", json::object{{"name", "e1"}}).status, 201);
  ASSERT_EQ(Do("POST", "/v1/keys", json::object{{"name", "e2"}}).status, 201);
  const std::string ct = Encrypt("e1", "secret", {{"a", "b"}});
  std::string tampered = ct;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  auto anon = server_->NewClient("");
  auto bad_token = server_->NewClient("keep_notarealtoken");
  struct Case {
    std::string method, target;
    json::value body;
    Client* c;
    int status;
    std::string code;
  };
  std::vector<Case> cases = {
      {"POST", "/v1/keys", json::object{{"name", "x"}, {"bogus", 1}}, nullptr, 400, "bad_request"},
      {"POST", "/v1/keys/e1/decrypt",
       json::object{{"ciphertext", tampered}, {"context", {{"a", "b"}}}}, nullptr, 400,
       "invalid_ciphertext"},
      {"POST", "/v1/keys/e1/decrypt", json::object{{"ciphertext", ct}, {"context", {{"a", "c"}}}},
       nullptr, 400, "context_mismatch"},
      {"POST", "/v1/keys/e2/decrypt", json::object{{"ciphertext", ct}, {"context", {{"a", "b"}}}},
       nullptr, 400, "key_mismatch"},
      {"GET", "/v1/keys", nullptr, anon.get(), 401, "unauthenticated"},
      {"GET", "/v1/keys", nullptr, bad_token.get(), 401, "unauthenticated"},
      {"GET", "/v1/keys/nope", nullptr, nullptr, 404, "not_found"},
      {"GET", "/v1/nowhere", nullptr, nullptr, 404, "not_found"},
      {"DELETE", "/v1/keys", nullptr, nullptr, 405, "method_not_allowed"},
      {"POST", "/v1/keys", json::object{{"name", "e1"}}, nullptr, 409, "already_exists"},
      {"POST", "/v1/sys/init", json::object{}, nullptr, 409, "already_initialized"},
  };
  for (auto& c : cases) {
    auto r = Do(c.method, c.target, c.body, c.c);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.target << " " << json::serialize(r.body);
    EXPECT_EQ(r.code(), c.code) << c.method << " " << c.target;
    EXPECT_FALSE(r.body.at("error").at("message").as_string().empty());
    EXPECT_FALSE(r.body.at("error").at("request_id").as_string().empty());
  }
  std::string big = "{\"name\":\"" + std::string(2 << 20, 'a') + "\"}";
  auto too_large = client_->Send("POST", "/v1/keys", big);
  ASSERT_TRUE(too_large.ok());
  EXPECT_EQ(too_large->status, 413);
  EXPECT_NE(too_large->body.find("payload_too_large"), std::string::npos);
}

TEST_F(HttpE2E, SealUnsealRestartPersistence) {
  ASSERT_EQ(Do("POST", "/v1/keys", json::object{{"name", "persist"}}).status, 201);
  ASSERT_EQ(Do("POST", "/v1/keys/persist/rotate").status, 200);
  const std::string ct = Encrypt("persist", "survives");
  EXPECT_EQ(Do("POST", "/v1/sys/rotate").body.at("term").as_int64(), 2);
  ASSERT_EQ(Do("POST", "/v1/sys/seal").status, 204);
  auto sealed = Do("POST", "/v1/keys/persist/encrypt", json::object{{"plaintext", ""}});
  EXPECT_EQ(sealed.status, 503);
  EXPECT_EQ(sealed.code(), "sealed");
  EXPECT_EQ(Do("GET", "/v1/sys/health").status, 503);
  ASSERT_EQ(Do("POST", "/v1/sys/unseal", json::object{}).status, 200);
  EXPECT_EQ(Plain(Decrypt("persist", ct)), "survives");
  EXPECT_EQ(server_->Stop(SIGTERM), 0) << "SIGTERM is a clean shutdown";
  server_->Start();
  client_ = server_->NewClient();
  EXPECT_EQ(Plain(Decrypt("", ct)), "survives");
  EXPECT_EQ(Do("GET", "/v1/keys/persist").body.at("latest_version").as_int64(), 2);
  auto list = Do("GET", "/v1/keys?limit=1000");
  EXPECT_GE(list.body.at("keys").as_array().size(), 1u);
}

TEST_F(HttpE2E, ClientVerifiesTheServerCertificate) {
  ClientOptions untrusted;  // the system trust store does not know the dev CA
  untrusted.address = server_->addr();
  untrusted.token = server_->token();
  auto c = Client::Create(untrusted);
  ASSERT_TRUE(c.ok());
  auto r = (*c)->Send("GET", "/v1/sys/health", "");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("TLS handshake"), std::string::npos) << r.status();

  ClientOptions by_name;  // the certificate's SANs cover localhost as well as 127.0.0.1
  by_name.address = "https://localhost:" + std::to_string(server_->port());
  by_name.ca_cert_file = server_->ca();
  auto named = Client::Create(by_name);
  ASSERT_TRUE(named.ok());
  auto ok = (*named)->Send("GET", "/v1/sys/health", "");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->status, 200);

  ClientOptions wrong_host = by_name;  // a name the certificate does not carry
  wrong_host.address = "https://127.0.0.2:" + std::to_string(server_->port());
  auto wrong = Client::Create(wrong_host);
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE((*wrong)->Send("GET", "/v1/sys/health", "").ok());

  for (std::string bad : {"http://127.0.0.1:1", "https://", "https://host:99999", "https://[::1"}) {
    ClientOptions o;
    o.address = bad;
    EXPECT_FALSE(Client::Create(o).ok()) << bad;
  }
}

TEST_F(HttpE2E, ResponsesCarryTheDocumentedHeaders) {
  // docs/api.md: every response has X-Request-Id and Cache-Control: no-store; errors too.
  for (const std::string& req :
       {std::string("GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        std::string("GET /v1/keys HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")}) {
    const std::string reply = RawTls(server_->port(), server_->ca(), req, 3000);
    const std::string head = reply.substr(0, reply.find("\r\n\r\n"));
    EXPECT_NE(head.find("\r\nCache-Control: no-store"), std::string::npos) << head;
    EXPECT_NE(head.find("\r\nX-Request-Id: "), std::string::npos) << head;
    EXPECT_NE(head.find("\r\nContent-Type: application/json"), std::string::npos) << head;
  }
}

TEST_F(HttpE2E, MetricsAreExposed) {
  auto r = client_->Send("GET", "/metrics", "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("keep_http_responses_total{class=\"2xx\"}"), std::string::npos);
  EXPECT_NE(r->body.find("keep_sealed 0"), std::string::npos);
}

}  // namespace
}  // namespace keep::testing
