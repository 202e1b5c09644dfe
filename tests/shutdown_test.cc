// Graceful shutdown: SIGTERM stops new connections but lets a request that is already
// being received finish, then keepd exits 0.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "harness.h"

namespace keep::testing {
namespace {

TEST(Shutdown, SigtermFinishesInFlightRequests) {
  Keepd server("shutdown_grace = \"10s\"\n");
  server.Start();
  auto c = server.NewClient();
  ASSERT_EQ(c->Send("POST", "/v1/keys", R"({"name":"k"})")->status, 201);

  const std::string body = R"({"plaintext":"aGVsbG8gd29ybGQ="})";
  RawConnection conn(server.port(), server.ca());
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(conn.Write("POST /v1/keys/k/encrypt HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                         server.token() + "\r\nContent-Length: " + std::to_string(body.size()) +
                         "\r\n\r\n" + body.substr(0, 10)));
  // The server is mid-request: its in-flight count says so (2: that request and the scrape
  // asking).
  ASSERT_TRUE(Keepd::WaitFor([&] { return server.Metric("keep_http_in_flight") == 2; }));
  server.Signal(SIGTERM);
  // New connections are refused (the listener closes) while the in-flight request is still
  // open.
  EXPECT_TRUE(Keepd::WaitFor([&] { return !RawConnection(server.port(), server.ca()).ok(); }));
  ASSERT_TRUE(conn.Write(body.substr(10)));
  const std::string reply = conn.Read(5000);
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply.substr(0, 200);
  EXPECT_NE(reply.find("\"ciphertext\":\"keep:"), std::string::npos);
  EXPECT_NE(reply.find("Connection: close"), std::string::npos)
      << "draining closes kept-alive connections";
  EXPECT_EQ(server.Wait(), 0) << server.log();
}

}  // namespace
}  // namespace keep::testing
