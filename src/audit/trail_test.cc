// The audit trail against real files: group commit from many threads, the verifier on
// every kind of tampering, continuation across restarts and crashes, rotation, HMAC'd
// fields, a full disk (RLIMIT_FSIZE) and a hung one (a FIFO nobody reads).
// Over 400 lines on purpose: the writer and the verifier are tested against each other on
// one fixture (every tampering, crash and rotation case is written by one, read by the other).
#include "audit/trail.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/json.hpp>

#include "audit/chain.h"
#include "common/encoding.h"
#include "common/json_text.h"
#include "crypto/random.h"
#include "crypto/sign.h"

namespace keep::audit {
namespace {

namespace fs = std::filesystem;

class TrailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int n = 0;
    dir_ = fs::temp_directory_path() /
           ("keep-audit-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto s = crypto::SecretBytes::Locked(64);
    ASSERT_TRUE(crypto::RandomFill(s.mutable_view()).ok());
    secret_ = std::make_shared<crypto::SecretBytes>(std::move(s));
    auto k = crypto::SigningKey::FromSeed(secret_->view().subspan(32, 32));
    ASSERT_TRUE(k.ok());
    public_key_ = k->public_key();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path() const { return (dir_ / "audit.log").string(); }
  TrailOptions Options() const {
    TrailOptions o;
    o.path = path();
    o.checkpoint_records = 25;
    o.node_id = "test";
    return o;
  }
  std::unique_ptr<FileTrail> OpenTrail(TrailOptions o) {
    auto t = FileTrail::Open(std::move(o), [this] { return sealed_ ? nullptr : secret_; });
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? std::move(*t) : nullptr;
  }
  static Event Ev(int i) {
    Event e;
    e.request_id = "req-" + std::to_string(i);
    e.identity = "token:0123456789abcdef";
    e.identity_name = "app";
    e.operation = "encrypt";
    e.key = "k" + std::to_string(i % 3);
    e.version = 1;
    e.status = 200;
    e.outcome = "ok";
    e.remote_address = "127.0.0.1";
    e.context = "tenant=acme-secret-context";
    return e;
  }
  void WriteRecords(int n) {
    auto t = OpenTrail(Options());
    ASSERT_TRUE(t);
    for (int i = 0; i < n; ++i) ASSERT_TRUE(t->Append(Ev(i)).ok());
    t->Close();
  }
  VerifyReport Verify(std::vector<std::string> files = {}, bool live = false) {
    if (files.empty()) files = {path()};
    return VerifyTrail(files, {public_key_, live});
  }
  std::vector<std::string> Lines() {
    std::ifstream in(path());
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }
  void Rewrite(const std::vector<std::string>& lines, bool final_newline = true) {
    std::ofstream out(path(), std::ios::trunc);
    for (size_t i = 0; i < lines.size(); ++i) {
      out << lines[i];
      if (i + 1 < lines.size() || final_newline) out << "\n";
    }
  }

  fs::path dir_;
  std::shared_ptr<crypto::SecretBytes> secret_;
  crypto::Ed25519PublicKey public_key_{};
  bool sealed_ = false;
};

TEST_F(TrailTest, ConcurrentAppendsAreGroupCommittedIntoOneValidChain) {
  auto t = OpenTrail(Options());
  ASSERT_TRUE(t);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int th = 0; th < 8; ++th) {
    threads.emplace_back([&, th] {
      for (int i = 0; i < 100; ++i) {
        if (!t->Append(Ev(th * 1000 + i)).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  t->Close();
  EXPECT_EQ(failures.load(), 0);
  const TrailStats st = t->stats();
  EXPECT_LT(st.batches, 800u) << "appends from 8 threads should share writes";
  auto r = Verify();
  ASSERT_TRUE(r.ok) << r.error << " at line " << r.line;
  EXPECT_TRUE(r.signatures_checked);
  EXPECT_EQ(r.first_seq, 1u);
  EXPECT_EQ(r.records, 1 + 800 + r.checkpoints);  // start record + events + checkpoints
  EXPECT_GE(r.checkpoints, 800u / (25 + 8));      // one per batch that reaches 25 records
  EXPECT_EQ(r.unsigned_tail, 0u);
}

TEST_F(TrailTest, SensitiveFieldsAreHmacdAndLookupsMatch) {
  WriteRecords(3);
  std::ifstream in(path());
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string all = ss.str();
  EXPECT_EQ(all.find("acme-secret-context"), std::string::npos);
  EXPECT_EQ(all.find("0123456789abcdef"), std::string::npos);
  auto t = OpenTrail(Options());
  auto id = t->HmacOf("token:0123456789abcdef");
  auto ctx = t->HmacOf("tenant=acme-secret-context");
  ASSERT_TRUE(id.ok() && ctx.ok());
  EXPECT_NE(all.find("\"identity\":\"" + *id + "\""), std::string::npos);
  EXPECT_NE(all.find("\"context\":\"" + *ctx + "\""), std::string::npos);
  EXPECT_NE(all.find("\"identity_name\":\"app\""), std::string::npos);
  auto pem = t->PublicKeyPem();
  ASSERT_TRUE(pem.ok());
  auto parsed = crypto::ParseEd25519PublicKeyPem(*pem);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, public_key_);
  t->Close();
}

TEST_F(TrailTest, VerifierFindsEveryKindOfTampering) {
  WriteRecords(60);
  const auto good = Lines();
  ASSERT_GT(good.size(), 60u);
  ASSERT_TRUE(Verify().ok);

  auto expect_bad = [&](const std::vector<std::string>& lines, uint64_t line, std::string_view what,
                        bool final_newline = true) {
    Rewrite(lines, final_newline);
    auto r = Verify();
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.line, line) << r.error;
    EXPECT_NE(r.error.find(what), std::string::npos) << r.error;
  };
  {  // modified: an outcome changed on line 10
    auto l = good;
    const size_t at = l[9].find("\"outcome\":\"ok\"");
    ASSERT_NE(at, std::string::npos);
    l[9].replace(at, 14, "\"outcome\":\"no\"");
    expect_bad(l, 10, "modified");
  }
  {  // deleted: line 10 removed
    auto l = good;
    l.erase(l.begin() + 9);
    expect_bad(l, 10, "deleted");
  }
  {  // inserted: a copy of line 5 inserted after line 10
    auto l = good;
    l.insert(l.begin() + 10, l[4]);
    expect_bad(l, 11, "inserted");
  }
  {  // reordered: lines 10 and 11 swapped
    auto l = good;
    std::swap(l[9], l[10]);
    expect_bad(l, 10, "deleted");  // seq jumps forward where 10's successor was due
  }
  {  // truncated: the closing checkpoint and two records removed
    auto l = good;
    l.resize(l.size() - 3);
    expect_bad(l, l.size(), "truncated");
  }
  {  // truncated mid-record
    auto l = good;
    l.back().resize(l.back().size() / 2);
    expect_bad(l, l.size(), "incomplete", /*final_newline=*/false);
  }
  {  // a checkpoint altered (its record count)
    auto l = good;
    size_t cp = 0;
    for (size_t i = 0; i < l.size() && !cp; ++i) {
      if (l[i].find("\"type\":\"checkpoint\"") != std::string::npos) cp = i;
    }
    ASSERT_GT(cp, 0u);
    const size_t at = l[cp].find("\"records\":");
    l[cp].replace(at, 11, "\"records\":9");
    expect_bad(l, cp + 1, "signature");
  }
  {  // the whole tail rewritten with consistent hashes still fails at the signature
    Rewrite(good);
    auto r = VerifyTrail({path()}, {crypto::Ed25519PublicKey{}, false});
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.error.find("signature"), std::string::npos);
  }
  {  // garbage line
    auto l = good;
    l[3] = "{\"seq\":\"four\"}";
    expect_bad(l, 4, "not an audit record");
  }
}

TEST_F(TrailTest, ReopeningContinuesTheChainAndNotesACrash) {
  WriteRecords(5);
  WriteRecords(5);  // a clean restart
  auto r = Verify();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.notes.empty());
  {  // a crash mid-write: a torn record at the end
    std::ofstream out(path(), std::ios::app);
    out << "{\"seq\":99,\"time\":\"2026";
  }
  auto t = OpenTrail(Options());
  ASSERT_TRUE(t->Append(Ev(1)).ok());
  t->Close();
  r = Verify();
  ASSERT_TRUE(r.ok) << r.error << " line " << r.line;
  ASSERT_FALSE(r.notes.empty());
  EXPECT_NE(r.notes[0].find("crash"), std::string::npos);
}

// Client bytes that are not UTF-8 (a path like "GET /\xff") are written as valid JSON:
// each bad byte becomes U+FFFD; every line parses strictly.
TEST_F(TrailTest, BlocksAreAllocatedAheadWithoutChangingTheSizeAndGivenBackOnClose) {
  auto t = OpenTrail(Options());
  ASSERT_TRUE(t);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(t->Append(Ev(i)).ok());
  struct stat open_st {};
  ASSERT_EQ(::stat(path().c_str(), &open_st), 0);
  // Readers see records only: the size ends at the last newline, no zero tail.
  std::ifstream in(path(), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  ASSERT_EQ(bytes.size(), static_cast<size_t>(open_st.st_size));
  EXPECT_EQ(bytes.back(), '\n');
  EXPECT_EQ(bytes.find('\0'), std::string::npos);
  // ext4 and tmpfs both allocate ahead (this test's directory is on one of them).
  EXPECT_GE(static_cast<uint64_t>(open_st.st_blocks) * 512, 1u << 20)
      << "the trail's blocks were not allocated ahead of its " << open_st.st_size << " bytes";
  t->Close();
  struct stat closed_st {};
  ASSERT_EQ(::stat(path().c_str(), &closed_st), 0);
  EXPECT_GT(closed_st.st_size, open_st.st_size);  // the final checkpoint
  EXPECT_LT(static_cast<uint64_t>(closed_st.st_blocks) * 512,
            static_cast<uint64_t>(closed_st.st_size) + 65536);
  EXPECT_TRUE(Verify().ok);
  WriteRecords(3);  // reopened: continues the chain from the exact end
  EXPECT_TRUE(Verify().ok);
}

TEST_F(TrailTest, BytesThatAreNotUtf8AreWrittenAsValidJson) {
  auto t = OpenTrail(Options());
  ASSERT_TRUE(t);
  Event e = Ev(0);
  e.operation = "GET /\xff\xfe";
  e.key = "k\xC0\x80";
  e.identity_name = "caf\xC3\xA9 \xED\xA0\x80";
  e.remote_address = "1.2.3.4\n{\"forged\":1}";
  e.detail = std::string("nul\0byte", 8);
  ASSERT_TRUE(t->Append(e).ok());
  t->Close();
  bool found = false;
  for (const auto& line : Lines()) {
    EXPECT_TRUE(IsValidUtf8(line)) << line;
    boost::system::error_code ec;
    boost::json::parse(line, ec);  // strict: rejects invalid UTF-8
    EXPECT_FALSE(ec) << ec.message() << ": " << line;
    if (line.find("\"operation\":\"GET /\xEF\xBF\xBD\xEF\xBF\xBD\"") != std::string::npos) {
      found = true;
      EXPECT_NE(line.find("\"identity_name\":\"caf\xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""),
                std::string::npos);
      EXPECT_NE(line.find("\"remote\":\"1.2.3.4\\n{\\\"forged"), std::string::npos) << line;
      EXPECT_NE(line.find("\"detail\":\"nul\\u0000byte\""), std::string::npos) << line;
    }
  }
  EXPECT_TRUE(found);
  auto r = Verify();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.notes.empty());
}

// A trail written before that fix can end with a record holding raw invalid UTF-8 (keepd
// died right after it). Verification explains it instead of stopping there, and keepd
// opens the trail and continues the chain.
TEST_F(TrailTest, AnEarlierTrailWithRawInvalidUtf8IsDiagnosedAndReopened) {
  WriteRecords(3);
  auto lines = Lines();
  ASSERT_FALSE(lines.empty());
  auto last = boost::json::parse(lines.back()).as_object();
  const uint64_t seq = static_cast<uint64_t>(last.at("seq").as_int64()) + 1;
  lines.push_back("{\"seq\":" + std::to_string(seq) +
                  ",\"time\":\"2026-11-30T10:00:00.000Z\",\"type\":\"request\",\"operation\":"
                  "\"GET /\xff\",\"status\":404,\"outcome\":\"not_found\",\"prev\":\"" +
                  HexEncode(LineHash(lines.back())) + "\"}");
  Rewrite(lines);
  auto r = Verify({}, /*live=*/true);
  ASSERT_TRUE(r.ok) << r.error << " line " << r.line;
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("not UTF-8"), std::string::npos) << r.notes[0];
  EXPECT_NE(r.notes[0].find("seq " + std::to_string(seq)), std::string::npos) << r.notes[0];
  auto t = OpenTrail(Options());  // refused before the fix: "does not end with an audit record"
  ASSERT_TRUE(t);
  ASSERT_TRUE(t->Append(Ev(9)).ok());
  t->Close();
  r = Verify();
  ASSERT_TRUE(r.ok) << r.error << " line " << r.line;
  EXPECT_EQ(r.last_seq, seq + 3);  // start, the record, the closing checkpoint
}

TEST_F(TrailTest, RotationKeepsOneChainAcrossFiles) {
  TrailOptions o = Options();
  o.max_bytes = 8 * 1024;
  auto t = OpenTrail(o);
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(t->Append(Ev(i)).ok());
  t->Close();
  EXPECT_GE(t->stats().rotations, 2u);
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir_)) {
    if (e.path().string() != path()) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  files.push_back(path());
  auto r = Verify(files);
  ASSERT_TRUE(r.ok) << r.error << " " << r.file << ":" << r.line;
  // The current file alone verifies too, noting that it continues an earlier one.
  auto alone = Verify({path()});
  ASSERT_TRUE(alone.ok) << alone.error;
  EXPECT_GT(alone.first_seq, 1u);
  // Leaving out a middle file is a deletion.
  if (files.size() >= 3) {
    files.erase(files.begin() + 1);
    EXPECT_FALSE(Verify(files).ok);
  }
}

TEST_F(TrailTest, WhileSealedThereAreNoCheckpointsAndTheFileStaysOpen) {
  sealed_ = true;
  auto t = OpenTrail(Options());
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(t->Append(Ev(i)).ok());
  EXPECT_FALSE(t->HmacOf("x").ok());
  t->Close();
  const std::string all = [&] {
    std::ifstream in(path());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }();
  EXPECT_NE(all.find("hmac-unavailable"), std::string::npos);
  EXPECT_EQ(all.find("acme-secret-context"), std::string::npos);
  auto r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("truncated"), std::string::npos);
  auto live = Verify({}, /*live=*/true);
  ASSERT_TRUE(live.ok) << live.error;
  EXPECT_EQ(live.checkpoints, 0u);
  EXPECT_EQ(live.unsigned_tail, 41u);
}

