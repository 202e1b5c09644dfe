// Access control end to end against a real keepd over TLS, driven through the CLI where
// an operator would: the seed's roles (anonymous submitters, staff, privileged staff),
// the audit trail verified and tampered with, client certificates over mutual TLS, rate
// limits, and both kinds of decrypt lockdown surviving restarts until an administrator
// acts.
// Over 400 lines on purpose: every test drives the same roles (docs/operations.md's worked
// example) through the real binary and a real keepd, with one fixture.
#include <gtest/gtest.h>

#include <thread>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "harness.h"

namespace keep::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr const char* kRoles[][2] = {
    {"submitter", R"({"rules":[{"keys":"app-*","capabilities":["encrypt"]}]})"},
    {"staff", R"({"rules":[{"keys":"app-*","capabilities":["encrypt","rewrap","read"]}]})"},
    {"privileged", R"({"rules":[{"keys":"app-*","capabilities":["decrypt","read"]}]})"},
    {"admin",
     R"({"rules":[{"keys":"*","capabilities":["create","read","rotate","manage","encrypt","datakey"]}],
         "system":["sys","tokens","policies","audit"]})"},
};

class Access : public ::testing::Test {
 protected:
  std::string Ok(const std::vector<std::string>& args, const std::string& in = "",
                 const std::string& token = "<root>") {
    auto r = server_->Cli(args, in, token);
    EXPECT_EQ(r.exit_code, 0) << args[0] << " " << (args.size() > 1 ? args[1] : "") << ": "
                              << r.err;
    return r.out;
  }
  void WritePolicies() {
    for (const auto& [name, text] : kRoles) {
      const std::string f = server_->dir() + "/" + name + ".json";
      std::ofstream(f) << text;
      Ok({"policy", "write", name, f});
    }
  }
  // `keep token create -p POLICY --format json` → {token, accessor}.
  std::pair<std::string, std::string> Token(const std::string& policy, const std::string& name) {
    auto v = json::parse(
        Ok({"--format", "json", "token", "create", "-p", policy, "--display-name", name}));
    return {std::string(v.at("token").as_string()), std::string(v.at("accessor").as_string())};
  }
  std::unique_ptr<Keepd> server_;
};

