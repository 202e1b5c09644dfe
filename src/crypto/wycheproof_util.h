// Test-only helpers for the Wycheproof vectors in tests/vectors/wycheproof (copies with
// their licence; tests/vectors/README.md says where they come from).
// A missing or unparseable file fails the calling test (never a skip).
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "common/encoding.h"

namespace keep::crypto::testing {

inline boost::json::value LoadWycheproof(const std::string& name) {
  const std::string path = std::string(KEEP_SOURCE_DIR) + "/tests/vectors/wycheproof/" + name;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  auto v = boost::json::parse(ss.str(), ec);
  EXPECT_FALSE(ec) << "cannot parse " << path;
  return v;
}

// A hex string field of a vector.
inline Bytes HexField(const boost::json::value& v) {
  auto r = HexDecode(std::string_view(v.as_string()));
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : Bytes{};
}

}  // namespace keep::crypto::testing
