#include "access/metrics.h"

#include <gtest/gtest.h>

#include <string>

#include "access/operation.h"

namespace keep::access {
namespace {

// Every operation has its own counters — the last ones added included (the table of
// counters once stopped short of the newest operations, and their requests counted into
// memory past its end).
TEST(RequestMetrics, EveryOperationCountsOnItsOwn) {
  RequestMetrics m;
  ASSERT_EQ(Operations().size(), kOperationCount);
  for (const OperationSpec& s : Operations()) {
    for (size_t i = 0; i <= static_cast<size_t>(s.op); ++i) m.Observe(s.name, "ok", 0, 1000);
    m.RateLimited(s.op);
  }
  for (const OperationSpec& s : Operations()) {
    EXPECT_EQ(m.Count(s.name, "ok"), static_cast<size_t>(s.op) + 1) << s.name;
  }
  m.Observe("no.such.operation", "ok", 0, 1000);
  EXPECT_EQ(m.Count("other", "ok"), 1u);
  std::string text;
  m.Write(&text);
  EXPECT_NE(text.find("operation=\"split.partial\""), std::string::npos);
  EXPECT_NE(text.find("operation=\"other\""), std::string::npos);
}

}  // namespace
}  // namespace keep::access
