// The seed's roles against every endpoint: a table of role × endpoint → allowed or denied,
// checked through the real pipeline (routing, authentication, policies, audit) on a real
// SQLite store and a real audit trail file. /v1/decrypt resolves the key from the
// ciphertext before checking policy. Afterwards the trail holds one record per request
// and verifies.
// Over 400 lines on purpose: the matrix is one table over one prepared world (roles, keys,
// tokens, a real trail), and the token, expiry, rate-limit and fail-closed tests reuse it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <atomic>
#include <boost/json.hpp>
#include <condition_variable>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>

#include "audit/chain.h"
#include "audit/trail.h"
#include "crypto/sign.h"
#include "http/api.h"
#include "http/routes.h"
#include "seal/dev_file_seal.h"
#include "store/sqlite_store.h"

namespace keep {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// The worked example of docs/operations.md ("Roles: the seed's example").
constexpr const char* kSubmitter =
    R"({"rules":[{"keys":"app-*","capabilities":["encrypt","public-key"]}]})";
constexpr const char* kStaff =
    R"({"rules":[{"keys":"app-*","capabilities":["encrypt","rewrap","read","verify"]}]})";
constexpr const char* kPrivileged =
    R"({"rules":[{"keys":"app-*","capabilities":["decrypt","read","sign","hmac"]}]})";
constexpr const char* kAdmin =
    R"({"rules":[{"keys":"*","capabilities":["create","read","rotate","manage","encrypt","datakey"]}],
        "system":["sys","tokens","policies","audit"]})";

enum Role { kAnonymous, kStaffRole, kPrivilegedRole, kAdminRole, kNobody, kRoot, kRoles };
constexpr const char* kRoleNames[] = {"anonymous", "staff",  "privileged",
                                      "admin",     "nobody", "root"};

