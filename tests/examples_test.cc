// libkeep as an application sees it: `cmake --install` into a temporary prefix, examples/
// configured and built as an outside project (find_package(keep CONFIG), keep::keep and
// keep::keep_static), one example also built with pkg-config alone, and each run against
// a real keepd: envelope records, records in SQLite bound to their rows, and the seed's
// encrypt-only submitter refused a decrypt.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

#include "harness.h"

namespace keep {
namespace {

using testing::CliEnv;
using testing::Keepd;
using testing::Shell;

TEST(Examples, BuildAgainstTheInstalledLibkeepAndRun) {
  Keepd server;
  server.Start();
  ASSERT_EQ(server.Cli({"key", "create", "orders"}).exit_code, 0);
  const std::string dir = server.dir() + "/examples";
  const std::string src = KEEP_SOURCE_ROOT;
  auto build = Shell(server.dir(),
                     "cmake --install '" KEEP_BUILD_ROOT
                     "' --prefix prefix > install.log && "
                     "cmake -S '" +
                         src +
                         "/examples' -B examples -G Ninja "
                         "-DCMAKE_PREFIX_PATH=$PWD/prefix -DCMAKE_CXX_FLAGS='" KEEP_EXAMPLE_FLAGS
                         "' "
                         "-DCMAKE_EXE_LINKER_FLAGS='" KEEP_EXAMPLE_FLAGS
                         "' > configure.log && "
                         "cmake --build examples > build.log && "
                         "PKG_CONFIG_PATH=$PWD/prefix/" KEEP_INSTALL_LIBDIR
                         "/pkgconfig g++ -std=c++20 " KEEP_EXAMPLE_FLAGS " -o envelope-pc '" +
                         src +
                         "/examples/envelope.cc' $(PKG_CONFIG_PATH=$PWD/prefix/" KEEP_INSTALL_LIBDIR
                         "/pkgconfig "
                         "pkg-config --cflags --libs keep)");
  ASSERT_EQ(build.exit_code, 0) << build.out << build.err
                                << testing::Slurp(server.dir() + "/build.log");

  auto env = CliEnv(server);
  env.push_back("LD_LIBRARY_PATH=" + server.dir() + "/prefix/" KEEP_INSTALL_LIBDIR);
  auto run =
      Shell(dir, "./envelope orders 'hello from an application' && ../envelope-pc orders pc", env);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("libkeep 0.1.0: record of"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("1 keepd call(s) for 2 records\nhello from an application\n"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("\npc\n"), std::string::npos) << run.out;
  // The static build needs no LD_LIBRARY_PATH.
  auto rows = Shell(dir, "./sqlite_records orders cards.db 50", CliEnv(server));
  ASSERT_EQ(rows.exit_code, 0) << rows.out << rows.err;
  EXPECT_NE(
      rows.out.find("50 rows written and read back, 1 keepd call(s); row 1 as row 2: wrong_key"),
      std::string::npos)
      << rows.out;

  std::ofstream(server.dir() + "/submit.json")
      << R"({"rules":[{"keys":"orders","capabilities":["encrypt"]}]})";
  ASSERT_EQ(server.Cli({"policy", "write", "submit", server.dir() + "/submit.json"}).exit_code, 0);
  auto tok = server.Cli({"--format", "json", "token", "create", "-p", "submit"});
  ASSERT_EQ(tok.exit_code, 0) << tok.err;
  const std::string token(boost::json::parse(tok.out).at("token").as_string());
  env = CliEnv(server, token);
  env.push_back("LD_LIBRARY_PATH=" + server.dir() + "/prefix/" KEEP_INSTALL_LIBDIR);
  auto sub = Shell(dir, "printf 'order 1\\norder 2\\n' | ./submitter orders", env);
  ASSERT_EQ(sub.exit_code, 0) << sub.out << sub.err;
  EXPECT_EQ(std::count(sub.out.begin(), sub.out.end(), '\n'), 2) << sub.out;
  EXPECT_NE(sub.err.find("2 submitted; decrypting with this token: permission_denied"),
            std::string::npos)
      << sub.err;
}

}  // namespace
}  // namespace keep