TEST_F(TrailTest, AFullDiskFailsAppendsAndLeavesNoPartialRecord) {
  auto t = OpenTrail(Options());
  ASSERT_TRUE(t->Append(Ev(0)).ok());
  // Simulate a full disk: the file may not grow past its size + 4 KiB.
  struct rlimit old;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  auto prev_handler = signal(SIGXFSZ, SIG_IGN);
  struct rlimit lim = old;
  lim.rlim_cur = fs::file_size(path()) + 4096;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
  int ok = 0, failed = 0;
  for (int i = 1; i < 100; ++i) {
    Status s = t->Append(Ev(i));
    if (s.ok()) {
      ++ok;
    } else {
      ++failed;
      EXPECT_EQ(s.reason(), "audit_unavailable");
    }
  }
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &old), 0);
  signal(SIGXFSZ, prev_handler);
  EXPECT_GT(ok, 0);
  EXPECT_GT(failed, 50);
  EXPECT_EQ(t->stats().failures, static_cast<uint64_t>(failed));
  // Space again: appends succeed and the chain is intact (no partial line left behind).
  ASSERT_TRUE(t->Append(Ev(200)).ok());
  t->Close();
  auto r = Verify();
  ASSERT_TRUE(r.ok) << r.error << " line " << r.line;
}

