// `keep file` end to end through the real binary: key pairs made by `keep keygen`,
// files for several people (X25519 and RSA), every tampering case on a real file (exit 1,
// no output file), passphrases, header-only recipient changes, revocation by rekey, pipes,
// the progress bar only on a terminal, and 2 GiB through a pipe in bounded memory.
// (The keep-key stanza and the Python reader: file_interop_test.cc.)
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "file_fixture.h"

namespace keep::testing {
namespace {

TEST_F(FileE2e, KeygenWritesPkcs8PrivateKeysWithMode0600AndPublicKeys) {
  Sh("$KEEP keygen --type rsa-3072 --out carol >/dev/null");
  for (const std::string name : {"alice", "carol"}) {  // written by keygen (bob is a fixture)
    struct stat sb;
    ASSERT_EQ(::stat(Path(name).c_str(), &sb), 0);
    EXPECT_EQ(sb.st_mode & 0777, 0600u) << name;
    EXPECT_NE(Slurp(Path(name)).find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
    EXPECT_NE(Slurp(Path(name + ".pub")).find("-----BEGIN PUBLIC KEY-----"), std::string::npos);
  }
  // OpenSSL reads what keygen wrote, and finds the types asked for.
  EXPECT_NE(Sh("openssl pkey -in carol -noout -text | head -1").out.find("3072 bit"),
            std::string::npos);
  EXPECT_NE(Sh("openssl pkey -pubin -in alice.pub -noout -text | head -1").out.find("X25519"),
            std::string::npos);
  Sh("$KEEP keygen --type rsa-4096 --out dave >/dev/null");
  EXPECT_NE(Sh("openssl pkey -in dave -noout -text | head -1").out.find("4096 bit"),
            std::string::npos);
  // Never overwrites a key.
  auto again = Sh("$KEEP keygen --out alice", 2);
  EXPECT_NE(again.err.find("exist"), std::string::npos) << again.err;
  Sh("$KEEP keygen --type dsa --out d", 2);
}

TEST_F(FileE2e, EveryRecipientDecryptsEverySizeAndStrangersGetNothing) {
  // Sizes around the 64 KiB segment: empty, one byte, one short of, exactly, one more than
  // one segment, exactly three, and a few MiB.
  std::vector<size_t> sizes = {0, 1, kSeg - 1, kSeg, kSeg + 1, 3 * kSeg, 3 * (1 << 20) + 7};
  std::map<size_t, uintmax_t> file_size;
  for (size_t n : sizes) {
    SCOPED_TRACE("size " + std::to_string(n));
    const std::string plain = RandomBytes(n, static_cast<uint32_t>(n));
    Put(Path("p"), plain);
    Sh("$KEEP file encrypt -r alice.pub -r bob.pub p -o p.keep");
    file_size[n] = fs::file_size(Path("p.keep"));
    if (n >= 64) {
      EXPECT_EQ(Slurp(Path("p.keep")).find(plain.substr(n / 2, 32)), std::string::npos);
    }
    for (const std::string id : {"alice", "bob"}) {
      fs::remove(Path("out"));
      Sh("$KEEP file decrypt -i " + id + " p.keep -o out");
      EXPECT_TRUE(Slurp(Path("out")) == plain) << id;
      struct stat sb;
      ASSERT_EQ(::stat(Path("out").c_str(), &sb), 0);
      EXPECT_EQ(sb.st_mode & 0777, 0600u) << "decrypted files are private";
    }
    fs::remove(Path("stranger"));
    auto r = Sh("$KEEP file decrypt -i mallory p.keep -o stranger", 1);
    EXPECT_NE(r.err.find("none of the given identities"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(Path("stranger")));
  }
  // The body is the plaintext plus one 16-byte tag per segment: an empty file and a file of
  // exactly one segment are one segment each, one byte more makes two.
  for (size_t n : sizes) {
    EXPECT_EQ(file_size[n] - file_size[0], n + kTag * (Segments(n) - 1)) << n;
  }
  EXPECT_EQ(Leftovers("keep-tmp"), 0);
}

TEST_F(FileE2e, EveryTamperingIsRefusedAndLeavesNoOutputFile) {
  const size_t n = 4 * kSeg + 100;  // five segments, the last short
  const std::string plain = RandomBytes(n, 7);
  Put(Path("p"), plain);
  Sh("$KEEP file encrypt -r alice.pub p -o p.keep");
  const std::string good = Slurp(Path("p.keep"));
  const size_t body = n + kTag * 5, header = good.size() - body, sealed = kSeg + kTag;
  ASSERT_GT(header, 32u + 60u);
  auto seg = [&](size_t i) { return header + i * sealed; };

  struct Case {
    const char* what;
    std::string bytes;
  };
  std::vector<Case> cases;
  auto flip = [&](size_t at) {
    std::string s = good;
    s[at] = static_cast<char>(s[at] ^ 0x01);
    return s;
  };
  cases.push_back({"magic", flip(0)});
  cases.push_back({"version", flip(8)});
  cases.push_back({"segment size", flip(9)});
  cases.push_back({"salt", flip(12)});
  cases.push_back({"stanza body", flip(header - 40)});
  cases.push_back({"header MAC", flip(header - 1)});
  cases.push_back({"first segment", flip(seg(0) + 5)});
  cases.push_back({"a tag", flip(seg(2) + sealed - 1)});
  cases.push_back({"last segment", flip(good.size() - 3)});
  cases.push_back({"cut inside a segment", good.substr(0, seg(2) + 1000)});
  cases.push_back({"cut at a segment boundary", good.substr(0, seg(3))});
  cases.push_back({"last segment dropped", good.substr(0, seg(4))});
  cases.push_back({"header only", good.substr(0, header)});
  cases.push_back({"cut inside the header", good.substr(0, header - 10)});
  cases.push_back({"empty", ""});
  cases.push_back({"appended byte", good + "x"});
  cases.push_back({"appended segment", good + good.substr(seg(1), sealed)});
  cases.push_back({"segments swapped", good.substr(0, seg(1)) + good.substr(seg(2), sealed) +
                                           good.substr(seg(1), sealed) + good.substr(seg(3))});
  cases.push_back({"segment duplicated", good.substr(0, seg(2)) + good.substr(seg(1))});
  cases.push_back({"segment removed", good.substr(0, seg(1)) + good.substr(seg(2))});
  // Another file's body under this header, and this body under another file's header.
  Sh("$KEEP file encrypt -r alice.pub p -o other.keep");
  const std::string other = Slurp(Path("other.keep"));
  cases.push_back({"another file's body", good.substr(0, header) + other.substr(header)});
  cases.push_back({"another file's header", other.substr(0, header) + good.substr(header)});

  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    Put(Path("bad.keep"), c.bytes);
    fs::remove(Path("out"));
    auto r = Sh("$KEEP file decrypt -i alice bad.keep -o out", 1);
    EXPECT_NE(r.err.find("keep: "), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(Path("out"))) << "a refused file leaves no output";
    EXPECT_EQ(Leftovers("keep-tmp"), 0);
  }
  // To stdout, what authenticated before the damage may have been written, but the exit
  // status says the output is not the file.
  Put(Path("bad.keep"), good.substr(0, seg(3)));
  auto r = Sh("$KEEP file decrypt -i alice < bad.keep > out", 1);
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
  // The untouched file still decrypts.
  Sh("$KEEP file decrypt -i alice p.keep -o out");
  EXPECT_TRUE(Slurp(Path("out")) == plain);
}

TEST_F(FileE2e, PassphraseProtectedIdentities) {
  Sh("$KEEP keygen --out carol --passphrase >/dev/null", 0,
     {"KEEP_PASSPHRASE=correct horse battery"});
  EXPECT_NE(Slurp(Path("carol")).find("ENCRYPTED PRIVATE KEY"), std::string::npos);
  // OpenSSL reads it with the passphrase (PBES2 + scrypt), and not without.
  Sh("openssl pkey -in carol -passin 'pass:correct horse battery' -noout");
  Sh("openssl pkey -in carol -passin pass:wrong -noout 2>/dev/null", 1);
  auto short_pass = Sh("$KEEP keygen --out dave --passphrase", 2, {"KEEP_PASSPHRASE=short"});
  EXPECT_NE(short_pass.err.find("at least 8"), std::string::npos) << short_pass.err;
  EXPECT_FALSE(fs::exists(Path("dave")));
  Put(Path("p"), "for carol's eyes only");
  Sh("$KEEP file encrypt -r carol.pub p -o p.keep");
  Sh("$KEEP file decrypt -i carol p.keep -o out", 0, {"KEEP_PASSPHRASE=correct horse battery"});
  EXPECT_EQ(Slurp(Path("out")), "for carol's eyes only");
  fs::remove(Path("out"));
  auto wrong = Sh("$KEEP file decrypt -i carol p.keep -o out", 1, {"KEEP_PASSPHRASE=incorrect"});
  EXPECT_NE(wrong.err.find("wrong passphrase"), std::string::npos) << wrong.err;
  EXPECT_EQ(wrong.err.find("incorrect"), std::string::npos) << "the passphrase is not echoed";
  EXPECT_FALSE(fs::exists(Path("out")));
  // Without a terminal and without the variable there is nothing to ask: refused.
  auto none = Shell(dir_, "$KEEP file decrypt -i carol p.keep -o out");
  EXPECT_NE(none.exit_code, 0);
  EXPECT_FALSE(fs::exists(Path("out")));
}

TEST_F(FileE2e, AddingARecipientRewritesOnlyTheHeaderAndRekeyRevokes) {
  const std::string plain = RandomBytes(5 * kSeg + 3, 11);
  Put(Path("p"), plain);
  Sh("$KEEP file encrypt -r alice.pub p -o shared.keep");
  const std::string v1 = Slurp(Path("shared.keep"));
  const size_t body = plain.size() + kTag * 6;
  const std::string body1 = v1.substr(v1.size() - body);
  ::chmod(Path("shared.keep").c_str(), 0640);

  // Charlie (RSA here: bob's key) is added by alice without touching the body.
  Sh("$KEEP file recipients add shared.keep -r bob.pub -i alice");
  const std::string v2 = Slurp(Path("shared.keep"));
  EXPECT_TRUE(v2.substr(v2.size() - body) == body1) << "the body is byte for byte the same";
  EXPECT_GT(v2.size(), v1.size());
  struct stat sb;
  ASSERT_EQ(::stat(Path("shared.keep").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0640u) << "rewriting in place keeps the permissions";
  Sh("$KEEP file decrypt -i bob shared.keep -o out");
  EXPECT_TRUE(Slurp(Path("out")) == plain);
  fs::remove(Path("out"));

  // list names both by fingerprint, as keygen printed them.
  const std::string alice_fp =
      Sh("openssl pkey -pubin -in alice.pub -outform DER | sha256sum | cut -c1-64")
          .out.substr(0, 64);
  const std::string bob_fp =
      Sh("openssl pkey -pubin -in bob.pub -outform DER | sha256sum | cut -c1-64").out.substr(0, 64);
  const std::string list = Sh("$KEEP file recipients list shared.keep").out;
  EXPECT_EQ(list, "x25519  " + alice_fp + "\nrsa     " + bob_fp + "\n");

  // A stranger cannot add recipients; an unknown fingerprint cannot be removed.
  Sh("$KEEP file recipients add shared.keep -r mallory.pub -i mallory", 1);
  Sh("$KEEP file recipients remove shared.keep --recipient " + std::string(64, 'a') + " -i bob", 2);
  EXPECT_EQ(Slurp(Path("shared.keep")), v2) << "refused edits change nothing";

  // Removing alice rewrites the header only: her stanza is gone from this file, but the
  // copy she took before (v1) still opens the same body — why rekey exists.
  Put(Path("alice-copy.keep"), v1);
  auto removed = Sh("$KEEP file recipients remove shared.keep --recipient " + alice_fp + " -i bob");
  EXPECT_NE(removed.err.find("rekey"), std::string::npos)
      << "the user is told it is not revocation";
  Sh("$KEEP file decrypt -i alice shared.keep -o out", 1);
  EXPECT_EQ(Sh("$KEEP file recipients list shared.keep").out, "rsa     " + bob_fp + "\n");
  const std::string v3 = Slurp(Path("shared.keep"));
  Put(Path("spliced.keep"), v1.substr(0, v1.size() - body) + v3.substr(v3.size() - body));
  Sh("$KEEP file decrypt -i alice spliced.keep -o out");
  EXPECT_TRUE(Slurp(Path("out")) == plain) << "header-only removal is not revocation";
  fs::remove(Path("out"));

  // A recipient can also be named by their public-key file.
  Sh("$KEEP file recipients add shared.keep -r mallory.pub -i bob");
  EXPECT_NE(Sh("$KEEP file recipients list shared.keep").out.find("x25519  "), std::string::npos);
  Sh("$KEEP file recipients remove shared.keep --recipient mallory.pub -i bob");
  EXPECT_EQ(Sh("$KEEP file recipients list shared.keep").out, "rsa     " + bob_fp + "\n");

  // rekey: a new file key and body for exactly the recipients named.
  Sh("$KEEP file rekey shared.keep -r bob.pub -r mallory.pub -i bob");
  const std::string v4 = Slurp(Path("shared.keep"));
  EXPECT_FALSE(v4.substr(v4.size() - body) == body1);
  for (const std::string id : {"bob", "mallory"}) {
    Sh("$KEEP file decrypt -i " + id + " shared.keep -o out");
    EXPECT_TRUE(Slurp(Path("out")) == plain) << id;
    fs::remove(Path("out"));
  }
  Sh("$KEEP file decrypt -i alice shared.keep -o out", 1);
  // Alice's old header (her old file key) does not open the new body.
  Put(Path("spliced.keep"), v1.substr(0, v1.size() - body) + v4.substr(v4.size() - body));
  Sh("$KEEP file decrypt -i alice spliced.keep -o out", 1);
  EXPECT_FALSE(fs::exists(Path("out")));
  EXPECT_EQ(Leftovers("keep-tmp"), 0);
}

TEST_F(FileE2e, PipesAndAProgressBarOnlyOnATerminal) {
  const std::string plain = RandomBytes(12 << 20, 3);
  Put(Path("big"), plain);
  // stdin → stdout through both commands.
  auto r =
      Sh("cat big | $KEEP file encrypt -r alice.pub -r bob.pub | $KEEP file decrypt -i bob "
         "| sha256sum; sha256sum < big");
  const auto lines = r.out;
  ASSERT_EQ(lines.size(), 2 * 68u) << lines;  // "<64 hex>  -\n" twice
  EXPECT_EQ(lines.substr(0, 64), lines.substr(68, 64));
  EXPECT_EQ(r.err, "") << "no progress bar when stderr is not a terminal";
  // With stderr on a terminal (script(1) gives the command a pty): a progress bar for a
  // 12 MiB file, none for a small one.
  auto tty = Sh("script -qfec '$KEEP file encrypt -r alice.pub big -o big.keep' /dev/null");
  EXPECT_NE(tty.out.find("100%"), std::string::npos) << tty.out;
  EXPECT_NE(tty.out.find("12 / 12 MiB"), std::string::npos) << tty.out;
  Put(Path("small"), "small");
  auto quiet = Sh("script -qfec '$KEEP file encrypt -r alice.pub small -o small.keep' /dev/null");
  EXPECT_EQ(quiet.out.find('%'), std::string::npos) << quiet.out;
  // rekey re-encrypts the body: a progress bar too.
  auto rekey = Sh("script -qfec '$KEEP file rekey big.keep -r alice.pub -i alice' /dev/null");
  EXPECT_NE(rekey.out.find("100%"), std::string::npos) << rekey.out;
  auto dec = Sh("script -qfec '$KEEP file decrypt -i alice big.keep -o big.out' /dev/null");
  EXPECT_NE(dec.out.find("100%"), std::string::npos) << dec.out;
  EXPECT_TRUE(Slurp(Path("big.out")) == plain);
}

TEST_F(FileE2e, ARegularFileIsSealedFromItsMappingInBoundedMemory) {
  // 160 MiB in a regular file: keep maps it and seals from the mapping (no copy), dropping
  // sealed batches from its resident set as it goes; the bytes are those of the streamed
  // path (the same file through a pipe decrypts to the same hash), and the resident set
  // stays far below the file's size.
#if defined(__SANITIZE_ADDRESS__)
  const long max_rss_kib = 512 * 1024;  // shadow memory and quarantine
#else
  const long max_rss_kib = 80 * 1024;
#endif
  Sh("openssl enc -aes-128-ctr -nosalt -K 0f0e0d0c0b0a09080706050403020100 -iv 0 -in /dev/zero "
     "2>/dev/null | head -c 167772160 > big.bin; sha256sum < big.bin > in.sha");
  Sh("$KEEP file encrypt -r alice.pub big.bin -o big.keep && "
     "$KEEP file decrypt -i alice big.keep | sha256sum > out.sha && "
     "cat big.bin | $KEEP file encrypt -r alice.pub | $KEEP file decrypt -i alice | "
     "sha256sum > piped.sha");
  const std::string in = Slurp(Path("in.sha"));
  ASSERT_EQ(in.size(), 68u) << in;
  EXPECT_EQ(Slurp(Path("out.sha")), in);
  EXPECT_EQ(Slurp(Path("piped.sha")), in);
  rusage ru{};
  ASSERT_EQ(::getrusage(RUSAGE_CHILDREN, &ru), 0);
  EXPECT_LT(ru.ru_maxrss, max_rss_kib) << "largest child resident set in KiB";
  std::cout << "largest resident set while sealing 160 MiB from a mapping: " << ru.ru_maxrss
            << " KiB\n";
}

TEST_F(FileE2e, TwoGiBThroughAPipeInBoundedMemory) {
  // A 2 GiB pseudo-random stream (AES-CTR of zeros), hashed on the way in and on the way
  // out; each keep process limited to 256 MiB of address space (not under ASan, which
  // reserves terabytes), and the largest resident set among the children measured.
#if defined(__SANITIZE_ADDRESS__)
  const std::string limit = "";
  const long max_rss_kib = 512 * 1024;  // shadow memory and quarantine; still far below 2 GiB
#else
  const std::string limit = "ulimit -v 262144; ";
  const long max_rss_kib = 64 * 1024;
#endif
  const std::string script =
      "openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f -iv 0 -in "
      "/dev/zero 2>/dev/null | head -c 2147483648 | tee >(sha256sum > in.sha) | (" +
      limit + "exec $KEEP file encrypt -r alice.pub) | tee >(wc -c > ct.size) | (" + limit +
      "exec $KEEP file decrypt -i alice) | sha256sum > out.sha; sleep 0.2";
  Sh(script);
  const std::string in = Slurp(Path("in.sha")), out = Slurp(Path("out.sha"));
  ASSERT_EQ(in.size(), 68u) << in;
  EXPECT_EQ(in, out);
  EXPECT_NE(in.substr(0, 64), std::string(64, '0'));
  // 2 GiB = 32,768 segments of 64 KiB, each with a 16-byte tag (+ the header).
  const uint64_t ct = std::strtoull(Slurp(Path("ct.size")).c_str(), nullptr, 10);
  EXPECT_GT(ct, 2147483648ull + 32768ull * 16);
  EXPECT_LT(ct, 2147483648ull + 32768ull * 16 + 1024);
  rusage ru{};
  ASSERT_EQ(::getrusage(RUSAGE_CHILDREN, &ru), 0);
  EXPECT_LT(ru.ru_maxrss, max_rss_kib) << "largest child resident set in KiB";
  std::cout << "largest resident set of the pipeline's processes: " << ru.ru_maxrss << " KiB\n";
}

}  // namespace
}  // namespace keep::testing
