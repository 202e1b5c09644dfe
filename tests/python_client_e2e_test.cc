// The Python client (clients/python) as a user installs it: `pip install` into a fresh
// virtual environment with no index (offline), then its unittest suite against a real
// keepd — the example as written, the cache, encrypted fields on sqlite3 and a
// class — and records exchanged both ways with libkeep's keep::Envelope.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "harness.h"
#include "keep/envelope.h"

namespace keep {
namespace {

namespace fs = std::filesystem;
using testing::Keepd;
using testing::Shell;
using testing::Slurp;

TEST(PythonClient, InstallsOfflineAndExchangesRecordsWithLibkeep) {
  Keepd server;
  server.Start();
  auto client = server.NewClient();
  ASSERT_TRUE(client->CreateKey({"orders"}).ok());
  const EncryptionContext ctx{{"table", "cards"}, {"row", "42"}};
  Envelope env(*client, {.key = "orders"});
  auto blob = env.Encrypt("written by libkeep", ctx);
  ASSERT_TRUE(blob.ok()) << blob.status().ToString();
  const std::string dir = server.dir() + "/python";
  fs::create_directories(dir);
  std::ofstream(dir + "/cpp.rec", std::ios::binary) << *blob;

  const std::string src =
      fs::current_path().string() + "/clients/python";  // ctest runs in the source tree
  auto install = Shell(dir,
                       "python3 -m venv --system-site-packages venv && "
                       "venv/bin/pip install --no-index --quiet '" +
                           src +
                           "' && "
                           "venv/bin/python -c 'import keep; print(keep.__version__)'");
  ASSERT_EQ(install.exit_code, 0) << install.out << install.err;
  EXPECT_EQ(testing::Trimmed(install.out), "0.1.0");

  auto run = Shell(dir, "venv/bin/python -m unittest discover -v -s '" + src + "/tests'",
                   {"KEEP_ADDR=" + server.addr(), "KEEP_TOKEN=" + server.token(),
                    "KEEP_CACERT=" + server.ca(), "KEEP_XLANG_DIR=" + dir});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.err.find("skipped"), std::string::npos) << "every live test ran:\n" << run.err;
  EXPECT_NE(run.err.find("Live.test_records_cross_languages) ... ok"), std::string::npos)
      << run.err;

  const std::string from_python = Slurp(dir + "/py.rec");
  ASSERT_FALSE(from_python.empty());
  auto back = Envelope(*client, {.key = "orders"}).Decrypt(from_python, ctx);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->view(), "written by python");
}

}  // namespace
}  // namespace keep