TEST_F(TrailTest, AHungDiskFailsAppendsWithinTheTimeout) {
  const std::string fifo = (dir_ / "fifo").string();
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const int keep_open = ::open(fifo.c_str(), O_RDWR);  // so opening for writing does not block
  ASSERT_GE(keep_open, 0);
  TrailOptions o = Options();
  o.path = fifo;
  o.write_timeout_ms = 300;
  o.fsync = false;
  auto t = OpenTrail(o);
  ASSERT_TRUE(t);
  // Nobody reads: the pipe fills (64 KiB) and the writer blocks.
  Status last;
  int appended = 0;
  for (int i = 0; i < 2000 && last.ok(); ++i) {
    last = t->Append(Ev(i));
    if (last.ok()) ++appended;
  }
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.reason(), "audit_unavailable");
  EXPECT_GT(appended, 50);
  const auto t0 = std::chrono::steady_clock::now();
  Status again = t->Append(Ev(1));
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_FALSE(again.ok());
  EXPECT_LT(waited, std::chrono::seconds(3));
  // Unblock the writer so the trail can close.
  std::atomic<bool> done{false};
  std::thread drain([&] {
    char buf[65536];
    while (!done) {
      if (::read(keep_open, buf, sizeof buf) <= 0) break;
    }
  });
  t->Close();
  done = true;
  ::close(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK));  // wake the reader
  int w = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
  if (w >= 0) {
    (void)!::write(w, "x", 1);
    ::close(w);
  }
  drain.join();
  ::close(keep_open);
}