TEST_F(Access, TheSeedsRolesThroughTheCliWithAVerifiableTrail) {
  server_ = std::make_unique<Keepd>(
      "\n[auth]\nanonymous = true\nanonymous_policies = [\"submitter\"]\n"
      "[audit]\ncheckpoint_records = 5\n");
  server_->Start();
  WritePolicies();
  Ok({"key", "create", "app-orders"});
  const auto [staff, staff_acc] = Token("staff", "alice");
  const auto [priv, priv_acc] = Token("privileged", "bob");

  // Anonymous submitters may only encrypt.
  const std::string ct = Trimmed(Ok({"encrypt", "--key", "app-orders"}, "order 1: 3 widgets", ""));
  ASSERT_EQ(ct.rfind("keep:", 0), 0u);
  auto denied = server_->Cli({"decrypt"}, ct, "");
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.err.find("permission_denied"), std::string::npos) << denied.err;
  EXPECT_EQ(server_->Cli({"key", "show", "app-orders"}, "", "").exit_code, 1);
  // Staff may rewrap (never seeing the plaintext) but not decrypt.
  const std::string rewrapped = Trimmed(Ok({"rewrap", "--key", "app-orders"}, ct, staff));
  EXPECT_EQ(rewrapped.rfind("keep:", 0), 0u);
  EXPECT_EQ(server_->Cli({"decrypt"}, ct, staff).exit_code, 1);
  // Privileged staff decrypt, both the original and the rewrapped ciphertext.
  EXPECT_EQ(Ok({"decrypt"}, ct, priv), "order 1: 3 widgets");
  EXPECT_EQ(Ok({"decrypt"}, rewrapped, priv), "order 1: 3 widgets");
  EXPECT_EQ(server_->Cli({"encrypt", "--key", "app-orders"}, "x", priv).exit_code, 1);
  // Without anonymous access a missing token would be 401; a wrong token is 401 anyway.
  auto bad = server_->Cli({"encrypt", "--key", "app-orders"}, "x", "keep_not-a-token");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("unauthenticated"), std::string::npos);

  // The trail: verifiable while live (public key fetched with the root token), records
  // the denials, never the plaintext, the token or the accessor in clear.
  auto live = server_->Cli({"audit", "verify", "--live", server_->audit_path()});
  EXPECT_EQ(live.exit_code, 0) << live.err;
  EXPECT_NE(live.out.find("ok: "), std::string::npos);
  const std::string trail = Slurp(server_->audit_path());
  EXPECT_EQ(trail.find("widgets"), std::string::npos);
  EXPECT_EQ(trail.find(staff), std::string::npos);
  EXPECT_EQ(trail.find(priv_acc), std::string::npos);
  EXPECT_NE(trail.find("\"outcome\":\"permission_denied\""), std::string::npos);
  // `keep audit hash` finds bob's records.
  const std::string bob_hmac = Trimmed(Ok({"audit", "hash", "token:" + priv_acc}));
  ASSERT_EQ(bob_hmac.rfind("hmac-sha256:", 0), 0u);
  EXPECT_NE(trail.find("\"identity\":\"" + bob_hmac + "\""), std::string::npos);
  const std::string pub = server_->dir() + "/audit.pub";
  Ok({"audit", "public-key", "--out", pub});

  // A clean stop closes the trail: it verifies without --live, with the exported key.
  server_->Stop();
  auto closed =
      server_->Cli({"audit", "verify", "--public-key", pub, server_->audit_path()}, "", "");
  EXPECT_EQ(closed.exit_code, 0) << closed.err;
  // Tampering: one changed outcome is found, with its line.
  std::string forged = Slurp(server_->audit_path());
  const size_t at = forged.find("\"outcome\":\"permission_denied\"");
  ASSERT_NE(at, std::string::npos);
  forged.replace(at, 29, "\"outcome\":\"ok\"");
  const std::string copy = server_->dir() + "/forged.log";
  std::ofstream(copy) << forged;
  auto bad_trail = server_->Cli({"audit", "verify", "--public-key", pub, copy}, "", "");
  EXPECT_EQ(bad_trail.exit_code, 1);
  const size_t line =
      static_cast<size_t>(std::count(forged.begin(), forged.begin() + at, '\n')) + 1;
  EXPECT_NE(bad_trail.err.find("forged.log:" + std::to_string(line) + ":"), std::string::npos)
      << bad_trail.err;
  EXPECT_NE(bad_trail.err.find("modified"), std::string::npos) << bad_trail.err;
  // The independent Python verifier (written from docs/formats.md) agrees on both.
  const std::string py = "/usr/bin/python3 tests/interop/audit_v1.py verify " + pub + " ";
  EXPECT_EQ(std::system((py + server_->audit_path() + " >/dev/null").c_str()), 0);
  EXPECT_NE(std::system((py + copy + " >/dev/null").c_str()), 0);
}

