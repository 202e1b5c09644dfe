#include "http/response_head.h"

#include <gtest/gtest.h>

namespace keep::http {
namespace {

TEST(ResponseHead, FieldsInOrderWithContentLength) {
  HttpResponse r;
  r.status = 201;
  r.body = "{\"a\":1}";
  r.headers = {{"X-Request-Id", "abc"}};
  std::string head;
  FormatResponseHead(head, r, 11, true);
  EXPECT_EQ(head,
            "HTTP/1.1 201 Created\r\nServer: keep\r\nContent-Type: application/json\r\n"
            "Cache-Control: no-store\r\nX-Request-Id: abc\r\nContent-Length: 7\r\n\r\n");
}

TEST(ResponseHead, ConnectionOnlyWhereTheVersionsDefaultDoesNotHold) {
  HttpResponse r;
  std::string head;
  FormatResponseHead(head, r, 11, false);
  EXPECT_NE(head.find("\r\nConnection: close\r\n"), std::string::npos);
  FormatResponseHead(head, r, 11, true);
  EXPECT_EQ(head.find("Connection"), std::string::npos);
  FormatResponseHead(head, r, 10, true);
  EXPECT_EQ(head.rfind("HTTP/1.0 200 OK\r\n", 0), 0u);
  EXPECT_NE(head.find("\r\nConnection: keep-alive\r\n"), std::string::npos);
  FormatResponseHead(head, r, 10, false);
  EXPECT_EQ(head.find("Connection"), std::string::npos);
}

TEST(ResponseHead, NoContentLengthWithoutABody) {
  for (int status : {204, 304, 101}) {
    HttpResponse r;
    r.status = status;
    std::string head;
    FormatResponseHead(head, r, 11, true);
    EXPECT_EQ(head.find("Content-Length"), std::string::npos) << status;
    EXPECT_TRUE(StatusHasNoBody(status));
  }
  EXPECT_FALSE(StatusHasNoBody(200));
  EXPECT_FALSE(StatusHasNoBody(404));
}

TEST(ResponseHead, ALaterHeaderReplacesAnEarlierAndBadOnesAreDropped) {
  HttpResponse r;
  r.status = 503;
  r.content_type = "application/x-amz-json-1.1";
  r.headers = {{"Retry-After", "1"},         {"retry-after", "2"},
               {"Cache-Control", "private"}, {"X-Evil", "a\r\nSet-Cookie: x=1"},
               {"X-Bad:Name", "v"},          {"X-Ok", "fine"}};
  std::string head;
  FormatResponseHead(head, r, 11, true);
  EXPECT_EQ(head,
            "HTTP/1.1 503 Service Unavailable\r\nServer: keep\r\n"
            "Content-Type: application/x-amz-json-1.1\r\nretry-after: 2\r\n"
            "Cache-Control: private\r\nX-Ok: fine\r\nContent-Length: 0\r\n\r\n");
}

}  // namespace
}  // namespace keep::http
