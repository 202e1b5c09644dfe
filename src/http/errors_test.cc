// The server's error answers and libkeep's reading of them agree with keep/reasons.h for
// every API reason (issue 12.11): the HTTP status, the JSON code, and the Status a client
// gets back (code, reason and message).
#include <gtest/gtest.h>

#include "http/errors.h"
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

}  // namespace
}  // namespace keep::http
