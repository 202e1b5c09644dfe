// Helpers the age tests share (age_test.cc, age_ssh_test.cc): whole files, a plaintext of
// any size, and Encrypt/Decrypt over strings.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "format/age.h"

namespace keep::format::age::testing {

inline std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// n bytes of a fixed pattern (every byte value, not periodic at the chunk size).
inline std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 7) & 0xff);
  return s;
}

inline std::string Seal(const std::vector<Recipient>& to, const std::string& plain,
                        bool armor = false) {
  std::istringstream in(plain);
  std::ostringstream out;
  EXPECT_TRUE(Encrypt(to, in, out, armor).ok());
  return out.str();
}

inline Result<std::string> Open(const std::vector<Identity>& ids, const std::string& file) {
  std::istringstream in(file);
  std::ostringstream out;
  KEEP_RETURN_IF_ERROR(Decrypt(ids, in, out));
  return out.str();
}

}  // namespace keep::format::age::testing
