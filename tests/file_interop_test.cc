// `keep file` with others: the keep-key stanza through a real keepd (policy, capabilities
// and the audit trail apply), and an independent Python reader and writer of the format.
#include <gtest/gtest.h>

#include <sstream>

#include "file_fixture.h"

namespace keep::testing {
namespace {

// tests/interop/file_v1.py is written from docs/formats.md §8 alone (python3-cryptography).
TEST_F(FileE2e, AnIndependentPythonReaderAndWriterAgreeWithKeep) {
  const std::string py =
      "/usr/bin/python3 " + fs::current_path().string() + "/tests/interop/file_v1.py";
  FixtureKey("rsa-4096-scrypt", "carol");  // passphrase "carol's passphrase"
  for (size_t n : {size_t{0}, size_t{25}, kSeg, 3 * kSeg + 5}) {
    SCOPED_TRACE("size " + std::to_string(n));
    const std::string plain = RandomBytes(n, static_cast<uint32_t>(n) + 1);
    Put(Path("p"), plain);
    // keep writes, Python reads with each identity (X25519, RSA-3072, RSA-4096 whose
    // PKCS#8 file is scrypt-encrypted).
    Sh("$KEEP file encrypt -r alice.pub -r bob.pub -r carol.pub p -o k.keep");
    for (const std::string id : {"alice", "bob", "carol"}) {
      fs::remove(Path("out"));
      Sh(py + " decrypt " + id + " k.keep out", 0, {"KEEP_PASSPHRASE=carol's passphrase"});
      EXPECT_TRUE(Slurp(Path("out")) == plain) << id;
    }
    Sh(py + " decrypt mallory k.keep out2", 1);
    EXPECT_FALSE(fs::exists(Path("out2")));
    // Python writes, keep reads.
    Sh(py + " encrypt p py.keep alice.pub bob.pub");
    for (const std::string id : {"alice", "bob"}) {
      fs::remove(Path("out"));
      Sh("$KEEP file decrypt -i " + id + " py.keep -o out");
      EXPECT_TRUE(Slurp(Path("out")) == plain) << id;
    }
    EXPECT_EQ(Sh("$KEEP file recipients list py.keep").out.substr(0, 8), "x25519  ");
  }
  // The Python reader refuses what keep refuses: a cut file and a changed header byte.
  const std::string good = Slurp(Path("k.keep"));
  Put(Path("bad.keep"), good.substr(0, good.size() - kSeg));
  Sh(py + " decrypt alice bad.keep out3", 1);
  std::string flipped = good;
  flipped[12] = static_cast<char>(flipped[12] ^ 1);  // the salt
  Put(Path("bad.keep"), flipped);
  Sh(py + " decrypt alice bad.keep out3", 1);
  EXPECT_FALSE(fs::exists(Path("out3")));
}

TEST_F(FileE2e, KeepKeyStanzaGoesThroughTheServerWithPolicyAndAudit) {
  Keepd server;
  server.Start();
  auto ok = [&](const std::vector<std::string>& args, const std::string& token = "<root>") {
    auto r = server.Cli(args, "", token);
    EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
    return r.out;
  };
  ok({"key", "create", "team-files"});
  // Writers make files (data keys) and add the team key to existing files (encrypt).
  Put(Path("enc.json"),
      R"({"rules":[{"keys":"team-*","capabilities":["datakey","datakey-plaintext","encrypt"]}]})");
  Put(Path("submit.json"), R"({"rules":[{"keys":"team-*","capabilities":["encrypt"]}]})");
  Put(Path("dec.json"), R"({"rules":[{"keys":"team-*","capabilities":["decrypt"]}]})");
  ok({"policy", "write", "file-writer", Path("enc.json")});
  ok({"policy", "write", "file-reader", Path("dec.json")});
  ok({"policy", "write", "submitter", Path("submit.json")});
  auto token = [&](const std::string& policy) {
    const std::string out = ok({"--format", "json", "token", "create", "-p", policy});
    const size_t at = out.find("\"token\":\"") + 9;
    return out.substr(at, out.find('"', at) - at);
  };
  const std::string writer = token("file-writer"), reader = token("file-reader"),
                    submitter = token("submitter");
  const std::string plain = RandomBytes(200000, 5);
  Put(Path("p"), plain);

  // A writer encrypts for the team key and alice; the stanza names the key.
  Sh("$KEEP file encrypt --key team-files -r alice.pub p -o p.keep", 0, CliEnv(server, writer));
  EXPECT_NE(Sh("$KEEP file recipients list p.keep").out.find("keep    team-files"),
            std::string::npos);
  // Without -i the reader decrypts through the server; the writer may not.
  Sh("$KEEP file decrypt p.keep -o out", 0, CliEnv(server, reader));
  EXPECT_TRUE(Slurp(Path("out")) == plain);
  fs::remove(Path("out"));
  auto denied = Sh("$KEEP file decrypt p.keep -o out", 1, CliEnv(server, writer));
  EXPECT_NE(denied.err.find("permission_denied"), std::string::npos) << denied.err;
  EXPECT_FALSE(fs::exists(Path("out")));
  // Alice still opens it alone, offline.
  Sh("$KEEP file decrypt -i alice p.keep -o out");
  EXPECT_TRUE(Slurp(Path("out")) == plain);
  // A file without a keep stanza cannot be opened through the server.
  Sh("$KEEP file encrypt -r bob.pub p -o bob.keep");
  auto no_stanza = Sh("$KEEP file decrypt bob.keep -o out2", 1, CliEnv(server, reader));
  EXPECT_NE(no_stanza.err.find("no keep stanza"), std::string::npos) << no_stanza.err;
  // A stanza that names one key but holds a ciphertext under another is refused (the
  // reader may decrypt with keys the file's sender never could).
  ok({"key", "create", "team-other"});
  std::string renamed = Slurp(Path("p.keep"));
  const size_t name_at = renamed.find("team-files");
  ASSERT_NE(name_at, std::string::npos);
  renamed.replace(name_at, 10, "team-other");
  Put(Path("renamed.keep"), renamed);
  auto mismatch = Sh("$KEEP file decrypt renamed.keep -o out2", 1, CliEnv(server, reader));
  EXPECT_NE(mismatch.err.find("under another key"), std::string::npos) << mismatch.err;
  EXPECT_FALSE(fs::exists(Path("out2")));
  // Making a file needs a data key (with its plaintext): an encrypt-only identity may not,
  // and leaves no file; but it may add the team key to a file it can open.
  auto no_datakey =
      Sh("$KEEP file encrypt --key team-files p -o sub.keep", 1, CliEnv(server, submitter));
  EXPECT_NE(no_datakey.err.find("permission_denied"), std::string::npos) << no_datakey.err;
  EXPECT_FALSE(fs::exists(Path("sub.keep")));
  Sh("$KEEP file recipients add bob.keep --key team-files -i bob", 0, CliEnv(server, submitter));
  Sh("$KEEP file decrypt bob.keep -o out2", 0, CliEnv(server, reader));
  EXPECT_TRUE(Slurp(Path("out2")) == plain);
  // Every server-side use is in the audit trail: the writer's data key, the submitter's
  // refused data key and its encrypt, the reader's two decrypts, the writer's refused one.
  server.Stop();
  int datakey_ok = 0, datakey_denied = 0, enc = 0, dec_ok = 0, dec_denied = 0;
  std::istringstream trail(Slurp(server.audit_path()));
  for (std::string line; std::getline(trail, line);) {
    if (line.find("\"key\":\"team-files\"") == std::string::npos) continue;
    const bool denied_line = line.find("\"outcome\":\"permission_denied\"") != std::string::npos;
    if (line.find("\"operation\":\"datakey\"") != std::string::npos)
      ++(denied_line ? datakey_denied : datakey_ok);
    if (line.find("\"operation\":\"encrypt\"") != std::string::npos) ++enc;
    if (line.find("\"operation\":\"decrypt\"") != std::string::npos)
      ++(denied_line ? dec_denied : dec_ok);
  }
  EXPECT_EQ(datakey_ok, 1);
  EXPECT_EQ(datakey_denied, 1);
  EXPECT_EQ(enc, 1);
  EXPECT_EQ(dec_ok, 3);  // two files, and the renamed stanza's ciphertext
  EXPECT_EQ(dec_denied, 1);
}

}  // namespace
}  // namespace keep::testing