class AccessMatrix : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("keep-matrix-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto st = store::OpenSqliteStore((dir_ / "keep.db").string());
    ASSERT_TRUE(st.ok());
    now_ = std::time(nullptr);
    svc_ = std::make_unique<service::Service>(
        std::move(st).value(), std::make_unique<seal::DevFileSeal>((dir_ / "root.key").string()),
        [this] { return now_.load(); });
    audit::TrailOptions to;
    to.path = trail_path_.empty() ? (dir_ / "audit.log").string() : trail_path_;
    to.checkpoint_records = 50;
    to.write_timeout_ms = write_timeout_ms_;
    auto trail = audit::FileTrail::Open(to, [this] { return svc_->AuditSecret(); });
    ASSERT_TRUE(trail.ok()) << trail.status();
    trail_ = std::move(*trail);
    http::ApiOptions o = options_;
    o.guard.anonymous = true;
    o.guard.anonymous_policies = {"submitter"};
    api_ = std::make_unique<http::Api>(*svc_, *trail_, o);
  }
  void TearDown() override {
    api_.reset();
    if (trail_) trail_->Close();
    svc_.reset();
    fs::remove_all(dir_);
  }
  http::HttpResponse Call(Role role, std::string method, std::string target,
                          std::string body = "") {
    http::HttpRequest r{std::move(method), std::move(target), {}, std::move(body), "127.0.0.1"};
    if (role != kAnonymous) r.authorization = "Bearer " + tokens_[role];
    ++requests_;
    return api_->Handle(r);
  }
  json::value Ok(Role role, std::string method, std::string target, std::string body = "") {
    auto r = Call(role, std::move(method), target, std::move(body));
    EXPECT_LT(r.status, 300) << target << ": " << r.body;
    return r.body.empty() ? json::value() : json::parse(r.body);
  }
  std::string Ciphertext(const std::string& key) {
    return std::string(
        Ok(kRoot, "POST", "/v1/keys/" + key + "/encrypt", R"({"plaintext":"c2VjcmV0"})")
            .at("ciphertext")
            .as_string());
  }
  void Prepare() {
    http::HttpRequest init{"POST", "/v1/sys/init", {}, "{}", "127.0.0.1"};
    auto r = api_->Handle(init);
    ++requests_;
    ASSERT_EQ(r.status, 200) << r.body;
    tokens_[kRoot] = std::string(json::parse(r.body).at("root_token").as_string());
    for (auto [name, text] : {std::pair{"submitter", kSubmitter},
                              {"staff", kStaff},
                              {"privileged", kPrivileged},
                              {"admin", kAdmin},
                              {"empty", "{}"}}) {
      Ok(kRoot, "PUT", std::string("/v1/sys/policies/") + name, text);
    }
    auto token = [&](const char* policy) {
      return std::string(
          Ok(kRoot, "POST", "/v1/auth/tokens", std::string(R"({"policies":[")") + policy + R"("]})")
              .at("token")
              .as_string());
    };
    tokens_[kStaffRole] = token("staff");
    tokens_[kPrivilegedRole] = token("privileged");
    tokens_[kAdminRole] = token("admin");
    tokens_[kNobody] = token("empty");
    for (const char* k : {"app-1", "other"})
      Ok(kRoot, "POST", "/v1/keys", std::string(R"({"name":")") + k + "\"}");
    Ok(kRoot, "POST", "/v1/keys", R"({"name":"app-pk","type":"x25519"})");
    Ok(kRoot, "POST", "/v1/keys", R"({"name":"app-sign","type":"ed25519"})");
    Ok(kRoot, "POST", "/v1/keys", R"({"name":"other-sign","type":"ecdsa-p256"})");
    Ok(kRoot, "POST", "/v1/keys", R"({"name":"app-mac","type":"hmac-sha256"})");
    for (int role = 0; role < kRoles; ++role) {
      Ok(kRoot, "POST", "/v1/keys", std::string(R"({"name":"app-del-)") + kRoleNames[role] + "\"}");
    }
    ct_app_ = Ciphertext("app-1");
    ct_other_ = Ciphertext("other");
    // A token per role for that role to look up and revoke by accessor.
    for (int role = 0; role < kRoles; ++role) {
      victims_[role] = std::string(Ok(kRoot, "POST", "/v1/auth/tokens", R"({"policies":["empty"]})")
                                       .at("accessor")
                                       .as_string());
    }
  }

  fs::path dir_;
  std::atomic<int64_t> now_{0};
  std::string trail_path_;  // set before SetUp by fixtures that need another trail
  // The default's order: a loaded CI machine's fdatasync stalls for hundreds of ms at times
  // (a 300 ms budget once failed a request of the matrix under the full sanitizer suite).
  int write_timeout_ms_ = 5000;
  http::ApiOptions options_;  // likewise
  std::unique_ptr<service::Service> svc_;
  std::unique_ptr<audit::FileTrail> trail_;
  std::unique_ptr<http::Api> api_;
  std::string tokens_[kRoles];
  std::string ct_app_, ct_other_;
  std::string victims_[kRoles];
  int requests_ = 0;
};

struct Cell {
  const char* name;
  const char* method;
  std::string target;
  std::string body;
  int allowed_status;  // what an allowed role gets
  const char* expect;  // per role (anonymous, staff, privileged, admin, nobody, root): A or D
};

