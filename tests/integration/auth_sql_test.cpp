// The Auth service's SQL functions (src/platform/sql/R_auth_api.sql) exercised directly, as
// supabase_auth_admin: the shared rate-limit buckets (time as a parameter, several
// connections standing in for several Basalt nodes) and refresh-token rotation.
#include <gtest/gtest.h>

#include <string>

#include "harness.hpp"
#include "platform/pg_sync.hpp"

namespace basalt {
namespace {

class AuthSql : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto made = harness::TestPostgres::create(/*bootstrap=*/true);
    ASSERT_TRUE(made) << made.error().message;
    db_ = std::move(made).value().release();
  }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
  }
  // A connection as the Auth service makes it.
  static platform::PgSync node() {
    auto c = platform::PgSync::connect(db_->pg().conninfo("supabase_auth_admin"));
    EXPECT_TRUE(c) << c.error().message;
    return std::move(c).value();
  }
  static std::string take(platform::PgSync& c, const std::string& key, double now) {
    auto r = c.exec_params(
        "SELECT _basalt.auth_rate_take('sign_in_sign_ups', $1, $2::double precision, "
        "$3::double precision, $4::double precision)",
        {key, std::to_string(now), std::to_string(3.0 / 300), "3"});
    EXPECT_TRUE(r) << r.error().message;
    return r ? std::string(r->get(0, 0)) : "";
  }
  static harness::TestPostgres* db_;
};
harness::TestPostgres* AuthSql::db_ = nullptr;

TEST_F(AuthSql, RateLimitBucketIsSharedByEveryNode) {
  auto a = node();
  auto b = node();
  // Three requests per five minutes, spread over two nodes.
  EXPECT_EQ(take(a, "203.0.113.7", 1000), "t");
  EXPECT_EQ(take(b, "203.0.113.7", 1000), "t");
  EXPECT_EQ(take(a, "203.0.113.7", 1001), "t");
  EXPECT_EQ(take(b, "203.0.113.7", 1001), "f");
  EXPECT_EQ(take(a, "198.51.100.1", 1001), "t");  // another client has its own bucket
  EXPECT_EQ(take(b, "203.0.113.7", 1099), "f");   // 0.99 of a token back
  EXPECT_EQ(take(a, "203.0.113.7", 1101), "t");   // one token after 100 s
  EXPECT_EQ(take(b, "203.0.113.7", 1101), "f");
}

TEST_F(AuthSql, RefreshTokenRotationAndReuse) {
  auto c = node();
  const std::string user = "3f0b2b5e-0d55-4a5e-9d6a-6f1c3a9c0001";
  ASSERT_TRUE(c.exec_params(
      "SELECT _basalt.auth_admin_create_user(jsonb_build_object('id', $1::text, 'email', "
      "'rt@example.com', 'aud', 'authenticated', 'password_hash', '', 'actor', 'service_role'))",
      {user}));
  auto started = c.exec_params(
      "SELECT _basalt.auth_start_session(jsonb_build_object('user_id', $1::text, 'method', "
      "'password', 'refresh_token', 'rt-one'))->>'refresh_token'",
      {user});
  ASSERT_TRUE(started) << started.error().message;
  EXPECT_EQ(started->get(0, 0), "rt-one");
  auto refresh = [&](const std::string& token, const std::string& next, int interval) {
    auto r = c.exec_params(
        "SELECT coalesce(x->>'error', x->>'refresh_token') FROM _basalt.auth_refresh("
        "jsonb_build_object('token', $1::text, 'new_token', $2::text, 'reuse_interval', "
        "$3::int, 'rotation', true)) x",
        {token, next, std::to_string(interval)});
    EXPECT_TRUE(r) << r.error().message;
    return r ? std::string(r->get(0, 0)) : "";
  };
  EXPECT_EQ(refresh("rt-one", "rt-two", 10), "rt-two");
  // The parent of the active token: the client lost the answer, it gets rt-two again.
  EXPECT_EQ(refresh("rt-one", "rt-x", 10), "rt-two");
  EXPECT_EQ(refresh("rt-two", "rt-three", 10), "rt-three");
  // rt-one is two generations back: within the interval a new child, after it the family ends.
  EXPECT_EQ(refresh("rt-one", "rt-four", 0), "refresh_token_already_used");
  EXPECT_EQ(refresh("rt-three", "rt-five", 0), "refresh_token_already_used");
  EXPECT_EQ(refresh("nope", "rt-six", 10), "refresh_token_not_found");
}

}  // namespace
}  // namespace basalt