TEST_F(Access, ClientCertificatesMapToIdentities) {
  // A client CA and two client certificates made with the openssl command.
  const fs::path d = fs::temp_directory_path() / ("keep-mtls-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  auto sh = [&](const std::string& cmd) {
    ASSERT_EQ(std::system(("cd " + d.string() + " && " + cmd + " >/dev/null 2>&1").c_str()), 0)
        << cmd;
  };
  sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
     "-subj /CN=clients-ca -keyout ca.key -out ca.pem");
  for (const char* who : {"billing", "stranger"}) {
    sh(std::string(
           "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /O=Example/CN=") +
       who + " -keyout " + who + ".key -out " + who + ".csr");
    sh(std::string("openssl x509 -req -in ") + who +
       ".csr -CA ca.pem -CAkey ca.key -CAcreateserial "
       "-days 2 -out " +
       who + ".pem");
  }
  sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
     "-subj /CN=billing -keyout rogue.key -out rogue.pem");
  // Anonymous access is on (submitters may encrypt): an unmapped certificate must still
  // be refused, never downgraded to anonymous (issue 12.6).
  server_ = std::make_unique<Keepd>(
      "\n[auth]\nanonymous = true\nanonymous_policies = [\"submitter\"]\n"
      "[[auth.certificate]]\nname = \"billing\"\nsubject = \"CN=billing,O=Example\"\n"
      "policies = [\"staff\"]\n",
      "", "", "client_ca_file = \"" + (d / "ca.pem").string() + "\"\n");
  server_->Start();
  WritePolicies();
  Ok({"key", "create", "app-invoices"});
  auto as = [&](const std::string& who, std::vector<std::string> args, const std::string& in) {
    args.insert(args.begin(), {"--client-cert", (d / (who + ".pem")).string(), "--client-key",
                               (d / (who + ".key")).string()});
    return server_->Cli(args, in, "");
  };
  auto enc = as("billing", {"encrypt", "--key", "app-invoices"}, "invoice 7");
  ASSERT_EQ(enc.exit_code, 0) << enc.err;
  auto dec = as("billing", {"decrypt"}, Trimmed(enc.out));
  EXPECT_EQ(dec.exit_code, 1);
  EXPECT_NE(dec.err.find("permission_denied"), std::string::npos) << dec.err;
  // A certificate from the right CA but not mapped: unauthenticated, although a request
  // with no credential at all is anonymous and may encrypt.
  auto stranger = as("stranger", {"encrypt", "--key", "app-invoices"}, "x");
  EXPECT_EQ(stranger.exit_code, 1);
  EXPECT_NE(stranger.err.find("unauthenticated"), std::string::npos) << stranger.err;
  EXPECT_NE(stranger.err.find("not mapped"), std::string::npos) << stranger.err;
  auto anon = server_->Cli({"encrypt", "--key", "app-invoices"}, "x", "");
  EXPECT_EQ(anon.exit_code, 0) << anon.err;
  // Same subject, another CA: the handshake fails.
  auto rogue = as("rogue", {"encrypt", "--key", "app-invoices"}, "x");
  EXPECT_EQ(rogue.exit_code, 1);
  // A bearer token still works next to client certificates.
  EXPECT_EQ(Ok({"decrypt"}, Trimmed(enc.out)), "invoice 7");
  // Who am I, with a certificate (the console's certificate sign-in): the mapped identity.
  auto who = Shell(d.string(), "curl -sS --cacert " + server_->ca() +
                                   " --cert billing.pem --key billing.key " + server_->addr() +
                                   "/v1/auth/tokens/self");
  EXPECT_NE(who.out.find(R"("identity":"cert:billing","kind":"certificate")"), std::string::npos)
      << who.out << who.err;
  EXPECT_NE(who.out.find(R"("policies":["staff"])"), std::string::npos) << who.out;
  // The trail names the certificate identity.
  EXPECT_NE(Slurp(server_->audit_path()).find("\"identity\":\"cert:billing\""), std::string::npos);
  fs::remove_all(d);
}

TEST_F(Access, RateLimitsAnswer429) {
  server_ = std::make_unique<Keepd>("\n[rate_limits]\nidentity_decrypt = 5\nburst_seconds = 2\n");
  server_->Start();
  auto c = server_->NewClient();
  ASSERT_EQ(c->Send("POST", "/v1/keys", R"({"name":"k"})")->status, 201);
  auto e = c->Send("POST", "/v1/keys/k/encrypt", R"({"plaintext":"aGk="})");
  const std::string ct(json::parse(e->body).at("ciphertext").as_string());
  int ok = 0, limited = 0;
  for (int i = 0; i < 30; ++i) {
    auto r = c->Send("POST", "/v1/keys/k/decrypt", R"({"ciphertext":")" + ct + "\"}");
    ASSERT_TRUE(r.ok());
    if (r->status == 200) ++ok;
    if (r->status == 429) {
      ++limited;
      EXPECT_NE(r->body.find("rate_limited"), std::string::npos);
    }
  }
  EXPECT_GE(ok, 10);  // the burst (2 s × 5/s), plus what refilled meanwhile
  EXPECT_LE(ok, 20);
  EXPECT_EQ(ok + limited, 30);
  // Encrypt is another class: not limited.
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(c->Send("POST", "/v1/keys/k/encrypt", R"({"plaintext":"aGk="})")->status, 200);
  }
}