TEST_F(AccessMatrix, EveryRoleAgainstEveryEndpoint) {
  Prepare();
  const std::string dec_app = R"({"ciphertext":")" + ct_app_ + "\"}";
  const std::string dec_other = R"({"ciphertext":")" + ct_other_ + "\"}";
  const std::string enc = R"({"plaintext":"aGVsbG8="})";
  auto batch = [](const std::string& item) { return "{\"batch\":[" + item + "," + item + "]}"; };
  std::vector<Cell> cells = {
      // name, method, target, body, allowed status, anon/staff/priv/admin/nobody/root
      {"encrypt app", "POST", "/v1/keys/app-1/encrypt", enc, 200, "AADADA"},
      {"encrypt other", "POST", "/v1/keys/other/encrypt", enc, 200, "DDDADA"},
      {"encrypt batch", "POST", "/v1/keys/app-1/encrypt", batch(enc), 200, "AADADA"},
      {"decrypt app", "POST", "/v1/keys/app-1/decrypt", dec_app, 200, "DDADDA"},
      {"decrypt other", "POST", "/v1/keys/other/decrypt", dec_other, 200, "DDDDDA"},
      {"decrypt batch", "POST", "/v1/keys/app-1/decrypt", batch(dec_app), 200, "DDADDA"},
      {"decrypt by ciphertext (app)", "POST", "/v1/decrypt", dec_app, 200, "DDADDA"},
      {"decrypt by ciphertext (other)", "POST", "/v1/decrypt", dec_other, 200, "DDDDDA"},
      {"rewrap app", "POST", "/v1/keys/app-1/rewrap", dec_app, 200, "DADDDA"},
      {"rewrap other", "POST", "/v1/keys/other/rewrap", dec_other, 200, "DDDDDA"},
      {"datakey wrapped", "POST", "/v1/keys/app-1/datakey", R"({"plaintext":false})", 200,
       "DDDADA"},
      {"datakey plaintext", "POST", "/v1/keys/app-1/datakey", R"({"plaintext":true})", 200,
       "DDDDDA"},
      {"datakey batch", "POST", "/v1/keys/app-1/datakey", batch(R"({"plaintext":false})"), 200,
       "DDDADA"},
      {"read key app", "GET", "/v1/keys/app-1", "", 200, "DAAADA"},
      {"read key other", "GET", "/v1/keys/other", "", 200, "DDDADA"},
      {"list keys", "GET", "/v1/keys", "", 200, "DAAADA"},
      {"list kmip objects", "GET", "/v1/kmip/objects", "", 200, "DAAADA"},
      {"read kmip object", "GET", "/v1/kmip/objects/00000000-0000-4000-8000-000000000000", "", 404,
       "DAAADA"},
      {"create key", "POST", "/v1/keys", "", 201, "DDDADA"},
      {"update key", "PATCH", "/v1/keys/app-1", R"({"description":"d"})", 200, "DDDADA"},
      {"rotate key", "POST", "/v1/keys/app-1/rotate", "", 200, "DDDADA"},
      {"delete key", "DELETE", "/v1/keys/app-del-", "", 200, "DDDADA"},
      {"cancel deletion", "POST", "/v1/keys/app-1/cancel-deletion", "", 409, "DDDADA"},
      {"random", "POST", "/v1/random", R"({"bytes":16})", 200, "DDDDDA"},
      {"public key app", "GET", "/v1/keys/app-pk/public-key", "", 200, "ADDDDA"},
      {"public key version", "GET", "/v1/keys/app-pk/public-key?version=1", "", 200, "ADDDDA"},
      {"sign app", "POST", "/v1/keys/app-sign/sign", R"({"message":"aGVsbG8="})", 200, "DDADDA"},
      {"sign other", "POST", "/v1/keys/other-sign/sign", R"({"message":"aGVsbG8="})", 200,
       "DDDDDA"},
      {"verify app", "POST", "/v1/keys/app-sign/verify",
       R"({"message":"aGVsbG8=","signature":"keep:v1:AAAA"})", 200, "DADDDA"},
      {"import params", "GET", "/v1/keys/app-1/import-params", "", 200, "DDDDDA"},
      {"import", "POST", "/v1/keys/app-1/import",
       R"({"import_token":"00000000000000000000000000000000","wrapped_material":"AAAA"})", 400,
       "DDDDDA"},
      {"hmac app", "POST", "/v1/keys/app-mac/hmac", R"({"message":"aGVsbG8="})", 200, "DDADDA"},
      {"hmac verify app", "POST", "/v1/keys/app-mac/hmac/verify",
       R"({"message":"aGVsbG8=","mac":"keep:v1:AAAA"})", 200, "DADDDA"},
      {"keyring rotate", "POST", "/v1/sys/rotate", "{}", 200, "DDDADA"},
      {"backup", "POST", "/v1/sys/backup", "", 200, "DDDADA"},
      {"rekey status", "GET", "/v1/sys/rekey", "", 200, "DDDADA"},
      {"nodes", "GET", "/v1/sys/nodes", "", 200, "DDDADA"},
      // The peer door: only the `peer` capability passes the Gate (root here: then the body
      // is checked, and the service refuses identities that are no configured peer).
      {"peer keygen commit", "POST", "/v1/peer/keys/app-1/keygen/commit", "{}", 400, "DDDDDA"},
      {"peer keygen finish", "POST", "/v1/peer/keys/app-1/keygen/finish", "{}", 400, "DDDDDA"},
      {"peer partial", "POST", "/v1/peer/keys/app-1/partial", "{}", 400, "DDDDDA"},
      {"rekey init", "POST", "/v1/sys/rekey/init", R"({"shares":3,"threshold":2})", 400, "DDDADA"},
      {"lockdown list", "GET", "/v1/sys/lockdown", "", 200, "DDDADA"},
      {"lockdown reinstate", "POST", "/v1/sys/lockdown/reinstate", R"({"identity":"nobody"})", 404,
       "DDDADA"},
      {"token create", "POST", "/v1/auth/tokens", "{}", 201, "DDDADA"},
      {"token list", "GET", "/v1/auth/tokens", "", 200, "DDDADA"},
      {"token lookup self", "GET", "/v1/auth/tokens/self", "", 200, "DAAAAA"},
      {"aws key create", "POST", "/v1/auth/aws-keys", "{}", 201, "DDDADA"},
      {"aws key list", "GET", "/v1/auth/aws-keys", "", 200, "DDDADA"},
      {"keas import", "POST", "/v1/keas/import", R"({"entries":[]})", 200, "DDDADA"},
      {"aws key revoke", "DELETE", "/v1/auth/aws-keys/KEEPNONEXISTENT00000", "", 404, "DDDADA"},
      {"policy list", "GET", "/v1/sys/policies", "", 200, "DDDADA"},
      {"policy read", "GET", "/v1/sys/policies/staff", "", 200, "DDDADA"},
      {"policy write", "PUT", "/v1/sys/policies/tmp-", "{}", 204, "DDDADA"},
      {"policy delete", "DELETE", "/v1/sys/policies/nonexistent", "", 404, "DDDADA"},
      {"audit hash", "POST", "/v1/sys/audit/hash", R"({"input":"token:x"})", 200, "DDDADA"},
      {"audit public key", "GET", "/v1/sys/audit/public-key", "", 200, "DDDADA"},
      {"audit records", "GET", "/v1/sys/audit/records?limit=5&verify=true", "", 200, "DDDADA"},
      {"rekey cancel", "DELETE", "/v1/sys/rekey", "", 404, "DDDADA"},
      {"token lookup other", "GET", "/v1/auth/tokens/{victim}", "", 200, "DDDADA"},
      {"token revoke other", "DELETE", "/v1/auth/tokens/{victim}", "", 200, "DDDADA"},
      {"seal", "POST", "/v1/sys/seal", "{}", 204, "DDDADA"},  // unsealed again after each
      {"token revoke self", "DELETE", "/v1/auth/tokens/self", "", 200, "DAAAAA"},  // last
  };
  // Listing shows only what the role may read.
  auto names = Ok(kStaffRole, "GET", "/v1/keys?limit=1000").at("keys").as_array();
  for (const auto& n : names) EXPECT_EQ(std::string(n.as_string()).rfind("app-", 0), 0u) << n;
  EXPECT_FALSE(names.empty());
  int checked = 0;
  std::set<const http::Route*> covered;
  for (const auto& c : cells) {
    ASSERT_EQ(std::string(c.expect).size(), static_cast<size_t>(kRoles)) << c.name;
    for (int role = 0; role < kRoles; ++role) {
      std::string target = c.target, body = c.body;
      if (target.back() == '-') target += kRoleNames[role];  // per-role objects
      if (const size_t v = target.find("{victim}"); v != std::string::npos) {
        target.replace(v, 8, victims_[role]);
      }
      covered.insert(http::FindRoute(c.method, target.substr(0, target.find('?'))).route);
      if (std::string(c.name) == "create key") {
        body = std::string(R"({"name":"app-new-)") + kRoleNames[role] + "\"}";
      }
      auto r = Call(static_cast<Role>(role), c.method, target, body);
      const bool allowed = c.expect[role] == 'A';
      SCOPED_TRACE(std::string(c.name) + " as " + kRoleNames[role] + ": " +
                   std::string(r.body.view()));
      if (allowed) {
        EXPECT_EQ(r.status, c.allowed_status);
        if (std::string(c.name) == "seal") {  // open again for the next roles
          http::HttpRequest unseal{"POST", "/v1/sys/unseal", {}, "{}", "127.0.0.1"};
          EXPECT_EQ(api_->Handle(unseal).status, 200);
          ++requests_;
        }
      } else if (role == kAnonymous && (std::string(c.name) == "token lookup self" ||
                                        std::string(c.name) == "token revoke self")) {
        EXPECT_EQ(r.status, 400);  // no token to look up
      } else {
        EXPECT_EQ(r.status, 403);
        EXPECT_NE(r.body.find("permission_denied"), std::string::npos);
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 200);
  // Every endpoint that takes credentials is in this matrix: the route table is the list,
  // so a new endpoint cannot be left out. Those that take none are named here on purpose.
  const std::set<std::string> no_credentials = {
      "GET /metrics",      "GET /v1/sys/health",  "HEAD /v1/sys/health",
      "POST /v1/sys/init", "POST /v1/sys/unseal", "POST /v1/sys/rekey/update",
      "GET /ui",           "GET /ui/{file}"};
  for (const http::Route& route : http::Routes()) {
    const std::string name = std::string(route.method) + " " + std::string(route.pattern);
    if (!access::Spec(route.op).credentials) {
      EXPECT_TRUE(no_credentials.count(name)) << name << " takes no credentials: say so here";
      continue;
    }
    EXPECT_TRUE(covered.count(&route)) << "the access matrix has no cell for " << name;
  }

  // One audit record per request (health is exempt; none was made), and the trail verifies.
  trail_->Close();
  std::ifstream in(dir_ / "audit.log");
  int request_records = 0, denied = 0;
  for (std::string line; std::getline(in, line);) {
    auto v = json::parse(line).as_object();
    if (v.at("type").as_string() != "request") continue;
    ++request_records;
    if (v.at("outcome").as_string() == "permission_denied") ++denied;
    EXPECT_EQ(line.find("aGVsbG8="), std::string::npos) << "no plaintext in the trail";
  }
  EXPECT_EQ(request_records, requests_);
  int expected_denied = 0;
  for (const auto& c : cells) {
    for (int role = 0; role < kRoles; ++role) {
      expected_denied += c.expect[role] == 'D' &&
                         !(role == kAnonymous && (std::string(c.name) == "token lookup self" ||
                                                  std::string(c.name) == "token revoke self"));
    }
  }
  EXPECT_EQ(denied, expected_denied);
  auto pem = trail_->PublicKeyPem();
  ASSERT_TRUE(pem.ok());
  auto key = crypto::ParseEd25519PublicKeyPem(*pem);
  ASSERT_TRUE(key.ok());
  auto report = audit::VerifyTrail({(dir_ / "audit.log").string()}, {*key, false});
  EXPECT_TRUE(report.ok) << report.error << " line " << report.line;
}

TEST_F(AccessMatrix, TokensTheirTreeTtlAndRevocation) {
  Prepare();
  // The admin (tokens capability) makes a child; it cannot grant what it does not hold.
  auto child = Call(kAdminRole, "POST", "/v1/auth/tokens", R"({"policies":["staff"]})");
  EXPECT_EQ(child.status, 403) << child.body;
  auto c = Ok(kAdminRole, "POST", "/v1/auth/tokens", R"({"ttl":"1h","display_name":"ci"})");
  const std::string child_token(c.at("token").as_string());
  const std::string child_acc(c.at("accessor").as_string());
  EXPECT_FALSE(c.at("expires_at").is_null());
  auto root_only = Call(kAdminRole, "POST", "/v1/auth/tokens", R"({"policies":["root"]})");
  EXPECT_EQ(root_only.status, 403);
  EXPECT_EQ(Call(kRoot, "POST", "/v1/auth/tokens", R"({"policies":["nosuch"]})").status, 404);
  EXPECT_EQ(Call(kRoot, "POST", "/v1/auth/tokens", R"({"ttl":"-5s"})").status, 400);
  EXPECT_EQ(Call(kRoot, "POST", "/v1/auth/tokens", R"({"polices":[]})").status, 400);
  // The child works, then revoking its parent (the admin token) revokes it too.
  const std::string admin_acc(
      Ok(kAdminRole, "GET", "/v1/auth/tokens/self").at("accessor").as_string());
  http::HttpRequest with_child{"GET", "/v1/sys/policies", "Bearer " + child_token, "", "127.0.0.1"};
  EXPECT_EQ(api_->Handle(with_child).status, 200);
  ++requests_;
  auto revoked = Ok(kRoot, "DELETE", "/v1/auth/tokens/" + admin_acc);
  EXPECT_EQ(revoked.at("revoked").as_int64(), 2);
  EXPECT_EQ(api_->Handle(with_child).status, 401);
  EXPECT_EQ(Call(kAdminRole, "GET", "/v1/sys/policies").status, 401);
  EXPECT_EQ(Call(kRoot, "GET", "/v1/auth/tokens/" + child_acc).status, 404);
  // No token ever appears in a listing or the trail.
  auto list = Call(kRoot, "GET", "/v1/auth/tokens");
  EXPECT_EQ(list.body.find("keep_"), std::string::npos);
  trail_->Close();
  std::ifstream in(dir_ / "audit.log");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str().find(child_token), std::string::npos);
  EXPECT_EQ(ss.str().find(tokens_[kRoot]), std::string::npos);
  EXPECT_EQ(ss.str().find(child_acc), std::string::npos) << "token ids are HMAC'd";
}

