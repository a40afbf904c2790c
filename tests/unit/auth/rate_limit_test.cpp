#include "auth/rate_limit.hpp"

#include <gtest/gtest.h>

namespace basalt::auth {
namespace {

TEST(RateLimit, BurstThenRefusedUntilRefilled) {
  const auto limit = RateLimit::per(3, 300);  // 3 per 5 minutes
  Bucket b = new_bucket(limit, 1000);
  EXPECT_TRUE(take(b, limit, 1000));
  EXPECT_TRUE(take(b, limit, 1000));
  EXPECT_TRUE(take(b, limit, 1000));
  EXPECT_FALSE(take(b, limit, 1000));
  EXPECT_FALSE(take(b, limit, 1099));  // 0.99 of a token back
  EXPECT_TRUE(take(b, limit, 1100));   // one token after 100 s
  EXPECT_FALSE(take(b, limit, 1100));
}

TEST(RateLimit, RefillIsCappedAtTheBurst) {
  const auto limit = RateLimit::per(2, 60);
  Bucket b = new_bucket(limit, 0);
  EXPECT_TRUE(take(b, limit, 0));
  EXPECT_TRUE(take(b, limit, 0));
  // A day later there are still only two tokens.
  EXPECT_TRUE(take(b, limit, 86400));
  EXPECT_TRUE(take(b, limit, 86400));
  EXPECT_FALSE(take(b, limit, 86400));
}

TEST(RateLimit, ClockGoingBackwardsGivesNothingBack) {
  const auto limit = RateLimit::per(1, 10);
  Bucket b = new_bucket(limit, 100);
  EXPECT_TRUE(take(b, limit, 100));
  EXPECT_FALSE(take(b, limit, 50));
  EXPECT_FALSE(take(b, limit, 105));
  EXPECT_TRUE(take(b, limit, 110));
}

TEST(RateLimit, DefaultsFollowTheCli) {
  toml::table raw;
  auto r = rate_limits_from(raw, /*smtp_enabled=*/false);
  EXPECT_FALSE(r.email_sent);  // only with SMTP
  ASSERT_TRUE(r.token_refresh);
  EXPECT_DOUBLE_EQ(r.token_refresh->burst, 150);
  EXPECT_DOUBLE_EQ(r.token_refresh->per_second, 150.0 / 300);
  ASSERT_TRUE(r.anonymous_users);
  EXPECT_DOUBLE_EQ(r.anonymous_users->per_second, 30.0 / 3600);
  EXPECT_TRUE(rate_limits_from(raw, true).email_sent);

  auto custom = toml::parse("[auth.rate_limit]\nsign_in_sign_ups = 0\ntoken_verifications = 7\n");
  auto c = rate_limits_from(custom, false);
  EXPECT_FALSE(c.sign_in_sign_ups);
  ASSERT_TRUE(c.token_verifications);
  EXPECT_DOUBLE_EQ(c.token_verifications->burst, 7);
}

TEST(ClientKey, PeerUnlessItIsATrustedProxy) {
  const std::vector<std::string> none;
  EXPECT_EQ(client_key("10.0.0.5", "1.2.3.4", none), "10.0.0.5");  // spoofed header ignored
  const std::vector<std::string> proxies{"10.0.0.1", "10.0.0.2"};
  EXPECT_EQ(client_key("10.0.0.1", "1.2.3.4", proxies), "1.2.3.4");
  EXPECT_EQ(client_key("10.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.2", proxies), "1.2.3.4");
  EXPECT_EQ(client_key("10.0.0.1", "", proxies), "10.0.0.1");
  EXPECT_EQ(client_key("10.0.0.1", " , 10.0.0.2", proxies), "10.0.0.1");
}

}  // namespace
}  // namespace basalt::auth