// Every batch-capable endpoint charges one token per item, all or nothing (issue 12.5): at
// 5/s a batch of 6 is refused whole, without Retry-After (it can never pass), and leaves
// the bucket as it was; a batch of 5 passes once; a second at once is 429 with Retry-After.
// Before, a batch of 1,000 went through every couple of seconds.
TEST_F(Access, BatchesCostOneTokenPerItemOnEveryBatchEndpoint) {
  server_ = std::make_unique<Keepd>(
      "\n[rate_limits]\nidentity_encrypt = 5\nidentity_decrypt = 5\nburst_seconds = 1\n");
  server_->Start();
  auto c = server_->NewClient();
  ASSERT_EQ(c->Send("POST", "/v1/keys", R"({"name":"k"})")->status, 201);
  auto e = c->Send("POST", "/v1/keys/k/encrypt", R"({"plaintext":"aGk="})");
  ASSERT_EQ(e->status, 200);
  const std::string ct(json::parse(e->body).at("ciphertext").as_string());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // refill after the setup
  auto batch = [](const std::string& item, int n) {
    std::string b = "{\"batch\":[";
    for (int i = 0; i < n; ++i) b += (i ? "," : "") + item;
    return b + "]}";
  };
  const std::string enc_item = R"({"plaintext":"aGk="})";
  const std::string dec_item = R"({"ciphertext":")" + ct + "\"}";
  const std::vector<std::pair<std::string, std::string>> endpoints = {
      {"/v1/keys/k/encrypt", enc_item}, {"/v1/keys/k/datakey", R"({"bits":256})"},
      {"/v1/keys/k/decrypt", dec_item}, {"/v1/keys/k/rewrap", dec_item},
      {"/v1/decrypt", dec_item},
  };
  for (const auto& [path, item] : endpoints) {
    SCOPED_TRACE(path);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // a full bucket
    // A minute's worth of retries could never pass 1,000 items at 5/s: refused for good.
    for (int i = 0; i < 3; ++i) {
      auto big = c->Send("POST", path, batch(item, 1000));
      ASSERT_TRUE(big.ok());
      EXPECT_EQ(big->status, 429);
      EXPECT_NE(big->body.find("send smaller batches"), std::string::npos) << big->body;
      EXPECT_EQ(big->retry_after_s, 0) << "waiting cannot help";
    }
    auto six = c->Send("POST", path, batch(item, 6));
    EXPECT_EQ(six->status, 429);
    auto five = c->Send("POST", path, batch(item, 5));  // the refusals took nothing
    EXPECT_EQ(five->status, 200) << five->body;
    auto again = c->Send("POST", path, batch(item, 5));
    EXPECT_EQ(again->status, 429);
    EXPECT_GE(again->retry_after_s, 1);
  }
}

// Every record kind (request, lockdown, start, checkpoint) carries the fields formats.md
// §7 says it has, and no token accessor appears in clear anywhere in the trail (issue 12.7:
// lockdown records printed "identity token:<accessor>" in their detail and had no status;
// a refused request to /v1/auth/tokens/<accessor> put the accessor in its operation).
TEST_F(Access, EveryRecordKindHasItsFieldsAndNoAccessorIsInClear) {
  server_ = std::make_unique<Keepd>(
      "\n[lockdown]\nidentity_decrypt_budget = 3\nwindow = \"1h\"\naction = \"revoke\"\n");
  server_->Start();
  WritePolicies();
  Ok({"key", "create", "app-x"});
  const auto [priv, priv_acc] = Token("privileged", "mallory");
  const auto [staff, staff_acc] = Token("staff", "sam");
  const std::string ct = Trimmed(Ok({"encrypt", "--key", "app-x"}, "secret", staff));
  for (int i = 0; i < 3; ++i) Ok({"decrypt"}, ct, priv);
  EXPECT_EQ(server_->Cli({"decrypt"}, ct, priv).exit_code, 1);  // trips the lockdown
  Ok({"token", "lookup", staff_acc});
  // Refused before any operation: no token, a wrong method, an unknown sub-path.
  auto anon = server_->NewClient("");
  EXPECT_EQ(anon->Send("GET", "/v1/auth/tokens/" + staff_acc, "")->status, 401);
  auto root = server_->NewClient();
  EXPECT_EQ(root->Send("PUT", "/v1/auth/tokens/" + staff_acc, "")->status, 405);
  EXPECT_EQ(root->Send("GET", "/v1/auth/tokens/" + staff_acc + "/x", "")->status, 404);
  Ok({"lockdown", "reinstate", "token:" + priv_acc});
  Ok({"token", "revoke", staff_acc});
  server_->Stop();  // the closing checkpoint

  const std::string trail = Slurp(server_->audit_path());
  for (const std::string& acc : {priv_acc, staff_acc}) {
    EXPECT_EQ(trail.find(acc), std::string::npos) << "accessor " << acc << " in clear";
  }
  const std::map<std::string, std::vector<std::string>> required = {
      {"request",
       {"seq", "time", "type", "request_id", "identity", "operation", "status", "outcome", "remote",
        "prev"}},
      {"lockdown",
       {"seq", "time", "type", "request_id", "identity", "operation", "status", "outcome", "remote",
        "detail", "prev"}},
      {"start", {"seq", "time", "type", "node", "clean", "prev"}},
      {"checkpoint", {"seq", "time", "type", "key_id", "records", "final", "prev", "sig"}},
  };
  std::map<std::string, int> seen;
  std::istringstream lines(trail);
  for (std::string line; std::getline(lines, line);) {
    const json::object o = json::parse(line).as_object();
    const std::string type(o.at("type").as_string());
    ++seen[type];
    ASSERT_TRUE(required.count(type)) << "undocumented record type: " << line;
    for (const auto& f : required.at(type)) EXPECT_TRUE(o.contains(f)) << f << " missing: " << line;
    if (type == "lockdown") {
      EXPECT_EQ(o.at("status").as_int64(), 503);
      EXPECT_EQ(std::string(o.at("identity").as_string()).rfind("hmac-sha256:", 0), 0u);
    }
  }
  for (const char* t : {"request", "lockdown", "start", "checkpoint"}) EXPECT_GE(seen[t], 1) << t;
  // The refused token requests are findable by the accessor's HMAC, like the others.
  server_->Start();
  const std::string h = Trimmed(Ok({"audit", "hash", "token:" + staff_acc}));
  EXPECT_GE(std::count(trail.begin(), trail.end(), '\n'), 10);
  size_t n = 0;
  for (size_t at = trail.find(h); at != std::string::npos; at = trail.find(h, at + 1)) ++n;
  EXPECT_GE(n, 5u) << "create, lookup, the 3 refusals, revoke: " << h;
}