TEST_F(AccessMatrix, TokensExpire) {
  Prepare();
  auto t = Ok(kRoot, "POST", "/v1/auth/tokens", R"({"policies":["staff"],"ttl":"1h"})");
  http::HttpRequest r{"GET", "/v1/keys/app-1", "Bearer " + std::string(t.at("token").as_string()),
                      "", "127.0.0.1"};
  EXPECT_EQ(api_->Handle(r).status, 200);
  now_ += 3599;
  EXPECT_EQ(api_->Handle(r).status, 200);
  now_ += 2;
  auto expired = api_->Handle(r);
  EXPECT_EQ(expired.status, 401);
  EXPECT_NE(expired.body.find("expired"), std::string::npos);
}

TEST_F(AccessMatrix, RateLimitedAnswersCarryRetryAfter) {
  api_.reset();
  options_.rate_limits.identity[static_cast<int>(access::OpClass::kEncrypt)] = {2, 2};
  TearDown();
  SetUp();
  Prepare();
  int limited = 0;
  for (int i = 0; i < 5; ++i) {
    auto r = Call(kStaffRole, "POST", "/v1/keys/app-1/encrypt", R"({"plaintext":"aGk="})");
    if (r.status != 429) continue;
    ++limited;
    std::string retry;
    for (const auto& [k, v] : r.headers) {
      if (k == "Retry-After") retry = v;
    }
    EXPECT_EQ(retry, "1");
    EXPECT_NE(r.body.find("rate_limited"), std::string::npos);
  }
  EXPECT_EQ(limited, 3);
  // A batch of 3 is larger than the bucket (2) can ever hold: refused, without Retry-After,
  // and it takes nothing (a fresh identity's full bucket still admits 2).
  auto big = Call(kAdminRole, "POST", "/v1/keys/app-1/encrypt",
                  R"({"batch":[{"plaintext":"aGk="},{"plaintext":"aGk="},{"plaintext":"aGk="}]})");
  EXPECT_EQ(big.status, 429);
  for (const auto& [k, v] : big.headers) EXPECT_NE(k, "Retry-After");
  EXPECT_EQ(Call(kAdminRole, "POST", "/v1/keys/app-1/encrypt",
                 R"({"batch":[{"plaintext":"aGk="},{"plaintext":"aGk="}]})")
                .status,
            200);
  EXPECT_EQ(Call(kAdminRole, "POST", "/v1/keys/app-1/encrypt", R"({"plaintext":"aGk="})").status,
            429);
}

