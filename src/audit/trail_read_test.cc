// FileTrail::Recent against a real trail file: the newest records first across 64 KiB
// read chunks, filters, paging by seq, the newest checkpoint, a half-written last line
// skipped, and verification that finds a changed record.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <boost/json.hpp>

#include "audit/chain.h"
#include "audit/trail.h"
#include "crypto/random.h"

namespace keep::audit {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

class TrailRead : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("keep-trail-read-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto s = crypto::SecretBytes::Locked(64);
    ASSERT_TRUE(crypto::RandomFill(s.mutable_view()).ok());
    secret_ = std::make_shared<crypto::SecretBytes>(std::move(s));
    TrailOptions o;
    o.path = (dir_ / "audit.log").string();
    o.checkpoint_records = 100;
    o.fsync = false;  // the reading is under test, not the disk
    o.node_id = "test";
    auto t = FileTrail::Open(o, [this] { return secret_; });
    ASSERT_TRUE(t.ok()) << t.status();
    trail_ = std::move(*t);
    for (int i = 0; i < 1500; ++i) {  // ~400 KiB: several read chunks
      Event e;
      e.request_id = "req-" + std::to_string(i);
      e.identity = "anonymous";
      e.operation = i % 2 ? "encrypt" : "decrypt";
      e.key = "k" + std::to_string(i % 3);
      e.status = i % 10 ? 200 : 403;
      e.outcome = i % 10 ? "ok" : "forbidden";
      e.remote_address = "127.0.0.1";
      e.detail = std::string(200, 'x');
      ASSERT_TRUE(trail_->Append(e).ok());
    }
  }
  void TearDown() override {
    trail_.reset();
    fs::remove_all(dir_);
  }
  static uint64_t Seq(const std::string& line) {
    return json::parse(line).as_object().at("seq").to_number<uint64_t>();
  }
  fs::path dir_;
  std::shared_ptr<crypto::SecretBytes> secret_;
  std::unique_ptr<FileTrail> trail_;
};

TEST_F(TrailRead, NewestFirstWithFiltersAndPaging) {
  RecentQuery q;
  q.limit = 500;
  auto r = trail_->Recent(q);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->lines.size(), 500u);
  for (size_t i = 1; i < r->lines.size(); ++i) {
    EXPECT_EQ(Seq(r->lines[i]), Seq(r->lines[i - 1]) - 1) << "in order, none skipped or cut";
  }
  EXPECT_FALSE(r->last_checkpoint.empty());
  EXPECT_EQ(json::parse(r->last_checkpoint).as_object().at("type").as_string(), "checkpoint");

  q.limit = 20;
  q.operation = "decrypt";
  q.outcome = "forbidden";
  q.key = "k0";
  r = trail_->Recent(q);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->lines.size(), 20u);
  for (const auto& l : r->lines) {
    const auto o = json::parse(l).as_object();
    EXPECT_EQ(o.at("operation").as_string(), "decrypt");
    EXPECT_EQ(o.at("outcome").as_string(), "forbidden");
    EXPECT_EQ(o.at("key").as_string(), "k0");
  }
  // The next page starts below the last seq seen.
  q.before_seq = Seq(r->lines.back());
  auto next = trail_->Recent(q);
  ASSERT_TRUE(next.ok());
  ASSERT_FALSE(next->lines.empty());
  EXPECT_LT(Seq(next->lines.front()), q.before_seq);
}

TEST_F(TrailRead, AHalfWrittenLineIsSkippedAndVerificationFindsAChange) {
  trail_->Close();
  const std::string path = (dir_ / "audit.log").string();
  std::ofstream(path, std::ios::app) << R"({"seq":99999,"time":"half)";  // no newline yet
  RecentQuery q;
  q.limit = 3;
  q.verify = true;
  auto r = trail_->Recent(q);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->lines.size(), 3u);
  EXPECT_NE(Seq(r->lines[0]), 99999u);
  ASSERT_TRUE(r->verification.has_value());
  EXPECT_FALSE(r->verification->ok) << "a torn tail is reported by the verifier";

  // A record changed in the middle: the verifier names the line after it.
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(f)), {});
  all.resize(all.rfind('\n') + 1);
  const size_t at = all.find("req-700");
  ASSERT_NE(at, std::string::npos);
  all[at + 4] = '8';
  std::ofstream(path, std::ios::trunc | std::ios::binary) << all;
  r = trail_->Recent(q);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->verification->ok);
  EXPECT_GT(r->verification->line, 700u);
  EXPECT_TRUE(r->verification->signatures_checked);
}

}  // namespace
}  // namespace keep::audit