// Issue 12.10: an administrator who must not read data issues the roles' tokens through
// assignable_policies; it cannot assign what is not listed, nor root; made as an orphan
// under root it survives root's revocation (the docs' set-up).
TEST_F(Access, AnAdminIssuesRoleTokensItDoesNotHoldThroughAssignablePolicies) {
  server_ = std::make_unique<Keepd>();
  server_->Start();
  WritePolicies();
  const std::string issuer = server_->dir() + "/issuer.json";
  std::ofstream(issuer) << R"({"rules":[{"keys":"*","capabilities":["create","read"]}],
      "system":["tokens"],"assignable_policies":["staff","privileged","submitter"]})";
  Ok({"policy", "write", "issuer", issuer});
  Ok({"policy", "write", "other", server_->dir() + "/issuer.json"});
  auto v = json::parse(Ok({"--format", "json", "token", "create", "-p", "issuer", "--orphan",
                           "--display-name", "admin"}));
  const std::string admin(v.at("token").as_string());
  Ok({"key", "create", "app-x"}, "", admin);
  // The admin makes a privileged token although it cannot decrypt itself.
  auto pv = json::parse(
      Ok({"--format", "json", "token", "create", "-p", "privileged", "--display-name", "pat"}, "",
         admin));
  const std::string privileged(pv.at("token").as_string());
  const std::string ct = Trimmed(Ok({"encrypt", "--key", "app-x"}, "record 9"));
  EXPECT_EQ(Ok({"decrypt"}, ct, privileged), "record 9");
  auto self = server_->Cli({"decrypt"}, ct, admin);
  EXPECT_EQ(self.exit_code, 1);
  EXPECT_NE(self.err.find("permission_denied"), std::string::npos) << self.err;
  // Not listed, and root: refused.
  for (const char* pol : {"other", "admin", "root"}) {
    auto r = server_->Cli({"token", "create", "-p", pol}, "", admin);
    EXPECT_EQ(r.exit_code, 1) << pol;
    EXPECT_NE(r.err.find("permission_denied"), std::string::npos) << pol << ": " << r.err;
  }
  // The trail says which policies each new token got.
  EXPECT_NE(Slurp(server_->audit_path()).find("\"detail\":\"policies: privileged\""),
            std::string::npos);
  // Root put away: the orphan admin and the tokens it made keep working.
  Ok({"token", "revoke", "--self"});
  EXPECT_EQ(Ok({"decrypt"}, ct, privileged), "record 9");
  Ok({"token", "create", "-p", "staff"}, "", admin);
}