TEST_F(AccessMatrix, WhenTheTrailCannotBeWrittenRequestsFailClosed) {
  // The trail is a FIFO nobody reads: once its buffer is full, writes hang (a stuck disk).
  api_.reset();
  trail_->Close();
  TearDown();
  fs::create_directories(fs::temp_directory_path());
  const std::string fifo =
      (fs::temp_directory_path() / ("keep-fifo-" + std::to_string(::getpid()))).string();
  ::unlink(fifo.c_str());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int holder = ::open(fifo.c_str(), O_RDWR);
  ASSERT_GE(holder, 0);
  trail_path_ = fifo;
  write_timeout_ms_ = 300;      // the hung trail is found out quickly
  options_.async_audit = true;  // as keepd runs it
  SetUp();
  Prepare();
  const std::string body = R"({"ciphertext":")" + ct_app_ + "\"}";
  http::HttpResponse r;
  int served = 0;
  for (int i = 0; i < 5000; ++i) {
    r = Call(kRoot, "POST", "/v1/keys/app-1/decrypt", body);
    ASSERT_TRUE(r.audit_ticket) << r.body;
    auto ticket = r.audit_ticket;
    // Woken by the ticket's completion, not by polling it.
    auto signal = std::make_shared<std::pair<std::mutex, std::condition_variable>>();
    ticket->OnDone([signal] {
      std::lock_guard lk(signal->first);
      signal->second.notify_all();
    });
    {
      std::unique_lock lk(signal->first);
      signal->second.wait_for(lk, std::chrono::seconds(5), [&] { return ticket->done(); });
    }
    ASSERT_TRUE(ticket->done()) << "every ticket completes within the write timeout";
    if (!ticket->status().ok()) {
      r = api_->AuditFailed(r, "x");
      break;
    }
    ++served;
  }
  EXPECT_GT(served, 20);
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("audit_unavailable"), std::string::npos);
  EXPECT_EQ(r.body.find("c2VjcmV0"), std::string::npos) << "no plaintext without its record";
  // Unblock and close.
  std::atomic<bool> done{false};
  std::thread drain([&] {
    char buf[65536];
    while (!done && ::read(holder, buf, sizeof buf) > 0) {
    }
  });
  api_.reset();
  trail_->Close();
  done = true;
  const int w = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);  // one byte wakes the reader
  if (w >= 0) {
    (void)!::write(w, "x", 1);
    ::close(w);
  }
  drain.join();
  ::close(holder);
  ::unlink(fifo.c_str());
}

}  // namespace
}  // namespace keep
