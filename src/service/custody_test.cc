// Root-key custody through the Service: Shamir init/unseal as a state machine, the
// any-M-open / M-1-do-not property, duplicates, reset, foreign and altered shares,
// encrypted shares, rekey, keyring re-encryption and sealing under load.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <random>
#include <thread>

#include "crypto/fixture_keys.h"
#include "crypto/random.h"
#include "seal/provider.h"
#include "service/service.h"
#include "store/sqlite_store.h"

namespace keep::service {
namespace {

namespace fs = std::filesystem;

std::string Text(const crypto::SecretBytes& s) {
  return std::string(AsChars(s.view()));
}

class CustodyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("keep-custody-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    svc_.reset();
    fs::remove_all(dir_);
  }
  // A fresh process on the same store: sealed, nothing in memory.
  void Restart(const std::string& db = "keep.db") {
    svc_.reset();
    auto st = store::OpenSqliteStore((dir_ / db).string());
    ASSERT_TRUE(st.ok());
    svc_ = std::make_unique<Service>(std::move(st).value(), std::make_unique<seal::ShamirSeal>());
  }
  std::vector<std::string> InitShares(int n, int m, const std::string& db = "keep.db") {
    Restart(db);
    auto init = svc_->custody().Init({n, m, {}});
    EXPECT_TRUE(init.ok()) << init.status();
    std::vector<std::string> out;
    if (!init.ok()) return out;
    EXPECT_EQ(init->share_kind, "unseal");
    for (const auto& s : init->shares) out.push_back(Text(s));
    token_ = Text(init->root_token);
    return out;
  }
  fs::path dir_;
  std::unique_ptr<Service> svc_;
  std::string token_;
  RequestContext ctx_{"req", "127.0.0.1", {"token:t", "t", {"root"}}};
};

TEST_F(CustodyTest, AnyThresholdOfSharesOpensAndOneFewerDoesNot) {
  std::mt19937 rng(20261122);
  int cases = 0;
  for (int round = 0; round < 40; ++round) {
    const int n = 1 + static_cast<int>(rng() % (round < 30 ? 9 : 40));
    const int m = 1 + static_cast<int>(rng() % n);
    auto shares = InitShares(n, m, "p" + std::to_string(round) + ".db");
    ASSERT_EQ(shares.size(), static_cast<size_t>(n));
    ASSERT_TRUE(svc_->CreateKey(ctx_, {"k"}).ok());
    auto ct = svc_->Encrypt(ctx_, "k", AsBytes("payload"), {});
    ASSERT_TRUE(ct.ok());
    for (int trial = 0; trial < 3; ++trial) {
      Restart("p" + std::to_string(round) + ".db");
      ASSERT_TRUE(svc_->custody().IsSealed());
      std::vector<int> order(n);
      for (int i = 0; i < n; ++i) order[i] = i;
      std::shuffle(order.begin(), order.end(), rng);
      for (int i = 0; i < m - 1; ++i) {
        auto st = svc_->custody().SubmitUnsealShare(shares[order[i]]);
        ASSERT_TRUE(st.ok()) << st.status();
        EXPECT_TRUE(st->sealed) << "n=" << n << " m=" << m << ": " << i + 1 << " shares opened it";
        EXPECT_EQ(st->progress, i + 1);
        EXPECT_EQ(st->threshold, m);
        // Giving the same share again does not count twice.
        auto dup = svc_->custody().SubmitUnsealShare(shares[order[i]]);
        ASSERT_TRUE(dup.ok());
        EXPECT_TRUE(dup->duplicate);
        EXPECT_EQ(dup->progress, i + 1);
        EXPECT_TRUE(dup->sealed);
      }
      EXPECT_EQ(svc_->Decrypt(ctx_, "", ct->ciphertext, {}).status().reason(), "sealed");
      auto last = svc_->custody().SubmitUnsealShare(shares[order[m - 1]]);
      ASSERT_TRUE(last.ok()) << last.status();
      EXPECT_FALSE(last->sealed) << "n=" << n << " m=" << m;
      auto d = svc_->Decrypt(ctx_, "", ct->ciphertext, {});
      ASSERT_TRUE(d.ok()) << d.status();
      EXPECT_TRUE(d->plaintext.Equals(AsBytes("payload")));
      ++cases;
    }
  }
  EXPECT_EQ(cases, 120);
}

TEST_F(CustodyTest, ProgressResetForeignAlteredAndWrongKindShares) {
  auto shares = InitShares(5, 3);
  auto other = InitShares(5, 3, "other.db");  // another server's share set
  Restart();
  auto st = svc_->custody().SubmitUnsealShare(shares[0]);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->progress, 1);
  auto foreign = svc_->custody().SubmitUnsealShare(other[1]);
  EXPECT_EQ(foreign.status().reason(), "invalid_share");
  EXPECT_NE(foreign.status().message().find("belongs to another share set"), std::string::npos);
  std::string typo = shares[1];
  typo[20] = typo[20] == 'a' ? 'b' : 'a';
  EXPECT_NE(svc_->custody().SubmitUnsealShare(typo).status().message().find("mistyped"),
            std::string::npos);
  EXPECT_EQ(svc_->custody().GetSealStatus()->progress, 1) << "refused shares do not count";
  // A forged share with a valid checksum but another y is caught by the verifier.
  auto decoded = seal::DecodeShare(shares[1]);
  ASSERT_TRUE(decoded.ok());
  decoded->share.y.data()[0] ^= 1;
  const std::string forged =
      Text(seal::EncodeShare(decoded->kind, decoded->set_id, decoded->threshold, decoded->share));
  auto f = svc_->custody().SubmitUnsealShare(forged);
  EXPECT_NE(f.status().message().find("was altered"), std::string::npos) << f.status();
  // A recovery share where unseal shares are expected.
  const std::string recovery =
      Text(seal::EncodeShare(seal::ShareKind::kRecovery, decoded->set_id, 3, decoded->share));
  EXPECT_NE(svc_->custody().SubmitUnsealShare(recovery).status().message().find("recovery share"),
            std::string::npos);
  // Reset clears the progress; the same shares then count again.
  EXPECT_EQ(svc_->custody().ResetUnseal().progress, 0);
  EXPECT_EQ(svc_->custody().SubmitUnsealShare(shares[0])->progress, 1);
  EXPECT_EQ(svc_->custody().SubmitUnsealShare(shares[3])->progress, 2);
  EXPECT_FALSE(svc_->custody().SubmitUnsealShare(shares[4])->sealed);
  // Unsealed: another share is a no-op, not an error.
  EXPECT_FALSE(svc_->custody().SubmitUnsealShare(shares[1])->sealed);
  // Seal wipes; the progress starts from zero.
  ASSERT_TRUE(svc_->custody().Seal().ok());
  EXPECT_TRUE(svc_->custody().IsSealed());
  EXPECT_EQ(svc_->custody().GetSealStatus()->progress, 0);
  EXPECT_EQ(svc_->directory().tokens().Lookup(token_).status().reason(), "sealed");
}

