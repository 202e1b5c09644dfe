#include "seal/dev_file_seal.h"

#include "crypto/random.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace keep::seal {
namespace {

namespace fs = std::filesystem;

class DevFileSealTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("keep-seal-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(DevFileSealTest, WrapThenUnwrapGivesTheSameKey) {
  DevFileSeal seal((dir_ / "root.key").string());
  auto key = crypto::RandomSecret(32);
  ASSERT_TRUE(key.ok());
  auto blob = seal.Wrap(*key);
  ASSERT_TRUE(blob.ok());
  EXPECT_TRUE(blob->empty());
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "root.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = seal.Unwrap({});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(*key == *again);
  // Never replaced: a second init (another node racing, a stale file) is refused and the
  // first key stays.
  auto other = crypto::RandomSecret(32);
  auto again_wrap = seal.Wrap(*other);
  ASSERT_FALSE(again_wrap.ok());
  EXPECT_EQ(again_wrap.status().reason(), "already_initialized");
  EXPECT_TRUE(*seal.Unwrap({}) == *key);
  for (const auto& e : fs::directory_iterator(dir_)) {  // no temporary file left behind
    EXPECT_EQ(e.path().filename(), "root.key");
  }
  EXPECT_EQ(seal.Wrap(crypto::SecretBytes(31)).status().code(), Code::kInvalidArgument);
}

TEST_F(DevFileSealTest, MissingOrMalformedFileStaysSealed) {
  DevFileSeal missing((dir_ / "none.key").string());
  EXPECT_EQ(missing.Unwrap({}).status().reason(), "sealed");
  for (std::string content :
       {std::string(""), std::string("garbage"),
        std::string("KEEP INSECURE DEV ROOT KEY v1\n") + std::string(31, 'k'),
        std::string("KEEP INSECURE DEV ROOT KEY v1\n") + std::string(33, 'k')}) {
    std::ofstream(dir_ / "bad.key", std::ios::binary | std::ios::trunc) << content;
    DevFileSeal bad((dir_ / "bad.key").string());
    auto r = bad.Unwrap({});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().reason(), "sealed");
  }
}

}  // namespace
}  // namespace keep::seal
