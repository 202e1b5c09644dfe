// libkeep's typed calls for custody and access control against a real keepd over TLS:
// init, unseal (progress, duplicates, reset, a bad share), keyring rotation, a full rekey
// (the old shares stop working), seal; tokens, policies (typed and as a document, a typo
// refused), lockdown and audit lookups. The CLI's custody and access tests drive the same
// calls through `keep`; these check the typed answers themselves.
#include <gtest/gtest.h>

#include <algorithm>

#include "harness.h"
#include "keep/client.h"

namespace keep {
namespace {

using testing::Keepd;

std::string Str(const SecretString& s) {
  return std::string(s.view());
}

TEST(ClientSys, ShamirCustodyThroughTypedCalls) {
  Keepd server("", "", "type = \"shamir\"\n");
  server.Start();
  auto anon = server.NewClient("");

  auto before = anon->Health();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_FALSE(before->initialized);
  EXPECT_EQ(before->http_status, 501);
  EXPECT_EQ(before->seal_type, "shamir");

  auto init = anon->Init({3, 2, {}});
  ASSERT_TRUE(init.ok()) << init.status().ToString();
  ASSERT_EQ(init->shares.size(), 3u);
  EXPECT_EQ(init->threshold, 2);
  EXPECT_EQ(init->share_kind, "unseal");
  EXPECT_FALSE(init->encrypted);
  EXPECT_EQ(Str(init->shares[0]).rfind("kshare1-", 0), 0u) << Str(init->shares[0]);
  EXPECT_EQ(Str(init->root_token).rfind("keep_", 0), 0u);
  auto twice = anon->Init({3, 2, {}});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().reason(), "already_initialized");

  // Init leaves the node unsealed (the root key was just made); seal it to unseal by shares.
  auto root = server.NewClient(Str(init->root_token));
  auto fresh = anon->Health();
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE(fresh->sealed);
  EXPECT_FALSE(anon->Seal().ok()) << "sealing needs a token with sys";
  ASSERT_TRUE(root->Seal().ok());
  auto sealed = anon->Health();
  ASSERT_TRUE(sealed.ok());
  EXPECT_TRUE(sealed->initialized);
  EXPECT_TRUE(sealed->sealed);
  EXPECT_EQ(sealed->http_status, 503);
  EXPECT_EQ(sealed->unseal_threshold, 2);

  auto u1 = anon->Unseal(Str(init->shares[0]));
  ASSERT_TRUE(u1.ok()) << u1.status().ToString();
  EXPECT_TRUE(u1->sealed);
  EXPECT_EQ(u1->progress, 1);
  EXPECT_EQ(u1->threshold, 2);
  auto dup = anon->Unseal(Str(init->shares[0]));
  ASSERT_TRUE(dup.ok());
  EXPECT_TRUE(dup->duplicate);
  EXPECT_EQ(dup->progress, 1);
  auto bad = anon->Unseal("kshare1-not-a-share");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().reason(), "invalid_share") << bad.status().ToString();
  auto reset = anon->ResetUnseal();
  ASSERT_TRUE(reset.ok());
  EXPECT_EQ(reset->progress, 0);
  ASSERT_TRUE(anon->Unseal(Str(init->shares[2])).ok());
  auto open = anon->Unseal(Str(init->shares[1]));
  ASSERT_TRUE(open.ok());
  EXPECT_FALSE(open->sealed);

  auto active = root->Health();
  ASSERT_TRUE(active.ok());
  EXPECT_EQ(active->http_status, 200);
  ASSERT_TRUE(active->keyring.has_value());
  ASSERT_TRUE(active->store.has_value());
  EXPECT_TRUE(active->store->reachable);
  const int64_t term = active->keyring->active_term;
  auto rotated = root->RotateKeyring();
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_EQ(*rotated, term + 1);
  EXPECT_FALSE(anon->RotateKeyring().ok()) << "rotation needs a token with sys";

  // Rekey to a 2-of-2 set with two of the current shares.
  auto none = root->GetRekey();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->started);
  auto started = root->StartRekey({2, 2, {}});
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  EXPECT_TRUE(started->started);
  EXPECT_EQ(started->required, 2);
  EXPECT_EQ(started->new_shares, 2);
  ASSERT_FALSE(started->nonce.empty());
  auto wrong_nonce = anon->SubmitRekeyShare("0000", Str(init->shares[0]));
  EXPECT_FALSE(wrong_nonce.ok());
  auto step = anon->SubmitRekeyShare(started->nonce, Str(init->shares[0]));
  ASSERT_TRUE(step.ok()) << step.status().ToString();
  EXPECT_FALSE(step->complete);
  EXPECT_EQ(step->progress, 1);
  auto done = anon->SubmitRekeyShare(started->nonce, Str(init->shares[1]));
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  ASSERT_TRUE(done->complete);
  ASSERT_EQ(done->shares.size(), 2u);
  EXPECT_EQ(done->threshold, 2);

  ASSERT_TRUE(root->Seal().ok());
  auto old_share = anon->Unseal(Str(init->shares[0]));
  ASSERT_FALSE(old_share.ok()) << "the old shares stop working after a rekey";
  EXPECT_EQ(old_share.status().reason(), "invalid_share");
  ASSERT_TRUE(anon->Unseal(Str(done->shares[0])).ok());
  auto reopened = anon->Unseal(Str(done->shares[1]));
  ASSERT_TRUE(reopened.ok());
  EXPECT_FALSE(reopened->sealed);
}

