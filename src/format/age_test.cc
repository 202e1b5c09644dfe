// age v1: round trips at the chunk boundaries, interoperability with Debian's age and
// age-keygen in both directions, and every kind of damage refused.
#include "format/age.h"
#include "format/age_test_util.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace keep::format::age {
namespace {

namespace fs = std::filesystem;
using testing::Open;
using testing::Pattern;
using testing::Seal;
using testing::Slurp;

std::string Shell(const std::string& cmd, int* rc = nullptr) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = ::pclose(p);
  if (rc) *rc = st;
  return out;
}

class Age : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("keep-age-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(Age, RoundTripsAtEveryChunkBoundaryToSeveralRecipients) {
  auto a = GenerateIdentity(), b = GenerateIdentity();
  ASSERT_TRUE(a.ok() && b.ok());
  for (size_t n : {size_t{0}, size_t{1}, size_t{65535}, size_t{65536}, size_t{65537},
                   size_t{3 * 65536}, size_t{200000}}) {
    const std::string plain = Pattern(n);
    const std::string file = Seal({RecipientOf(*a), RecipientOf(*b)}, plain);
    EXPECT_TRUE(LooksLikeAge(file));
    std::vector<Identity> only_b;
    only_b.push_back(*ParseIdentity(std::string_view(IdentityString(*b))));
    auto back = Open(only_b, file);
    ASSERT_TRUE(back.ok()) << n << ": " << back.status();
    EXPECT_EQ(*back, plain) << n;
  }
}

TEST_F(Age, KeysRoundTripAndRefuseTypos) {
  auto id = GenerateIdentity();
  ASSERT_TRUE(id.ok());
  const std::string r = RecipientString(id->public_key);
  EXPECT_EQ(r.rfind("age1", 0), 0u);
  EXPECT_EQ(ParseRecipient(r)->x25519, id->public_key);
  std::string typo = r;
  typo[10] = typo[10] == 'q' ? 'p' : 'q';
  EXPECT_NE(ParseRecipient(typo).status().message().find("checksum"), std::string::npos);
  std::string upper = r;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_FALSE(ParseRecipient(upper).ok());
  EXPECT_FALSE(ParseRecipient("age1").ok());
  EXPECT_FALSE(ParseRecipient("agf1qqqqqqqq").ok());
  const std::string secret(IdentityString(*id));
  EXPECT_EQ(secret.rfind("AGE-SECRET-KEY-1", 0), 0u);
  auto again = ParseIdentity(secret);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->public_key, id->public_key);
  std::string lower = secret;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_FALSE(ParseIdentity(lower).ok()) << "identities are upper case";
  EXPECT_FALSE(ParseIdentity(r).ok()) << "a recipient is not an identity";
  auto file = ParseIdentityFile("# created: now\n# public key: " + r + "\n" + secret + "\n");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->size(), 1u);
  EXPECT_FALSE(ParseIdentityFile("# nothing here\n").ok());
}

TEST_F(Age, DebiansAgeReadsOursAndWeReadItsFiles) {
  int rc = 0;
  Shell("age-keygen -o " + (dir_ / "id.txt").string() + " 2>&1", &rc);
  ASSERT_EQ(rc, 0) << "age-keygen (Debian's age) is needed: scripts/bootstrap.sh installs it";
  const std::string id_text = Slurp(dir_ / "id.txt");
  auto ids = ParseIdentityFile(id_text);
  ASSERT_TRUE(ids.ok()) << ids.status();
  // The public key age-keygen printed is the one we derive.
  const std::string pub = Shell("age-keygen -y " + (dir_ / "id.txt").string());
  EXPECT_EQ(pub, RecipientString((*ids)[0].public_key) + "\n");

  for (size_t n : {size_t{0}, size_t{65536}, size_t{100000}}) {
    const std::string plain = Pattern(n);
    // Ours → age.
    std::ofstream(dir_ / "ours.age", std::ios::binary) << Seal({RecipientOf((*ids)[0])}, plain);
    Shell("age -d -i " + (dir_ / "id.txt").string() + " -o " + (dir_ / "ours.out").string() + " " +
              (dir_ / "ours.age").string() + " 2>&1",
          &rc);
    EXPECT_EQ(rc, 0) << n;
    EXPECT_EQ(Slurp(dir_ / "ours.out"), plain) << n;
    // age → ours.
    std::ofstream(dir_ / "plain", std::ios::binary) << plain;
    Shell("age -r " + pub.substr(0, pub.size() - 1) + " -o " + (dir_ / "theirs.age").string() +
              " " + (dir_ / "plain").string() + " 2>&1",
          &rc);
    ASSERT_EQ(rc, 0);
    auto back = Open(*ids, Slurp(dir_ / "theirs.age"));
    ASSERT_TRUE(back.ok()) << n << ": " << back.status();
    EXPECT_EQ(*back, plain) << n;
  }
}

TEST_F(Age, DamageIsRefusedAndAStrangerGetsWrongKey) {
  auto id = GenerateIdentity(), stranger = GenerateIdentity();
  ASSERT_TRUE(id.ok() && stranger.ok());
  std::vector<Identity> mine;
  mine.push_back(std::move(*id));
  std::vector<Identity> theirs;
  theirs.push_back(std::move(*stranger));
  const std::string plain = Pattern(70000);
  const std::string good = Seal({RecipientOf(mine[0])}, plain);
  EXPECT_EQ(Open(theirs, good).status().reason(), "wrong_key");
  const size_t header_end =
      good.find("\n---") + 1 + good.substr(good.find("\n---") + 1).find('\n') + 1;
  // Every single-byte change in the header and the first bytes of the payload, and some
  // later ones, is refused (never a crash, never accepted).
  for (size_t i = 0; i < good.size(); i += (i < header_end + 64 ? 1 : 4099)) {
    std::string bad = good;
    bad[i] ^= 0x01;
    auto r = Open(mine, bad);
    EXPECT_FALSE(r.ok() && *r == plain) << "byte " << i << " changed and still opened";
  }
  for (size_t n : {size_t{0}, size_t{10}, header_end - 1, header_end + 8, header_end + 16,
                   good.size() - 1, good.size() - 65536}) {
    EXPECT_FALSE(Open(mine, good.substr(0, n)).ok()) << "truncated at " << n;
  }
  EXPECT_FALSE(Open(mine, good + "x").ok()) << "trailing data";
  const std::string intro = "age-encryption.org/v1\n";
  EXPECT_NE(Open(mine, intro + "--- AAAA\n").status().message().find("no recipient"),
            std::string::npos);
  EXPECT_FALSE(Open(mine, intro + "-> X25519\n\n--- " + std::string(43, 'A') + "\n").ok());
  EXPECT_FALSE(Open(mine, intro + "-> X25519 " + std::string(5000, 'A') + "\n").ok());
  EXPECT_EQ(Open(mine, "age-encryption.org/v2\n").status().reason(), "invalid_file");
  EXPECT_EQ(Open(mine, intro + "-> scrypt c2FsdA 18\n" + std::string(43, 'A') + "\n--- " +
                           std::string(43, 'A') + "\n")
                .status()
                .reason(),
            "wrong_key");
}

}  // namespace
}  // namespace keep::format::age
