// Man pages and shell completions generated from the command definitions: they render
// without troff warnings, name every command, and complete in real bash, zsh and fish.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "harness.h"

namespace keep::testing {
namespace {

namespace fs = std::filesystem;

class CliDocs : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("keep-clidocs-" + std::to_string(::getpid()))).string();
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  CliResult Sh(const std::string& script) {
    return Shell(dir_, script, {"KEEPD=" + KeepdBinary()});
  }
  std::string dir_;
};

TEST_F(CliDocs, ManPagesRenderCleanlyAndNameEveryCommand) {
  for (const char* page : {"\"$KEEP\" man", "\"$KEEPD\" --man"}) {
    CliResult r = Sh(std::string(page) +
                     " > page && groff -man -Tutf8 -ww -z page 2>&1 | "
                     "grep -v -e 'break line' -e 'adjust line' ; man -l page | col -b");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.find("troff:"), std::string::npos) << page << "\n" << r.out;
    EXPECT_NE(r.out.find("SYNOPSIS"), std::string::npos) << r.out;
  }
  CliResult keep = Sh("\"$KEEP\" man | man -l - | col -b");
  for (const char* cmd : {"keep operator backup", "keep key create", "keep file encrypt",
                          "keep completion", "keep token create", "--format"}) {
    EXPECT_NE(keep.out.find(cmd), std::string::npos) << cmd;
  }
  EXPECT_EQ(keep.out.find("keep man"), std::string::npos) << "the hidden command is listed";
  CliResult keepd = Sh("\"$KEEPD\" --man | man -l - | col -b");
  for (const char* opt : {"--config", "--restore", "--check", "SIGHUP"}) {
    EXPECT_NE(keepd.out.find(opt), std::string::npos) << opt << "\n" << keepd.out;
  }
}

TEST_F(CliDocs, BashCompletesCommandPathsAndOptions) {
  CliResult r = Sh(R"(source <("$KEEP" completion bash)
    complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _keep; echo "${COMPREPLY[*]}"; }
    complete_words keep oper
    complete_words keep operator ba
    complete_words keep key create --ty
    complete_words keep --format json key ro
    complete -p keep)");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "operator\nbackup\n--type\nrotate\ncomplete -o default -F _keep keep\n");
}

TEST_F(CliDocs, ZshAndFishCompleteTheSamePaths) {
  CliResult z = Sh(R"("$KEEP" completion zsh > keep.zsh && zsh -n keep.zsh &&
    zsh -c 'autoload -U compinit && compinit -u -d ./zcompdump; source ./keep.zsh;
            COMP_WORDS=(keep operator ba); COMP_CWORD=2; _keep; print -l -- $COMPREPLY')");
  ASSERT_EQ(z.exit_code, 0) << z.err;
  EXPECT_NE(z.out.find("backup\n"), std::string::npos) << z.out;
  EXPECT_EQ(z.out.find("encrypt"), std::string::npos) << "the path was not followed:\n" << z.out;

  CliResult f = Sh(R"("$KEEP" completion fish > keep.fish &&
    HOME=$PWD fish --no-config -c 'source keep.fish; complete -C "keep operator ba"; complete -C "keep key create --ty"')");
  ASSERT_EQ(f.exit_code, 0) << f.err;
  EXPECT_EQ(f.out.rfind("backup\t", 0), 0u) << f.out;
  EXPECT_NE(f.out.find("--type\t"), std::string::npos) << f.out;

  EXPECT_NE(Sh("\"$KEEP\" completion tcsh").exit_code, 0);
}

}  // namespace
}  // namespace keep::testing
