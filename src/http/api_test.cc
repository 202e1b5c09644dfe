// The API as a pure function: routing, pipeline stages and the error table, no sockets.
#include "http/api.h"
#include "seal/dev_file_seal.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include <type_traits>

#include <boost/json.hpp>
#include <filesystem>

#include "store/sqlite_store.h"

namespace keep::http {
namespace {

// Bodies are wiping memory by type (no flag to forget): requests hold tokens and
// plaintexts, answers plaintexts, data keys, shares and tokens.
static_assert(std::is_same_v<decltype(HttpRequest::body), SecretString>);
static_assert(std::is_same_v<decltype(HttpResponse::body), SecretString>);
static_assert(std::is_same_v<decltype(HttpRequest::authorization), std::optional<SecretString>>);

namespace fs = std::filesystem;
namespace json = boost::json;

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("keep-api-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto st = store::OpenSqliteStore((dir_ / "keep.db").string());
    ASSERT_TRUE(st.ok());
    svc_ = std::make_unique<service::Service>(
        std::move(st).value(), std::make_unique<seal::DevFileSeal>((dir_ / "root.key").string()));
    ApiOptions o;
    o.max_batch_items = 50;
    api_ = std::make_unique<Api>(*svc_, sink_, o);
  }
  void TearDown() override {
    api_.reset();
    svc_.reset();
    fs::remove_all(dir_);
  }
  HttpResponse Call(std::string method, std::string target, std::string body = "",
                    bool auth = true) {
    HttpRequest r{std::move(method), std::move(target), {}, std::move(body), "127.0.0.1"};
    if (auth) r.authorization = "Bearer " + token_;
    return api_->Handle(r);
  }
  std::string Code(const HttpResponse& r) {
    auto v = json::parse(r.body);
    return std::string(v.at("error").at("code").as_string());
  }
  void Init() {
    auto r = Call("POST", "/v1/sys/init", "{}", false);
    ASSERT_EQ(r.status, 200) << r.body;
    token_ = std::string(json::parse(r.body).at("root_token").as_string());
  }

