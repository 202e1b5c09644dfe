// SigV4: requests signed by botocore (tests/vectors/sigv4_botocore.json) verify; every
// byte the signature covers, changed, does not; the refusals say what is wrong and of
// which kind.
#include "access/sigv4.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

namespace keep::access {
namespace {

namespace json = boost::json;

struct Case {
  std::string method, path, query, body, authorization;
  std::vector<std::pair<std::string, std::string>> headers;
  int64_t now = 0;
};

struct Vectors {
  std::string secret;
  std::vector<Case> cases;
};

Vectors Load() {
  std::ifstream in(std::string(KEEP_SOURCE_DIR) + "/tests/vectors/sigv4_botocore.json");
  std::stringstream ss;
  ss << in.rdbuf();
  const json::value v = json::parse(ss.str());
  Vectors out;
  out.secret = std::string(v.at("secret_access_key").as_string());
  for (const auto& c : v.at("cases").as_array()) {
    Case k;
    k.method = std::string(c.at("method").as_string());
    k.path = std::string(c.at("path").as_string());
    k.query = std::string(c.at("query").as_string());
    k.body = std::string(c.at("body").as_string());
    k.now = c.at("now").as_int64();
    for (const auto& h : c.at("headers").as_array()) {
      std::string name(h.as_array()[0].as_string()), value(h.as_array()[1].as_string());
      if (name == "Authorization") {
        k.authorization = value;
      } else {
        k.headers.emplace_back(name, value);
      }
    }
    out.cases.push_back(std::move(k));
  }
  return out;
}

SigV4Request RequestOf(const Case& c) {
  return {c.method, c.path, c.query, c.headers, c.authorization, AsBytes(c.body)};
}

Status Check(const Case& c, const std::string& secret, int64_t now_offset = 0,
             SigV4Error* kind = nullptr, std::string_view region = "us-east-1") {
  SigV4Expect e;
  e.region = region;
  e.now_unix = c.now + now_offset;
  auto claim = DecodeSigV4(RequestOf(c), e, kind);
  if (!claim.ok()) return claim.status();
  return VerifySigV4(*claim, AsBytes(secret));
}

TEST(SigV4, BotocoreSignaturesVerify) {
  const Vectors v = Load();
  ASSERT_EQ(v.cases.size(), 3u);
  for (const auto& c : v.cases) {
    EXPECT_TRUE(Check(c, v.secret).ok()) << Check(c, v.secret) << " " << c.authorization;
    SigV4Expect e;
    e.now_unix = c.now;
    auto claim = DecodeSigV4(RequestOf(c), e);
    ASSERT_TRUE(claim.ok());
    EXPECT_EQ(claim->access_key_id, "AKIAKEEPTEST00000001");
    EXPECT_EQ(claim->service, "kms");
  }
}

TEST(SigV4, EverySignedByteCounts) {
  const Vectors v = Load();
  const Case& base = v.cases[2];  // with a query
  auto refused = [&](const Case& c) { return !Check(c, v.secret).ok(); };
  Case body = base;
  body.body[body.body.size() / 2] ^= 1;
  EXPECT_TRUE(refused(body)) << "body";
  Case query = base;
  query.query = "a=1&b=x%20z";
  EXPECT_TRUE(refused(query)) << "query";
  Case method = base;
  method.method = "PUT";
  EXPECT_TRUE(refused(method)) << "method";
  Case path = base;
  path.path = "/v1";
  EXPECT_TRUE(refused(path)) << "path";
  for (size_t i = 0; i < base.headers.size(); ++i) {
    Case h = base;
    h.headers[i].second += "x";
    const bool signed_header = h.headers[i].first != "User-Agent";
    EXPECT_EQ(refused(h), signed_header) << h.headers[i].first;
  }
  EXPECT_FALSE(refused(base)) << "unchanged";
  EXPECT_FALSE(Check(base, v.secret + "x").ok()) << "another secret";
  // Header names in another case and values with other spacing are the same request.
  Case spaced = base;
  for (auto& [n, val] : spaced.headers) {
    for (char& ch : n) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (n == "x-keep-test") val = "a b c";
  }
  EXPECT_TRUE(Check(spaced, v.secret).ok()) << Check(spaced, v.secret);
  // The query's pairs in another order: the same canonical query.
  Case reordered = base;
  reordered.query = "b=x%20y&a=1";
  EXPECT_TRUE(Check(reordered, v.secret).ok());
}

TEST(SigV4, RefusalsSayWhatAndWhichKind) {
  const Vectors v = Load();
  const Case& base = v.cases[0];
  SigV4Error kind = SigV4Error::kNone;
  Status st = Check(base, v.secret, 16 * 60, &kind);
  EXPECT_EQ(kind, SigV4Error::kInvalid);
  EXPECT_NE(st.message().find("Signature expired"), std::string::npos) << st;
  st = Check(base, v.secret, -16 * 60, &kind);
  EXPECT_NE(st.message().find("not yet current"), std::string::npos) << st;
  EXPECT_TRUE(Check(base, v.secret, 14 * 60).ok()) << "within AWS's 15 minutes";
  st = Check(base, v.secret, 0, &kind, "eu-west-1");
  EXPECT_EQ(kind, SigV4Error::kInvalid);
  EXPECT_NE(st.message().find("eu-west-1"), std::string::npos) << st;

  auto with_auth = [&](std::string auth) {
    Case c = base;
    c.authorization = std::move(auth);
    SigV4Error k = SigV4Error::kNone;
    Status s = Check(c, v.secret, 0, &k);
    EXPECT_FALSE(s.ok()) << c.authorization;
    EXPECT_EQ(s.code(), Code::kUnauthenticated);
    return k;
  };
  EXPECT_EQ(with_auth(""), SigV4Error::kMissing);
  EXPECT_EQ(with_auth("Bearer keep_x"), SigV4Error::kIncomplete);
  EXPECT_EQ(with_auth("AWS4-HMAC-SHA256 Credential=AKID/20261201/us-east-1/kms/aws4_request"),
            SigV4Error::kIncomplete);
  const std::string sig = "Signature=" + std::string(64, 'a');
  EXPECT_EQ(with_auth("AWS4-HMAC-SHA256 Credential=AKID/2026/us-east-1/kms/aws4_request, "
                      "SignedHeaders=host;x-amz-date, " +
                      sig),
            SigV4Error::kIncomplete);
  EXPECT_EQ(with_auth("AWS4-HMAC-SHA256 Credential=AKID/20261201/us-east-1/s3/aws4_request, "
                      "SignedHeaders=host;x-amz-date, " +
                      sig),
            SigV4Error::kInvalid);
  EXPECT_EQ(with_auth("AWS4-HMAC-SHA256 Credential=AKID/20261201/us-east-1/kms/aws4_request, "
                      "SignedHeaders=content-type;x-amz-date, " +
                      sig),
            SigV4Error::kIncomplete)
      << "host must be signed";
  EXPECT_EQ(with_auth("AWS4-HMAC-SHA256 Credential=AKID/20261201/us-east-1/kms/aws4_request, "
                      "SignedHeaders=x-amz-date;host, " +
                      sig),
            SigV4Error::kIncomplete)
      << "unsorted";
  EXPECT_EQ(with_auth("AWS4-HMAC-SHA256 Credential=AKID/20261201/us-east-1/kms/aws4_request, "
                      "SignedHeaders=host;x-amz-date, Signature=XYZ"),
            SigV4Error::kIncomplete);
  EXPECT_EQ(with_auth("AWS4-HMAC-SHA256 Credential=AKID/20261130/us-east-1/kms/aws4_request, "
                      "SignedHeaders=host;x-amz-date, " +
                      sig),
            SigV4Error::kInvalid)
      << "a scope date other than the request's";

  Case token = base;
  token.headers.emplace_back("X-Amz-Security-Token", "FQoG");
  EXPECT_NE(Check(token, v.secret).message().find("session tokens"), std::string::npos);
  Case hashed = base;
  hashed.headers.emplace_back("x-amz-content-sha256", std::string(64, '0'));
  EXPECT_NE(Check(hashed, v.secret).message().find("x-amz-content-sha256"), std::string::npos);
  Case bad_date = base;
  for (auto& [n, val] : bad_date.headers) {
    if (n == "X-Amz-Date") val = "2026-12-01T12:00:00Z";
  }
  EXPECT_FALSE(Check(bad_date, v.secret).ok());
}

}  // namespace
}  // namespace keep::access