TEST_F(CustodyTest, InitOptionsAreChecked) {
  Restart();
  EXPECT_EQ(svc_->custody().Init({}).status().code(), Code::kInvalidArgument)
      << "shamir needs shares";
  EXPECT_EQ(svc_->custody().Init({3, 4, {}}).status().code(), Code::kInvalidArgument);
  auto custodian = crypto::GeneratePrivateKey(crypto::KeyType::kX25519);
  EXPECT_NE(svc_->custody()
                .Init({2, 2, {custodian->public_key()}})
                .status()
                .message()
                .find("one share recipient per share"),
            std::string::npos);
  EXPECT_FALSE(svc_->custody().GetHealth()->initialized) << "a refused init leaves nothing behind";
}

TEST_F(CustodyTest, SharesEncryptedToCustodiansOpenOnlyWithTheirKeys) {
  Restart();
  auto x = crypto::GeneratePrivateKey(crypto::KeyType::kX25519);
  std::optional<crypto::PrivateKey> r = crypto::testing::FixtureRsa3072();
  auto init = svc_->custody().Init({2, 2, {x->public_key(), r->public_key()}});
  ASSERT_TRUE(init.ok()) << init.status();
  const std::string s0 = Text(init->shares[0]), s1 = Text(init->shares[1]);
  EXPECT_EQ(s0.substr(0, 9), "kshare1e-");
  Restart();
  EXPECT_NE(svc_->custody().SubmitUnsealShare(s0).status().message().find("encrypted"),
            std::string::npos);
  EXPECT_FALSE(seal::DecryptShare(*r, s0).ok()) << "share 0 is for the X25519 custodian";
  auto p0 = seal::DecryptShare(*x, s0);
  auto p1 = seal::DecryptShare(*r, s1);
  ASSERT_TRUE(p0.ok() && p1.ok());
  EXPECT_TRUE(svc_->custody().SubmitUnsealShare(Text(*p0))->sealed);
  EXPECT_FALSE(svc_->custody().SubmitUnsealShare(Text(*p1))->sealed);
}

