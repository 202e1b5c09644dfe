// Policies: parsing (strict), matching, and the policy store under the barrier.
#include "access/policy.h"

#include <gtest/gtest.h>

namespace keep::access {
namespace {

// assignable_policies (issue 12.10): names and prefixes, never root, strictly parsed.
TEST(Policy, AssignablePoliciesParseMatchAndRoundTrip) {
  auto p = ParsePolicy("admin", R"({"rules":[],"system":["tokens"],
      "assignable_policies":["staff","app-*"]})");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->CanAssign("staff"));
  EXPECT_TRUE(p->CanAssign("app-readers"));
  EXPECT_FALSE(p->CanAssign("staff2"));
  EXPECT_FALSE(p->CanAssign("privileged"));
  EXPECT_FALSE(p->CanAssign("root"));
  auto again = ParsePolicy("admin", PolicyJson(*p));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(PolicyJson(*again), PolicyJson(*p));
  EXPECT_NE(PolicyJson(*p).find("\"assignable_policies\":[\"staff\",\"app-*\"]"),
            std::string::npos);
  auto any = ParsePolicy("a", R"({"assignable_policies":["*"]})");
  ASSERT_TRUE(any.ok());
  EXPECT_TRUE(any->CanAssign("whatever"));
  EXPECT_FALSE(any->CanAssign("root")) << "not even through '*'";
  EXPECT_EQ(PolicyJson(*ParsePolicy("n", R"({"rules":[]})")).find("assignable"), std::string::npos);
  for (const char* bad :
       {R"({"assignable_policies":["root"]})", R"({"assignable_policies":["Staff"]})",
        R"({"assignable_policies":["a*b"]})", R"({"assignable_policies":["x","x"]})",
        R"({"assignable_policies":"staff"})", R"({"assignable_policies":[1]})"}) {
    EXPECT_FALSE(ParsePolicy("a", bad).ok()) << bad;
  }
}

TEST(Policy, ParsesMatchesAndRoundTrips) {
  auto p = ParsePolicy("staff", R"({"rules":[{"keys":"app-*","capabilities":["encrypt","rewrap"]},
      {"keys":"billing","capabilities":["read"]}],"system":["tokens"]})");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->AllowsKey(kCapEncrypt, "app-1"));
  EXPECT_TRUE(p->AllowsKey(kCapRewrap, "app-"));
  EXPECT_FALSE(p->AllowsKey(kCapDecrypt, "app-1"));
  EXPECT_FALSE(p->AllowsKey(kCapEncrypt, "ap"));
  EXPECT_FALSE(p->AllowsKey(kCapEncrypt, "billing"));
  EXPECT_TRUE(p->AllowsKey(kCapRead, "billing"));
  EXPECT_FALSE(p->AllowsKey(kCapRead, "billing2"));  // exact, not prefix
  EXPECT_TRUE(p->AllowsAnyKey(kCapRead));
  EXPECT_FALSE(p->AllowsAnyKey(kCapManage));
  EXPECT_EQ(p->system, kSysCapTokens);
  auto again = ParsePolicy("staff", PolicyJson(*p));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(PolicyJson(*again), PolicyJson(*p));
  auto all = ParsePolicy("all", R"({"rules":[{"keys":"*","capabilities":["decrypt"]}]})");
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->AllowsKey(kCapDecrypt, "anything.at-all"));
  EXPECT_TRUE(RootPolicy().AllowsKey(kCapManage, "x"));
  EXPECT_EQ(RootPolicy().system, kAllSysCaps);
}

TEST(Policy, RejectsMalformedPolicies) {
  const char* bad[] = {
      "",
      "[]",
      "{\"rules\":{}}",
      "{\"rules\":[{\"keys\":\"a\"}]}",
      "{\"rules\":[{\"capabilities\":[\"encrypt\"]}]}",
      "{\"rules\":[{\"keys\":\"a\",\"capabilities\":[]}]}",
      "{\"rules\":[{\"keys\":\"a\",\"capabilities\":[\"encrypt\",\"encrypt\"]}]}",
      "{\"rules\":[{\"keys\":\"a\",\"capabilities\":[\"Encrypt\"]}]}",
      "{\"rules\":[{\"keys\":\"a*b\",\"capabilities\":[\"encrypt\"]}]}",
      "{\"rules\":[{\"keys\":\"a\\\\b\",\"capabilities\":[\"encrypt\"]}]}",
      "{\"rules\":[{\"keys\":\"a b\",\"capabilities\":[\"encrypt\"]}]}",
      "{\"rules\":[{\"keys\":\"\",\"capabilities\":[\"encrypt\"]}]}",
      "{\"rules\":[{\"keys\":\"a\",\"capabilities\":[\"encrypt\"],\"x\":1}]}",
      "{\"rules\":[],\"system\":[\"root\"]}",
      "{\"rules\":[],\"sytem\":[]}",
      "{\"rules\":[{\"keys\":1,\"capabilities\":[\"encrypt\"]}]}",
      "{\"name\":\"other\",\"rules\":[]}",
  };
  for (const char* text : bad) {
    auto p = ParsePolicy("p", text);
    EXPECT_FALSE(p.ok()) << text;
    if (!p.ok()) {
      EXPECT_EQ(p.status().reason(), "bad_request") << text;
    }
  }
  EXPECT_FALSE(ParsePolicy("Bad Name", "{}").ok());
  EXPECT_FALSE(ParsePolicy(std::string(65, 'a'), "{}").ok());
  EXPECT_TRUE(ParsePolicy("empty", "{}").ok());  // grants nothing, which is allowed
  // KMIP objects' resources: "kmip/<group>/<uid>" ('/' never appears in key names).
  auto kmip =
      ParsePolicy("kmip", R"({"rules":[{"keys":"kmip/tapes/*","capabilities":["export"]}]})");
  ASSERT_TRUE(kmip.ok()) << kmip.status().ToString();
  EXPECT_TRUE(kmip->AllowsKey(kCapExport, "kmip/tapes/2f1d"));
  EXPECT_FALSE(kmip->AllowsKey(kCapExport, "kmip/vms/2f1d"));
  EXPECT_FALSE(kmip->AllowsKey(kCapRead, "kmip/tapes/2f1d"));
}

}  // namespace
}  // namespace keep::access