  fs::path dir_;
  audit::LogSink sink_;
  std::unique_ptr<service::Service> svc_;
  std::unique_ptr<Api> api_;
  std::string token_;
};

TEST_F(ApiTest, HealthInitAndRequestIds) {
  auto h = Call("GET", "/v1/sys/health", "", false);
  EXPECT_EQ(h.status, 501);
  auto id_of = [](const HttpResponse& r) {
    for (auto& [k, v] : r.headers) {
      if (k == "X-Request-Id") return v;
    }
    return std::string();
  };
  // "<8 hex: this process>-<12 hex: a counter>", one more for each request.
  const std::string id = id_of(h), next = id_of(Call("GET", "/v1/sys/health", "", false));
  ASSERT_EQ(id.size(), 21u) << id;
  ASSERT_EQ(next.size(), 21u) << next;
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef-"), std::string::npos) << id;
  EXPECT_EQ(id[8], '-');
  EXPECT_EQ(id.substr(0, 9), next.substr(0, 9));
  EXPECT_EQ(std::stoull(next.substr(9), nullptr, 16), std::stoull(id.substr(9), nullptr, 16) + 1);
  EXPECT_EQ(Code(Call("POST", "/v1/keys", R"({"name":"k"})", false)), "sealed");
  EXPECT_EQ(Code(Call("POST", "/v1/sys/init", R"({"shares":5,"threshold":3})", false)),
            "bad_request")
      << "the dev-file seal makes no shares";
  Init();
  EXPECT_EQ(Call("GET", "/v1/sys/health", "", false).status, 200);
  auto again = Call("POST", "/v1/sys/init", "{}", false);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(Code(again), "already_initialized");
}

TEST_F(ApiTest, ErrorTable) {
  Init();
  ASSERT_EQ(Call("POST", "/v1/keys", R"({"name":"a"})").status, 201);
  ASSERT_EQ(Call("POST", "/v1/keys", R"({"name":"b","type":"chacha20-poly1305"})").status, 201);
  struct Case {
    std::string method, target, body;
    bool auth;
    int status;
    std::string code;
  };
  auto enc = json::parse(
      Call("POST", "/v1/keys/a/encrypt", R"({"plaintext":"aGk=","context":{"x":"1"}})").body);
  const std::string ct(enc.at("ciphertext").as_string());
  std::string flipped = ct;
  flipped[20] = flipped[20] == 'A' ? 'B' : 'A';
  const Case cases[] = {
      {"POST", "/v1/keys", "{", true, 400, "bad_request"},
      {"POST", "/v1/keys", R"({"name":"c","typo":1})", true, 400, "bad_request"},
      {"POST", "/v1/keys", R"({"name":5})", true, 400, "bad_request"},
      {"POST", "/v1/keys/a/encrypt", R"({"plaintext":"***"})", true, 400, "bad_request"},
      {"POST", "/v1/keys/a/decrypt", R"({"ciphertext":")" + flipped + R"(","context":{"x":"1"}})",
       true, 400, "invalid_ciphertext"},
      {"POST", "/v1/keys/a/decrypt", R"({"ciphertext":")" + ct + R"(","context":{"x":"2"}})", true,
       400, "context_mismatch"},
      {"POST", "/v1/keys/b/decrypt", R"({"ciphertext":")" + ct + R"(","context":{"x":"1"}})", true,
       400, "key_mismatch"},
      {"GET", "/v1/keys", "", false, 401, "unauthenticated"},
      {"GET", "/v1/keys/zzz", "", true, 404, "not_found"},
      {"GET", "/v2/nothing", "", true, 404, "not_found"},
      {"PUT", "/v1/keys/a", "", true, 405, "method_not_allowed"},
      {"POST", "/v1/keys", R"({"name":"a"})", true, 409, "already_exists"},
      {"POST", "/v1/keys/a/datakey", R"({"bits":100})", true, 400, "bad_request"},
      {"POST", "/v1/random", R"({"bytes":0})", true, 400, "bad_request"},
      {"POST", "/v1/random", R"({"bytes":1e3})", true, 400, "bad_request"},
      {"DELETE", "/v1/keys/a?pending_days=3", "", true, 400, "bad_request"},
      {"GET", "/v1/keys?limit=abc", "", true, 400, "bad_request"},
  };
  for (const auto& c : cases) {
    auto r = Call(c.method, c.target, c.body, c.auth);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.target << " " << r.body;
    EXPECT_EQ(Code(r), c.code) << c.method << " " << c.target;
  }
  std::string big = R"({"batch":[)";
  for (int i = 0; i < 51; ++i) big += std::string(i ? "," : "") + R"({"plaintext":""})";
  big += "]}";
  auto r = Call("POST", "/v1/keys/a/encrypt", big);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(Code(r), "payload_too_large");
  auto off = Call("PATCH", "/v1/keys/a", R"({"enabled":false})");
  ASSERT_EQ(off.status, 200);
  EXPECT_EQ(Code(Call("POST", "/v1/keys/a/encrypt", R"({"plaintext":""})")), "key_disabled");
  ASSERT_EQ(Call("DELETE", "/v1/keys/b").status, 200);
  EXPECT_EQ(Code(Call("POST", "/v1/keys/b/encrypt", R"({"plaintext":""})")),
            "key_pending_deletion");
  ASSERT_EQ(Call("POST", "/v1/sys/seal").status, 204);
  auto sealed = Call("GET", "/v1/keys");
  EXPECT_EQ(sealed.status, 503);
  EXPECT_EQ(Code(sealed), "sealed");
}

TEST_F(ApiTest, BatchMixesResultsAndErrorsInOrder) {
  Init();
  ASSERT_EQ(Call("POST", "/v1/keys", R"({"name":"k"})").status, 201);
  auto r = Call(
      "POST", "/v1/keys/k/encrypt",
      R"({"batch":[{"plaintext":"AQ=="},{"plaintext":"!"},{"plaintext":"Ag==","context":{"a":"b"}}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto items = json::parse(r.body).at("batch").as_array();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_TRUE(items[0].as_object().contains("ciphertext"));
  EXPECT_EQ(items[1].at("error").at("code").as_string(), "bad_request");
  std::string dec = R"({"batch":[{"ciphertext":")" +
                    std::string(items[0].at("ciphertext").as_string()) + R"("},{"ciphertext":")" +
                    std::string(items[2].at("ciphertext").as_string()) +
                    R"(","context":{"a":"b"}},{"ciphertext":"keep:AAAA"}]})";
  auto d = Call("POST", "/v1/decrypt", dec);
  ASSERT_EQ(d.status, 200) << d.body;
  auto out = json::parse(d.body).at("batch").as_array();
  EXPECT_EQ(out[0].at("plaintext").as_string(), "AQ==");
  EXPECT_EQ(out[1].at("plaintext").as_string(), "Ag==");
  EXPECT_EQ(out[2].at("error").at("code").as_string(), "invalid_ciphertext");
}

TEST_F(ApiTest, KeyListingPaginates) {
  Init();
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(Call("POST", "/v1/keys", R"({"name":"p)" + std::to_string(i) + R"("})").status, 201);
  }
  auto r = json::parse(Call("GET", "/v1/keys?prefix=p&limit=2").body);
  EXPECT_EQ(r.at("keys").as_array().size(), 2u);
  EXPECT_EQ(r.at("next").as_string(), "p1");
  auto r2 = json::parse(Call("GET", "/v1/keys?prefix=p&limit=10&after=p1").body);
  EXPECT_EQ(r2.at("keys").as_array().size(), 3u);
  EXPECT_TRUE(r2.at("next").is_null());
}

}  // namespace
}  // namespace keep::http
