// The server's error answers and libkeep's reading of them agree with keep/reasons.h for
// every API reason (issue 12.11): the HTTP status, the JSON code, and the Status a client
// gets back (code, reason and message).
#include <gtest/gtest.h>

#include <set>

#include "http/aws_door.h"
#include "http/errors.h"
#include "http/kmip_door.h"
#include "keep/client.h"
#include "keep/reasons.h"

namespace keep::http {
namespace {

TEST(Reasons, EveryApiReasonKeepsItsStatusAndComesBackToTheClientAsItself) {
  for (const Reason& r : kApiReasons) {
    SCOPED_TRACE(std::string(r.name));
    const Status st(r.code, ReasonCode::FromTable(r.name), "because of something");
    EXPECT_EQ(HttpStatusFor(st), r.http_status);
    const HttpResponse resp = ErrorResponse(st, "req-1");
    EXPECT_EQ(resp.status, r.http_status);
    EXPECT_EQ(resp.error_code, r.name);
    const Status back = StatusOf(HttpResult{resp.status, resp.body, "req-1", 0});
    EXPECT_EQ(back.reason(), r.name);
    EXPECT_EQ(back.code(), r.code);
    if (r.name != "internal") {
      EXPECT_EQ(back.message(), "because of something");
    }
  }
}

TEST(Reasons, AnUnknownCodeFromANewerServerKeepsItsText) {
  const Status back = StatusOf(
      HttpResult{409, R"({"error":{"code":"brand_new_reason","message":"it happened"}})", "", 0});
  EXPECT_EQ(back.code(), Code::kFailedPrecondition);
  EXPECT_EQ(back.message(), "brand_new_reason: it happened");
  EXPECT_EQ(StatusOf(HttpResult{502, "<html>bad gateway</html>", "", 0}).code(), Code::kInternal);
  EXPECT_EQ(FindApiReason("brand_new_reason"), nullptr);
  EXPECT_NE(FindApiReason("sealed"), nullptr);
}

// The KMIP door's one table (KmipReasonRow): every API reason and every reason of the
// door's own has a row; failures of the client's making never read as keep's (General
// Failure), and keep's own never as the client's.
TEST(Reasons, EveryApiAndKmipReasonHasAKmipResultReason) {
  using kmip::ResultReason;
  for (const Reason& r : kApiReasons) {
    SCOPED_TRACE(std::string(r.name));
    const auto k = KmipReasonRow(r.name);
    ASSERT_TRUE(k.has_value());
    if (r.http_status >= 500 && r.name != "locked_down" && r.name != "not_implemented") {
      EXPECT_EQ(*k, ResultReason::kGeneralFailure);
    }
  }
  for (std::string_view r : kLocalReasons) {
    if (r.substr(0, 5) != "kmip_") continue;
    SCOPED_TRACE(std::string(r));
    ASSERT_TRUE(KmipReasonRow(r).has_value());
    EXPECT_NE(*KmipReasonRow(r), ResultReason::kGeneralFailure);
  }
  EXPECT_EQ(KmipReasonFor("not_found"), ResultReason::kItemNotFound);
  EXPECT_EQ(KmipReasonFor("unauthenticated"), ResultReason::kPermissionDenied);
  EXPECT_EQ(KmipReasonFor("kmip_not_extractable"), ResultReason::kNotExtractable);
}

// The AWS door's one table (AwsErrorFor): every API reason becomes an error type of the
// AWS KMS API reference, client errors as 4xx, and only keep's own failures as 5xx.
TEST(Reasons, EveryApiReasonHasAnAwsKmsErrorType) {
  const std::set<std::string_view> kms_types = {
      "NotFoundException",        "DisabledException",
      "KMSInvalidStateException", "InvalidCiphertextException",
      "IncorrectKeyException",    "AlreadyExistsException",
      "AccessDeniedException",    "UnrecognizedClientException",
      "ThrottlingException",      "UnsupportedOperationException",
      "ValidationException",      "KMSInternalException",
      "InvalidKeyUsageException"};
  for (const Reason& r : kApiReasons) {
    SCOPED_TRACE(std::string(r.name));
    const AwsError e = AwsErrorFor(Status(r.code, ReasonCode::FromTable(r.name), "x"));
    EXPECT_TRUE(kms_types.count(e.type)) << e.type;
    // A lockdown is a decision and an operation keep does not offer is the client's to
    // change: AWS answers both as client errors.
    const bool decision = r.name == "locked_down" || r.name == "not_implemented";
    if (r.http_status < 500 || decision) {
      EXPECT_EQ(e.status, 400) << "AWS KMS answers client errors with 400";
    } else {
      EXPECT_GE(e.status, 500);
    }
    if (r.name == "internal") {
      EXPECT_EQ(e.type, "KMSInternalException");
    }
  }
  // The distinctions AWS SDKs act on.
  EXPECT_EQ(AwsErrorFor(Status(Code::kInvalidArgument, "context_mismatch", "")).type,
            "InvalidCiphertextException");
  EXPECT_EQ(AwsErrorFor(Status(Code::kResourceExhausted, "rate_limited", "")).type,
            "ThrottlingException");
  EXPECT_EQ(AwsErrorFor(Status(Code::kUnavailable, "locked_down", "")).type,
            "AccessDeniedException")
      << "a lockdown is a decision, not a reason to retry";
}

}  // namespace
}  // namespace keep::http