TEST(ClientSys, TokensPoliciesLockdownAndAudit) {
  Keepd server;
  server.Start();
  auto root = server.NewClient();

  Policy app;
  app.rules = {{"app-*", {"encrypt", "decrypt"}}};
  app.system = {"random"};
  ASSERT_TRUE(root->PutPolicy("app", app).ok());
  auto read = root->GetPolicy("app");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->name, "app");
  ASSERT_EQ(read->rules.size(), 1u);
  EXPECT_EQ(read->rules[0].keys, "app-*");
  EXPECT_EQ(read->rules[0].capabilities, (std::vector<std::string>{"encrypt", "decrypt"}));
  EXPECT_EQ(read->system, std::vector<std::string>{"random"});

  // A document with a typo is refused by the server, naming the field.
  auto typo = root->PutPolicyDocument("typo", R"({"rules":[],"sytem":["sys"]})");
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.code(), Code::kInvalidArgument);
  EXPECT_NE(typo.message().find("sytem"), std::string::npos) << typo.message();
  ASSERT_TRUE(root->PutPolicyDocument("ops", R"({"rules":[],"system":["sys"]})").ok());
  auto names = root->ListPolicies();
  ASSERT_TRUE(names.ok());
  std::sort(names->begin(), names->end());
  EXPECT_EQ(*names, (std::vector<std::string>{"app", "ops", "root"}));
  EXPECT_FALSE(root->GetPolicy("../keys").ok()) << "a name that changes the path";
  auto missing = root->GetPolicy("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().reason(), "not_found");

  auto t = root->CreateToken({{"app"}, "1h", "billing", false});
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_TRUE(t->token.has_value());
  EXPECT_EQ(t->display_name, "billing");
  EXPECT_EQ(t->policies, std::vector<std::string>{"app"});
  ASSERT_TRUE(t->expires_at.has_value());
  auto app_client = server.NewClient(Str(*t->token));
  auto self = app_client->LookupToken("");
  ASSERT_TRUE(self.ok()) << self.status().ToString();
  EXPECT_EQ(self->accessor, t->accessor);
  EXPECT_FALSE(self->token.has_value()) << "the token is shown once";
  auto beyond = app_client->CreateToken({{"ops"}, "", "", false});
  ASSERT_FALSE(beyond.ok());
  EXPECT_EQ(beyond.status().reason(), "permission_denied") << beyond.status().ToString();
  auto listed = root->ListTokens();
  ASSERT_TRUE(listed.ok());
  bool found = false;
  for (const auto& l : *listed) found = found || l.accessor == t->accessor;
  EXPECT_TRUE(found);
  EXPECT_FALSE(root->LookupToken("../sys").ok()) << "an accessor that changes the path";

  auto h = root->AuditHash("token:" + t->accessor);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->rfind("hmac-sha256:", 0), 0u) << *h;
  auto hc = root->AuditHashContext({{"user", "alice"}});
  ASSERT_TRUE(hc.ok());
  EXPECT_NE(*hc, *h);
  auto pem = root->AuditPublicKey();
  ASSERT_TRUE(pem.ok());
  EXPECT_NE(pem->find("BEGIN PUBLIC KEY"), std::string::npos);
  EXPECT_FALSE(app_client->AuditPublicKey().ok()) << "needs the audit capability";

  auto locked = root->ListLockdowns();
  ASSERT_TRUE(locked.ok());
  EXPECT_TRUE(locked->empty());
  auto not_locked = root->Reinstate("token:" + t->accessor);
  ASSERT_FALSE(not_locked.ok());
  EXPECT_EQ(not_locked.reason(), "not_found");

  auto revoked = root->RevokeToken(t->accessor);
  ASSERT_TRUE(revoked.ok()) << revoked.status().ToString();
  EXPECT_EQ(*revoked, 1);
  auto gone = app_client->LookupToken("");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), Code::kUnauthenticated);
  ASSERT_TRUE(root->DeletePolicy("ops").ok());
  EXPECT_EQ(root->DeletePolicy("ops").reason(), "not_found");
}

}  // namespace
}  // namespace keep