// The two-line trail published in docs/formats.md §7 (made independently in Python)
// verifies, and any change to it does not.
TEST(AuditVector, PublishedTrailVerifies) {
  std::ifstream in(std::string(KEEP_SOURCE_DIR) + "/docs/formats.md");
  std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t b = doc.find("<!-- audit-vector-begin -->");
  const size_t e = doc.find("<!-- audit-vector-end -->");
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  std::stringstream lines(doc.substr(b, e - b));
  std::string trail, line;
  std::getline(lines, line);  // the marker
  while (std::getline(lines, line)) {
    if (line.rfind("    ", 0) == 0) trail += line.substr(4) + "\n";
  }
  const fs::path dir = fs::temp_directory_path() / ("keep-vector-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string file = (dir / "vector.log").string();
  std::ofstream(file) << trail;
  auto pk = HexDecode("8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c");
  ASSERT_TRUE(pk.ok());
  crypto::Ed25519PublicKey key{};
  std::copy(pk->begin(), pk->end(), key.begin());
  auto seed_key = crypto::SigningKey::FromSeed(Bytes(32, 1));
  ASSERT_TRUE(seed_key.ok());
  EXPECT_EQ(seed_key->public_key(), key);
  auto r = VerifyTrail({file}, {key, false});
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.records, 2u);
  EXPECT_EQ(r.checkpoints, 1u);
  EXPECT_EQ(HexEncode(LineHash(trail.substr(0, trail.find('\n')))),
            "f1b74ce8a4ceee4b2c5f399e5a7eaac67b735a0a993a74d7095958a38df03c69");
  std::string changed = trail;
  changed[changed.find("a1b2")] = 'b';
  std::ofstream(file) << changed;
  EXPECT_FALSE(VerifyTrail({file}, {key, false}).ok);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace keep::audit