TEST_F(Access, DecryptLockdownLocksTheIdentityAcrossRestartsUntilReinstated) {
  server_ = std::make_unique<Keepd>(
      "\n[lockdown]\nidentity_decrypt_budget = 5\nwindow = \"1h\"\naction = \"revoke\"\n");
  server_->Start();
  WritePolicies();
  Ok({"key", "create", "app-x"});
  const auto [priv, priv_acc] = Token("privileged", "mallory");
  const std::string ct = Trimmed(Ok({"encrypt", "--key", "app-x"}, "secret"));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Ok({"decrypt"}, ct, priv), "secret");
  auto tripped = server_->Cli({"decrypt"}, ct, priv);
  EXPECT_EQ(tripped.exit_code, 1);
  EXPECT_NE(tripped.err.find("locked_down"), std::string::npos) << tripped.err;
  EXPECT_NE(Slurp(server_->audit_path()).find("\"operation\":\"lockdown.identity\""),
            std::string::npos);
  // Survives a restart.
  server_->Stop();
  server_->Start();
  auto still = server_->Cli({"decrypt"}, ct, priv);
  EXPECT_EQ(still.exit_code, 1);
  EXPECT_NE(still.err.find("locked_down"), std::string::npos) << still.err;
  EXPECT_NE(Ok({"lockdown", "list"}).find("token:" + priv_acc), std::string::npos);
  // An administrator reinstates it; it works again with a fresh budget.
  Ok({"lockdown", "reinstate", "token:" + priv_acc});
  EXPECT_EQ(Ok({"decrypt"}, ct, priv), "secret");
  EXPECT_EQ(Ok({"lockdown", "list"}), "");
}

TEST_F(Access, GlobalDecryptLockdownSealsUntilAnAdministratorActs) {
  server_ = std::make_unique<Keepd>(
      "\n[lockdown]\nglobal_decrypt_budget = 3\nwindow = \"1h\"\naction = \"seal\"\n");
  server_->Start();
  Ok({"key", "create", "k"});
  const std::string ct = Trimmed(Ok({"encrypt", "--key", "k"}, "secret"));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Ok({"decrypt"}, ct), "secret");
  auto tripped = server_->Cli({"decrypt"}, ct);
  EXPECT_EQ(tripped.exit_code, 1);
  EXPECT_NE(tripped.err.find("locked_down"), std::string::npos) << tripped.err;
  auto after = server_->Cli({"encrypt", "--key", "k"}, "x");
  EXPECT_NE(after.err.find("sealed"), std::string::npos) << after.err;
  // The dev-file seal would unseal itself at start: the lockdown stops it.
  server_->Stop();
  server_->Start();
  auto status = server_->Cli({"status"});
  EXPECT_NE(status.out.find("locked down"), std::string::npos) << status.out << status.err;
  EXPECT_EQ(server_->Cli({"decrypt"}, ct).exit_code, 1);
  // The host administrator lifts it.
  server_->Stop();
  server_->set_args({"--lift-lockdown"});
  server_->Start();
  EXPECT_EQ(Ok({"decrypt"}, ct), "secret");
  EXPECT_NE(Slurp(server_->audit_path()).find("\"operation\":\"lockdown.seal\""),
            std::string::npos);
}

TEST_F(Access, WithSharesAQuorumUnsealLiftsTheLockdown) {
  server_ = std::make_unique<Keepd>(
      "\n[lockdown]\nglobal_decrypt_budget = 2\nwindow = \"1h\"\naction = \"seal\"\n", "",
      "type = \"shamir\"\n");
  server_->Start();
  auto init = server_->Cli({"operator", "init", "--shares", "3", "--threshold", "2"}, "", "");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  std::smatch m;
  std::vector<std::string> shares;
  std::string rest = init.out;
  while (std::regex_search(rest, m, std::regex("share \\d+: (\\S+)"))) {
    shares.push_back(m[1]);
    rest = m.suffix();
  }
  ASSERT_TRUE(std::regex_search(init.out, m, std::regex("root token: (\\S+)")));
  std::ofstream(server_->dir() + "/root-token") << m[1] << "\n";
  ASSERT_EQ(shares.size(), 3u);
  Ok({"key", "create", "k"});
  const std::string ct = Trimmed(Ok({"encrypt", "--key", "k"}, "secret"));
  for (int i = 0; i < 2; ++i) EXPECT_EQ(Ok({"decrypt"}, ct), "secret");
  EXPECT_EQ(server_->Cli({"decrypt"}, ct).exit_code, 1);
  server_->Stop();
  server_->Start();
  Ok({"operator", "unseal", shares[0]}, "", "");
  Ok({"operator", "unseal", shares[2]}, "", "");
  EXPECT_EQ(Ok({"decrypt"}, ct), "secret");
}

}  // namespace
}  // namespace keep::testing
