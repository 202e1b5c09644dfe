// The route table against itself and against docs/api.md: every operation that takes
// requests has a route, matching is exact ({param} is one non-empty segment, literals
// win), 405 says which methods a path takes, and the docs' endpoint tables list exactly
// the table's endpoints (issue 13).
#include "http/routes.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace keep::http {
namespace {

// "/v1/keys/{name}/encrypt" and "/v1/keys/{k}/encrypt?x=1" both become "/v1/keys/{}/encrypt".
std::string Normal(std::string path) {
  path = path.substr(0, path.find('?'));
  return std::regex_replace(path, std::regex("\\{[a-z_]+\\}"), "{}");
}

TEST(Routes, EveryOperationThatTakesRequestsHasARoute) {
  std::set<access::Operation> routed;
  for (const Route& r : Routes()) routed.insert(r.op);
  for (const auto& spec : access::Operations()) {
    if (spec.op == access::Operation::kDataKeyPlaintext) continue;  // a capability, no request
    // The KMIP door's own operations (tests/kmip_e2e_test.py drives them).
    if (spec.op == access::Operation::kExport || spec.op == access::Operation::kKmipQuery) {
      continue;
    }
    EXPECT_TRUE(routed.count(spec.op)) << spec.name << " has no route";
  }
}

TEST(Routes, MatchingIsExactAndLiteralsWin) {
  auto m = FindRoute("GET", "/v1/auth/tokens/self");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->op, access::Operation::kTokenSelf);
  m = FindRoute("GET", "/v1/auth/tokens/0123456789abcdef");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->op, access::Operation::kTokenManage);
  EXPECT_EQ(m.param, "0123456789abcdef");
  m = FindRoute("POST", "/v1/keys/orders/encrypt");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->op, access::Operation::kEncrypt);
  EXPECT_EQ(m.param, "orders");
  EXPECT_EQ(ParamName(*m.route), "key");
  for (const char* bad : {"/v1/keys/orders/encrypt/x", "/v1/keys//encrypt", "/v1", "/", "",
                          "/v1/keysx", "/v1/keys/a/b/c"}) {
    EXPECT_EQ(FindRoute("POST", bad).route, nullptr) << bad;
  }
  m = FindRoute("PUT", "/v1/keys/orders");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allow, "GET, PATCH, DELETE");
  EXPECT_EQ(FindRoute("GET", "/v1/nothing").allow, "");
  EXPECT_NE(FindRoute("HEAD", "/v1/sys/health").route, nullptr);
  EXPECT_EQ(FindRoute("HEAD", "/v1/keys").route, nullptr);
}

TEST(Routes, DocsListExactlyTheTablesEndpoints) {
  std::ifstream in(std::string(KEEP_SOURCE_DIR) + "/docs/api.md");
  ASSERT_TRUE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  std::set<std::string> documented;
  const std::regex row("^\\| `(GET|POST|PUT|PATCH|DELETE) ([^`]+)`");
  std::istringstream lines(ss.str());
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, row)) continue;
    // One row may document a pair, as "`GET /v1/auth/tokens/{accessor}`, `DELETE …`".
    const std::regex each("`(GET|POST|PUT|PATCH|DELETE) ([^`]+)`");
    for (auto it = std::sregex_iterator(line.begin(), line.end(), each);
         it != std::sregex_iterator(); ++it) {
      documented.insert((*it)[1].str() + " " + Normal((*it)[2].str()));
    }
  }
  std::set<std::string> routed;
  for (const Route& r : Routes()) {
    if (r.method == "HEAD") continue;  // documented with its GET
    routed.insert(std::string(r.method) + " " + Normal(std::string(r.pattern)));
  }
  for (const auto& e : routed) EXPECT_TRUE(documented.count(e)) << "docs/api.md lacks " << e;
  for (const auto& e : documented) EXPECT_TRUE(routed.count(e)) << "no route for documented " << e;
  EXPECT_GE(routed.size(), 35u);
}

}  // namespace
}  // namespace keep::http
