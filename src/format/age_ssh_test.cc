// age v1 with SSH keys and ASCII armor, against Debian's age: files keep encrypts to
// ssh-ed25519 and ssh-rsa public keys open with age -d -i on the private key and the other
// way round; armored files go both ways; armor that is not strict PEM is refused.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "format/age.h"
#include "format/age_test_util.h"

namespace keep::format::age {
namespace {

namespace fs = std::filesystem;
using testing::Open;
using testing::Pattern;
using testing::Seal;
using testing::Slurp;

int Sh(const std::string& cmd) {
  return std::system((cmd + " </dev/null >/dev/null 2>&1").c_str());
}

void Put(const fs::path& p, const std::string& s) {
  std::ofstream(p, std::ios::binary) << s;
}

class AgeSsh : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("keep-age-ssh-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string P(const std::string& name) const { return (dir_ / name).string(); }
  void Keygen(const std::string& name, const std::string& args) {
    ASSERT_EQ(Sh("ssh-keygen -q -N '' -C t " + args + " -f " + P(name)), 0)
        << "ssh-keygen (openssh-client) is needed";
  }
  std::vector<Identity> Ids(const std::string& name) {
    auto ids = ParseIdentityFile(Slurp(dir_ / name));
    EXPECT_TRUE(ids.ok()) << ids.status();
    return ids.ok() ? std::move(*ids) : std::vector<Identity>{};
  }
  fs::path dir_;
};

TEST_F(AgeSsh, SshRecipientsAndIdentitiesWorkBothWaysWithDebiansAge) {
  Keygen("ed", "-t ed25519");
  Keygen("rsa", "-t rsa -b 2048");
  Keygen("other", "-t ed25519");
  const std::string plain = Pattern(70000);
  Put(dir_ / "plain", plain);
  for (const std::string key : {"ed", "rsa"}) {
    auto r = ParseRecipient(Slurp(dir_ / (key + ".pub")));
    ASSERT_TRUE(r.ok()) << key << ": " << r.status();
    EXPECT_EQ(r->kind, key == "ed" ? KeyKind::kSshEd25519 : KeyKind::kSshRsa);
    // keep → age
    Put(dir_ / "ours.age", Seal({*r}, plain, false));
    EXPECT_EQ(Sh("age -d -i " + P(key) + " -o " + P("ours.out") + " " + P("ours.age")), 0) << key;
    EXPECT_EQ(Slurp(dir_ / "ours.out"), plain) << key;
    // age → keep
    ASSERT_EQ(Sh("age -R " + P(key + ".pub") + " -o " + P("theirs.age") + " " + P("plain")), 0);
    auto back = Open(Ids(key), Slurp(dir_ / "theirs.age"));
    ASSERT_TRUE(back.ok()) << key << ": " << back.status();
    EXPECT_EQ(*back, plain) << key;
    // Another ed25519 key does not open it (its tag differs: not even tried).
    EXPECT_EQ(Open(Ids("other"), Slurp(dir_ / "theirs.age")).status().reason(), "wrong_key");
  }
  // One file to all three kinds: each identity opens it.
  auto x = GenerateIdentity();
  ASSERT_TRUE(x.ok());
  auto file = ParseRecipientsFile("# team\n" + Slurp(dir_ / "ed.pub") + Slurp(dir_ / "rsa.pub") +
                                  "\n" + RecipientString(x->public_key) + "\n");
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_EQ(file->size(), 3u);
  const std::string sealed = Seal(*file, "to three", false);
  std::vector<Identity> xs;
  xs.push_back(std::move(*x));
  EXPECT_EQ(*Open(xs, sealed), "to three");
  EXPECT_EQ(*Open(Ids("ed"), sealed), "to three");
  EXPECT_EQ(*Open(Ids("rsa"), sealed), "to three");
}

TEST_F(AgeSsh, ArmorGoesBothWaysWithDebiansAge) {
  auto id = GenerateIdentity();
  ASSERT_TRUE(id.ok());
  Put(dir_ / "id.txt", std::string(std::string_view(IdentityString(*id))) + "\n");
  std::vector<Identity> ids;
  ids.push_back(std::move(*id));
  // Sizes around the 48-byte armor line and the 64 KiB chunk.
  for (size_t n :
       {size_t{0}, size_t{1}, size_t{47}, size_t{48}, size_t{49}, size_t{65536}, size_t{100000}}) {
    const std::string plain = Pattern(n);
    const std::string armored = Seal({RecipientOf(ids[0])}, plain, true);
    ASSERT_EQ(armored.rfind("-----BEGIN AGE ENCRYPTED FILE-----\n", 0), 0u);
    EXPECT_TRUE(LooksLikeAge(armored));
    std::istringstream lines(armored);
    for (std::string l; std::getline(lines, l);) EXPECT_LE(l.size(), 64u) << n;
    EXPECT_EQ(*Open(ids, armored), plain) << n;
    Put(dir_ / "ours.age", armored);
    EXPECT_EQ(Sh("age -d -i " + P("id.txt") + " -o " + P("ours.out") + " " + P("ours.age")), 0);
    EXPECT_EQ(Slurp(dir_ / "ours.out"), plain) << n;
    Put(dir_ / "plain", plain);
    ASSERT_EQ(Sh("age -a -r " + RecipientString(ids[0].public_key) + " -o " + P("theirs.age") +
                 " " + P("plain")),
              0);
    const std::string theirs = Slurp(dir_ / "theirs.age");
    EXPECT_EQ(*Open(ids, theirs), plain) << n;
    // Blank space around it and CR LF line ends are accepted, as age does.
    std::string crlf;
    for (char c : theirs) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    EXPECT_EQ(*Open(ids, "\n  \n" + crlf + "\n\n"), plain) << n;
  }
}

TEST_F(AgeSsh, ArmorThatIsNotStrictIsRefused) {
  auto id = GenerateIdentity();
  ASSERT_TRUE(id.ok());
  std::vector<Identity> ids;
  ids.push_back(std::move(*id));
  const std::string good = Seal({RecipientOf(ids[0])}, Pattern(500), true);
  ASSERT_TRUE(Open(ids, good).ok());
  const size_t footer = good.find("-----END");
  const size_t line2 = good.find('\n') + 1;
  const auto reason = [&](const std::string& f) {
    auto r = Open(ids, f);
    return r.ok() ? std::string("opened")
                  : std::string(r.status().reason()) + ": " + r.status().message();
  };
  const std::string no_footer = good.substr(0, footer);
  EXPECT_NE(reason(no_footer).find("no END line"), std::string::npos) << reason(no_footer);
  EXPECT_NE(reason(good + "x").find("after the END line"), std::string::npos);
  std::string wide = good;
  wide.erase(line2 + 64, 1);  // joins the first two lines: 127 columns
  EXPECT_NE(reason(wide).find("invalid_file"), std::string::npos) << reason(wide);
  std::string bad_char = good;
  bad_char[line2 + 5] = '*';
  EXPECT_NE(reason(bad_char).find("base64"), std::string::npos) << reason(bad_char);
  std::string short_first = good;
  short_first.insert(line2 + 32, "\n");  // a short line that is not the last
  EXPECT_EQ(reason(short_first).rfind("invalid_file", 0), 0u) << reason(short_first);
  EXPECT_EQ(reason("-----BEGIN AGE ENCRYPTED FILE-----\n-----END AGE ENCRYPTED FILE-----\n")
                .rfind("invalid_file", 0),
            0u);
  EXPECT_EQ(reason("-----BEGIN SOMETHING ELSE-----\n").rfind("invalid_file", 0), 0u);
  EXPECT_EQ(reason(std::string(2000, ' ') + good).rfind("invalid_file", 0), 0u);
}

}  // namespace
}  // namespace keep::format::age