TEST_F(CustodyTest, RekeyReplacesTheShareSetAndOldSharesStopWorking) {
  auto old_shares = InitShares(3, 2);
  ASSERT_TRUE(svc_->CreateKey(ctx_, {"k"}).ok());
  auto ct = svc_->Encrypt(ctx_, "k", AsBytes("kept"), {});
  EXPECT_EQ(svc_->custody().RekeySubmit("x", old_shares[0]).status().code(), Code::kNotFound);
  auto start = svc_->custody().RekeyStart({5, 3, {}});
  ASSERT_TRUE(start.ok()) << start.status();
  EXPECT_EQ(start->required, 2);
  EXPECT_EQ(start->nonce.size(), 32u);
  EXPECT_EQ(svc_->custody().RekeyStart({5, 3, {}}).status().reason(), "rekey_in_progress");
  EXPECT_EQ(svc_->custody().RekeySubmit("wrong", old_shares[0]).status().code(),
            Code::kInvalidArgument);
  auto u1 = svc_->custody().RekeySubmit(start->nonce, old_shares[2]);
  ASSERT_TRUE(u1.ok());
  EXPECT_FALSE(u1->complete);
  EXPECT_EQ(u1->status.progress, 1);
  EXPECT_TRUE(svc_->custody().RekeySubmit(start->nonce, old_shares[2])->status.progress == 1)
      << "duplicates do not count";
  auto done = svc_->custody().RekeySubmit(start->nonce, old_shares[0]);
  ASSERT_TRUE(done.ok()) << done.status();
  ASSERT_TRUE(done->complete);
  ASSERT_EQ(done->shares.size(), 5u);
  EXPECT_FALSE(svc_->custody().GetRekeyStatus().started);
  EXPECT_FALSE(svc_->custody().IsSealed()) << "rekey does not interrupt service";
  EXPECT_TRUE(svc_->Decrypt(ctx_, "", ct->ciphertext, {}).ok());
  Restart();
  auto refused = svc_->custody().SubmitUnsealShare(old_shares[0]);
  EXPECT_NE(refused.status().message().find("another share set"), std::string::npos);
  for (int i : {4, 1})
    EXPECT_TRUE(svc_->custody().SubmitUnsealShare(Text(done->shares[i]))->sealed);
  EXPECT_FALSE(svc_->custody().SubmitUnsealShare(Text(done->shares[2]))->sealed);
  auto d = svc_->Decrypt(ctx_, "", ct->ciphertext, {});
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->plaintext.Equals(AsBytes("kept")));
  // Cancel.
  auto again = svc_->custody().RekeyStart({2, 1, {}});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(svc_->custody().RekeyCancel().ok());
  EXPECT_EQ(svc_->custody().RekeyCancel().code(), Code::kNotFound);
}

TEST_F(CustodyTest, RotationReencryptsEveryRecordInTheBackground) {
  auto shares = InitShares(1, 1);
  std::vector<std::string> cts;
  for (int i = 0; i < 150; ++i) {
    ASSERT_TRUE(svc_->CreateKey(ctx_, {"key-" + std::to_string(i)}).ok());
    cts.push_back(svc_->Encrypt(ctx_, "key-" + std::to_string(i), AsBytes("v"), {})->ciphertext);
  }
  auto term = svc_->custody().RotateKeyring();
  ASSERT_TRUE(term.ok());
  EXPECT_EQ(*term, 2u);
  // Keep writing while it runs: new records go straight to the new term.
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(svc_->RotateKey(ctx_, "key-" + std::to_string(i)).ok());
  ASSERT_TRUE(svc_->WaitReencryptionIdle(20000));
  KeyringStatus ks = svc_->GetKeyringStatus();
  EXPECT_EQ(ks.active_term, 2u);
  EXPECT_EQ(ks.terms, (std::vector<uint32_t>{1, 2}));
  EXPECT_FALSE(ks.reencrypting);
  EXPECT_GT(ks.last_completed, 0);
  // Every record is under term 2 now: check the store itself after a restart.
  Restart();
  ASSERT_FALSE(svc_->custody().SubmitUnsealShare(shares[0])->sealed);
  ASSERT_TRUE(svc_->WaitReencryptionIdle(20000));
  EXPECT_GT(svc_->GetKeyringStatus().last_completed, 0) << "the recount finds nothing left";
  EXPECT_EQ(svc_->GetKeyringStatus().old_records, 0u);
  for (const auto& c : cts) ASSERT_TRUE(svc_->Decrypt(ctx_, "", c, {}).ok());
}

TEST_F(CustodyTest, SealUnderLoadReturnsNoDataAfterwards) {
  auto shares = InitShares(1, 1);
  ASSERT_TRUE(svc_->CreateKey(ctx_, {"k"}).ok());
  auto ct = svc_->Encrypt(ctx_, "k", AsBytes("secret"), {});
  std::atomic<bool> sealed_done{false}, stop{false};
  std::atomic<int> ok_before{0}, ok_after{0}, wrong{0}, sealed_errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      while (!stop) {
        const bool after = sealed_done.load();
        auto d = svc_->Decrypt(ctx_, "", ct->ciphertext, {});
        if (d.ok()) {
          (after ? ok_after : ok_before)++;
          if (!d->plaintext.Equals(AsBytes("secret"))) wrong++;
        } else if (d.status().reason() == "sealed") {
          sealed_errors++;
        } else {
          wrong++;  // never a misleading error (not_found, data_loss) during a seal
        }
      }
    });
  }
  while (ok_before < 2000) std::this_thread::yield();
  ASSERT_TRUE(svc_->custody().Seal().ok());
  sealed_done = true;
  while (sealed_errors < 1000) std::this_thread::yield();  // plenty of attempts after it
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok_after, 0) << "a request started after the seal returned data";
  EXPECT_EQ(wrong, 0);
  EXPECT_GT(sealed_errors, 0);
}

}  // namespace
}  // namespace keep::service
