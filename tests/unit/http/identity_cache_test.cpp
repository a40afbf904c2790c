// IdentityCache through identify(): a token that verified once is served from the cache until
// it expires; a changed signature, a bad token or an expired one is verified (and refused).
#include "http/identity_cache.hpp"

#include <gtest/gtest.h>

#include "http/identity.hpp"
#include "jwt/jwt.hpp"

namespace basalt::http {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;
const std::string kSecret = "0123456789abcdef0123456789abcdef0123";

IdentityOptions cached_options(std::size_t entries = 10) {
  IdentityOptions o;
  o.jwt_secret = kSecret;
  o.allowed_roles =
      std::make_shared<const std::set<std::string>>(std::set<std::string>{"anon", "authenticated"});
  o.cache = std::make_shared<IdentityCache>(entries);
  return o;
}

std::string token(std::int64_t exp, const std::string& sub = "u1") {
  return jwt::sign_hs256({{"sub", sub}, {"role", "authenticated"}, {"exp", exp}}, kSecret);
}

TEST(IdentityCache, AVerifiedTokenIsRemembered) {
  auto o = cached_options();
  const std::string t = token(kNow + 60);
  auto first = identify(t, o, kNow);
  ASSERT_TRUE(first);
  EXPECT_EQ(o.cache->size(), 1u);
  auto second = identify(t, o, kNow + 1);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->role, "authenticated");
  EXPECT_EQ(second->claims_json, first->claims_json);
  // Served from the cache: even with the secret gone, the same token still maps the same.
  o.jwt_secret = "another-secret-that-is-long-enough-to-use-00";
  EXPECT_TRUE(identify(t, o, kNow + 2));
}

TEST(IdentityCache, OnlyTheExactTokenHits) {
  auto o = cached_options();
  std::string t = token(kNow + 60);
  ASSERT_TRUE(identify(t, o, kNow));
  std::string forged = t;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';  // another signature
  auto r = identify(forged, o, kNow);
  ASSERT_FALSE(r);
  EXPECT_EQ(o.cache->size(), 1u);  // failures are not stored
}

TEST(IdentityCache, ExpiredTokensAreVerifiedAgainAndRefused) {
  auto o = cached_options();
  const std::string t = token(kNow + 60);
  ASSERT_TRUE(identify(t, o, kNow));
  EXPECT_TRUE(identify(t, o, kNow + 60 + 29));  // within the 30 s leeway
  EXPECT_FALSE(identify(t, o, kNow + 60 + 30));
}

TEST(IdentityCache, FullCacheStartsOverAndZeroDisablesIt) {
  auto o = cached_options(2);
  ASSERT_TRUE(identify(token(kNow + 60, "a"), o, kNow));
  ASSERT_TRUE(identify(token(kNow + 60, "b"), o, kNow));
  ASSERT_TRUE(identify(token(kNow + 60, "c"), o, kNow));
  EXPECT_EQ(o.cache->size(), 1u);
  auto off = cached_options(0);
  ASSERT_TRUE(identify(token(kNow + 60), off, kNow));
  EXPECT_EQ(off.cache->size(), 0u);
}

}  // namespace
}  // namespace basalt::http
