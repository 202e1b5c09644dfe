// The fixture shared by the custody end-to-end tests: a real keepd driven through the
// `keep` binary (Run/Ok/Init/Status), a JSON client call, and a grep for the CLI's output.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "common/encoding.h"
#include "harness.h"
#include "store/testing/pg_server.h"

namespace keep::testing {

namespace json = boost::json;
namespace fs = std::filesystem;

inline std::vector<std::string> Grep(const std::string& text, const std::string& pattern) {
  std::vector<std::string> out;
  std::regex re(pattern);
  for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it) {
    out.push_back((*it)[1].str());
  }
  return out;
}

struct Reply {
  int status = 0;
  json::value body;
};

inline Reply Call(Client& c, std::string_view method, std::string_view target,
                  const json::value& body) {
  auto r = c.Send(method, target, body.is_null() ? "" : json::serialize(body));
  if (!r.ok()) return {-1, json::value(std::string(r.status().message()))};
  boost::system::error_code ec;
  return {r->status, r->body.empty() ? json::value() : json::parse(r->body, ec)};
}

class Custody : public ::testing::Test {
 protected:
  CliResult Run(const std::vector<std::string>& args, const std::string& in = "") {
    return server_->Cli(args, in);
  }
  std::string Ok(const std::vector<std::string>& args, const std::string& in = "") {
    auto r = Run(args, in);
    EXPECT_EQ(r.exit_code, 0) << args[0] << " " << (args.size() > 1 ? args[1] : "") << ": " << r.err
                              << r.out;
    return r.out;
  }
  // `keep operator init`; keeps the root token where the harness reads it.
  std::vector<std::string> Init(std::vector<std::string> args) {
    args.insert(args.begin(), {"operator", "init"});
    const std::string out = Ok(args, "");
    auto tokens = Grep(out, "root token: (\\S+)");
    EXPECT_EQ(tokens.size(), 1u) << out;
    if (!tokens.empty()) std::ofstream(server_->dir() + "/root-token") << tokens[0] << "\n";
    return Grep(out, "share \\d+(?: \\(for [^)]*\\))?: (\\S+)");
  }
  // `keep status` exits 0 unsealed, 2 sealed or not initialized.
  std::string Status() {
    auto r = Run({"status"});
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 2) << r.exit_code << " " << r.err;
    return r.out;
  }
  std::unique_ptr<Keepd> server_;
};

}  // namespace keep::testing
