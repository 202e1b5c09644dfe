// keep file in the age v1 format against Debian's age: a file keep encrypts to age1…
// recipients (-r, -R) decrypts with age, a file age encrypts decrypts with keep file
// decrypt -i, from a file and through a pipe; mixing formats, a wrong identity and a
// tampered file are refused and leave no output.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "harness.h"

namespace keep::testing {
namespace {

namespace fs = std::filesystem;

class FileAge : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("keep-file-age-" + std::to_string(::getpid()))).string();
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  CliResult Sh(const std::string& script) { return Shell(dir_, script); }
  std::string dir_;
};

TEST_F(FileAge, KeepAndAgeReadEachOthersFiles) {
  CliResult r = Sh(R"sh(set -e
    age-keygen -o alice.txt 2>/dev/null; age-keygen -o bob.txt 2>/dev/null
    A=$(age-keygen -y alice.txt); B=$(age-keygen -y bob.txt)
    head -c 300000 /dev/urandom > plain
    "$KEEP" file encrypt -r "$A" -r "$B" plain -o to-age.age
    head -c 21 to-age.age; echo
    age -d -i bob.txt -o from-keep to-age.age && cmp plain from-keep && echo age-read-keep
    printf '# team\n%s\n\n%s\n' "$A" "$B" > team.txt
    "$KEEP" file encrypt -R team.txt plain -o team.age
    age -d -i alice.txt team.age | cmp - plain && echo recipients-file
    age -r "$A" -o by-age.age plain
    "$KEEP" file decrypt -i alice.txt by-age.age -o from-age && cmp plain from-age && echo keep-read-age
    cat by-age.age | "$KEEP" file decrypt -i alice.txt | cmp - plain && echo through-a-pipe
    stat -c %a from-age)sh");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_EQ(r.out,
            "age-encryption.org/v1\nage-read-keep\nrecipients-file\nkeep-read-age\n"
            "through-a-pipe\n600\n");
}

TEST_F(FileAge, MixingAWrongIdentityAndTamperingAreRefused) {
  CliResult r = Sh(R"sh(
    age-keygen -o alice.txt 2>/dev/null; age-keygen -o eve.txt 2>/dev/null
    A=$(age-keygen -y alice.txt)
    "$KEEP" keygen --out pem >/dev/null 2>&1
    echo secret > plain
    "$KEEP" file encrypt -r "$A" -r pem.pub plain -o mixed.age; echo "mixed $?"
    test -e mixed.age && echo "mixed output left"
    age -r "$A" -o f.age plain
    "$KEEP" file decrypt -i eve.txt f.age -o out; echo "stranger $?"
    "$KEEP" file decrypt f.age -o out; echo "no identity $?"
    python3 -c "import sys; b=bytearray(open('f.age','rb').read()); b[-5]^=1; open('bad.age','wb').write(b)"
    "$KEEP" file decrypt -i alice.txt bad.age -o out; echo "tampered $?"
    test -e out && echo "output left"
    "$KEEP" file encrypt -r age1notarecipient plain -o x; echo "typo $?")sh");
  EXPECT_NE(r.out.find("mixed 2"), std::string::npos) << r.out << r.err;
  EXPECT_EQ(r.out.find("mixed output left"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("stranger 1"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.err.find("no identity given opens this age file"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("no identity 2"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("tampered 1"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.err.find("does not authenticate"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("output left"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("typo 2"), std::string::npos) << r.out << r.err;
}

TEST_F(FileAge, SshKeysArmorAndTheDefaultIdentity) {
  CliResult r = Sh(R"sh(set -e
    ssh-keygen -q -t ed25519 -N '' -C me -f me
    head -c 100000 /dev/urandom > plain
    "$KEEP" file encrypt -r "$(cat me.pub)" -a plain -o ssh.age
    head -1 ssh.age
    age -d -i me ssh.age | cmp - plain && echo age-read-keep-ssh
    age -R me.pub -o by-age.age plain
    "$KEEP" file decrypt -i me by-age.age | cmp - plain && echo keep-read-age-ssh
    export HOME=$PWD/home XDG_CONFIG_HOME=
    "$KEEP" keygen --type age | sed -n 1p
    stat -c %a home/.config/keep/age/keys.txt home/.config/keep
    R=$(sed -n 's/^# public key: //p' home/.config/keep/age/keys.txt)
    test "$R" = "$(age-keygen -y home/.config/keep/age/keys.txt)" && echo same-recipient
    age -a -r "$R" plain > armored.age
    "$KEEP" file decrypt armored.age | cmp - plain && echo default-identity
    KEEP_AGE_KEY_FILE=me "$KEEP" file decrypt by-age.age | cmp - plain && echo env-identity
    set +e
    "$KEEP" keygen --type age 2>/dev/null; echo "keygen over an identity $?"
    "$KEEP" keygen --out pem >/dev/null 2>&1
    "$KEEP" file encrypt -r pem.pub -a plain -o x 2>&1; echo "armor keep format $?"
    HOME=/nonexistent "$KEEP" file decrypt armored.age -o x 2>&1; echo "no identity $?")sh");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("-----BEGIN AGE ENCRYPTED FILE-----\nage-read-keep-ssh\n"
                       "keep-read-age-ssh\nidentity:   " +
                       dir_ +
                       "/home/.config/keep/age/keys.txt (age, X25519)\n600\n700\n"
                       "same-recipient\ndefault-identity\nenv-identity\n"
                       "keygen over an identity 2\n"),
            std::string::npos)
      << r.out << r.err;
  EXPECT_NE(r.out.find("--armor is for age files"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("armor keep format 2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("none at the default location /nonexistent/.config/keep/age/keys.txt"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("no identity 2"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace keep::testing
