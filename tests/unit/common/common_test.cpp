// Result/Error, random ids and the Prometheus rendering of metrics.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "common/error.hpp"
#include "common/metrics.hpp"
#include "common/random.hpp"

namespace basalt {
namespace {

TEST(Result, HoldsValueOrError) {
  Result<int> ok = 5;
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 5);
  Result<int> bad = Error::make(404, "nope", "not found");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().status, 404);
  Status s;
  EXPECT_TRUE(s);
  Status f = Error::make(500, "x", "y");
  EXPECT_FALSE(f);
}

TEST(Random, UuidsAreVersion4AndDistinct) {
  const std::regex v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto id = random_uuid();
    EXPECT_TRUE(std::regex_match(id, v4)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 200u);
  EXPECT_EQ(random_hex(16).size(), 32u);
}

TEST(Metrics, RendersCountersHistogramAndGauges) {
  Metrics m;
  m.observe_request("rest", "GET", 200, 0.003);
  m.observe_request("rest", "GET", 200, 0.2);
  m.observe_request("rest", "POST", 401, 0.0001);
  m.add_gauge("basalt_db_pool_in_use", "in use", [] { return 3.0; });
  const std::string text = m.render();
  EXPECT_NE(text.find(R"(basalt_http_requests_total{route="rest",method="GET",status="200"} 2)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(basalt_http_requests_total{route="rest",method="POST",status="401"} 1)"),
            std::string::npos);
  // 0.003 s and 0.0001 s fall in the 5 ms bucket, 0.2 s does not.
  EXPECT_NE(text.find(R"(basalt_http_request_duration_seconds_bucket{route="rest",le="0.005"} 2)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(basalt_http_request_duration_seconds_bucket{route="rest",le="+Inf"} 3)"),
            std::string::npos);
  EXPECT_NE(text.find("basalt_db_pool_in_use 3\n"), std::string::npos);
}

}  // namespace
}  // namespace basalt
