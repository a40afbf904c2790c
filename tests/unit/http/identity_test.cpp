// identify(): the token that speaks for a request becomes a role and claims, or an error.
#include "http/identity.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "jwt/jwt.hpp"

namespace basalt::http {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;
const std::string kSecret = "0123456789abcdef0123456789abcdef0123";

IdentityOptions options() {
  IdentityOptions o;
  o.jwt_secret = kSecret;
  o.allowed_roles = std::make_shared<const std::set<std::string>>(
      std::set<std::string>{"anon", "authenticated", "service_role"});
  return o;
}

std::string token(boost::json::object claims, const std::string& secret = kSecret) {
  return jwt::sign_hs256(claims, secret);
}

TEST(Identity, NoTokenIsAnon) {
  auto id = identify("", options(), kNow);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->role, "anon");
  EXPECT_EQ(id->claims_json, "{}");
}

TEST(Identity, RoleAndClaimsComeFromAValidToken) {
  auto id = identify(token({{"sub", "u1"}, {"role", "authenticated"}, {"exp", kNow + 60}}),
                     options(), kNow);
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(id->role, "authenticated");
  auto claims = boost::json::parse(id->claims_json).as_object();
  EXPECT_EQ(claims.at("sub").as_string(), "u1");
}

TEST(Identity, TokenWithoutRoleActsAsAnon) {
  auto id = identify(token({{"sub", "u1"}}), options(), kNow);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->role, "anon");
}

TEST(Identity, RoleTheAuthenticatorCannotBecomeIsRejected) {
  auto id = identify(token({{"role", "postgres"}}), options(), kNow);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().status, 401);
  EXPECT_EQ(id.error().code, "role_not_allowed");
}

TEST(Identity, NoRoleListMeansNothingIsAllowed) {
  auto o = options();
  o.allowed_roles.reset();
  EXPECT_FALSE(identify(token({{"role", "authenticated"}}), o, kNow));
}

TEST(Identity, ExpiredTokenIsRejectedWithThirtySecondsLeeway) {
  EXPECT_TRUE(identify(token({{"role", "anon"}, {"exp", kNow - 29}}), options(), kNow));
  auto id = identify(token({{"role", "anon"}, {"exp", kNow - 31}}), options(), kNow);
  ASSERT_FALSE(id);
  EXPECT_EQ(jwt::verify_error_kind(id.error()), jwt::VerifyError::expired);
}

TEST(Identity, WrongSecretIsRejected) {
  auto id =
      identify(token({{"role", "anon"}}, "another-secret-another-secret-1234"), options(), kNow);
  ASSERT_FALSE(id);
  EXPECT_EQ(jwt::verify_error_kind(id.error()), jwt::VerifyError::bad_signature);
}

TEST(Identity, AudienceIsCheckedWhenConfigured) {
  auto o = options();
  o.audience = "authenticated";
  EXPECT_TRUE(identify(token({{"role", "anon"}, {"aud", "authenticated"}}), o, kNow));
  EXPECT_FALSE(identify(token({{"role", "anon"}, {"aud", "other"}}), o, kNow));
}

TEST(RequestContext, HeadersAreLowerCasedAndCookiesSplit) {
  Exchange ex;
  ex.request.method(beast_http::verb::post);
  ex.request.set("X-Client-Info", "supabase-js/2");
  ex.request.set("Cookie", "a=1; b=two");
  ex.subpath = "/todos";
  Identity id{"authenticated", {}, R"({"sub":"u"})"};
  auto ctx = request_context(ex, id, "\"public\"");
  EXPECT_EQ(ctx.role, "authenticated");
  EXPECT_EQ(ctx.method, "POST");
  EXPECT_EQ(ctx.path, "/todos");
  auto headers = boost::json::parse(ctx.headers_json).as_object();
  EXPECT_EQ(headers.at("x-client-info").as_string(), "supabase-js/2");
  EXPECT_FALSE(headers.contains("cookie"));
  auto cookies = boost::json::parse(ctx.cookies_json).as_object();
  EXPECT_EQ(cookies.at("a").as_string(), "1");
  EXPECT_EQ(cookies.at("b").as_string(), "two");
}

}  // namespace
}  // namespace basalt::http
