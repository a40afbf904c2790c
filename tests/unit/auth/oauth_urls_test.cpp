// The URLs of an OAuth sign-in (auth/oauth_urls.hpp), in the shapes Supabase Auth produces.
#include "auth/oauth_urls.hpp"

#include <gtest/gtest.h>

#include <boost/json/object.hpp>

namespace basalt::auth {
namespace {

TEST(OAuthUrls, FormEncodingIsGoQueryEscape) {
  EXPECT_EQ(query_escape("a b&c=d/é~._-"), "a+b%26c%3Dd%2F%C3%A9~._-");
  EXPECT_EQ(form_encode({{"b", "2"}, {"a", "1 2"}}), "b=2&a=1+2");
  EXPECT_EQ(form_encode_sorted({{"b", "2"}, {"a", "1"}}), "a=1&b=2");
}

TEST(OAuthUrls, FormDecoding) {
  auto p = form_decode("code=abc%2Fd&state=x+y&flag&&empty=");
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(form_value(p, "code"), "abc/d");
  EXPECT_EQ(form_value(p, "state"), "x y");
  EXPECT_EQ(form_value(p, "flag"), "");
  EXPECT_EQ(form_value(p, "missing"), "");
  // A broken escape stays as it is.
  EXPECT_EQ(form_value(form_decode("a=%zz%4"), "a"), "%zz%4");
}

TEST(OAuthUrls, ScopesStartWithOpenIdAndHaveNoDuplicates) {
  EXPECT_EQ(oauth_scope({}, ""), "openid email profile");
  EXPECT_EQ(oauth_scope({"offline_access"}, "repo,gist email"),
            "openid email profile offline_access repo gist");
  EXPECT_EQ(oauth_scope({"openid"}, "profile,,  "), "openid email profile");
}

TEST(OAuthUrls, AuthorizationUrlSortsAndKeepsTheEndpointsQuery) {
  EXPECT_EQ(authorization_url("https://idp.example/auth",
                              {{"state", "s"}, {"client_id", "c"}, {"scope", "openid email"}}),
            "https://idp.example/auth?client_id=c&scope=openid+email&state=s");
  EXPECT_EQ(
      authorization_url("https://idp.example/auth?tenant=t&client_id=old", {{"client_id", "new"}}),
      "https://idp.example/auth?client_id=new&tenant=t");
}

TEST(OAuthUrls, CodeGoesIntoTheQuery) {
  EXPECT_EQ(with_query_param("http://localhost:3000/cb", "code", "a-b"),
            "http://localhost:3000/cb?code=a-b");
  EXPECT_EQ(with_query_param("http://app/cb?x=1&code=old#frag", "code", "new"),
            "http://app/cb?code=new&x=1#frag");
}

TEST(OAuthUrls, ErrorRedirectHasQueryAndFragment) {
  EXPECT_EQ(error_redirect("http://app/cb?x=1", "access_denied", "signup_disabled",
                           "Signups not allowed for this instance"),
            "http://app/cb?error=access_denied&error_code=signup_disabled&error_description="
            "Signups+not+allowed+for+this+instance&x=1"
            "#error=access_denied&error_code=signup_disabled&error_description="
            "Signups+not+allowed+for+this+instance&sb=");
  // The provider's own error: no error_code.
  EXPECT_EQ(error_redirect("http://app/#old", "access_denied", "", "denied"),
            "http://app/?error=access_denied&error_description=denied"
            "#error=access_denied&error_description=denied&sb=");
  // A bad state: query only, at the site URL.
  EXPECT_EQ(error_redirect("http://site", "invalid_request", "bad_oauth_state", "expired",
                           /*fragment=*/false),
            "http://site?error=invalid_request&error_code=bad_oauth_state&"
            "error_description=expired");
}

TEST(OAuthUrls, SessionRedirectCarriesTheTokensInTheFragment) {
  boost::json::object s;
  s["access_token"] = "at";
  s["token_type"] = "bearer";
  s["expires_in"] = 3600;
  s["expires_at"] = 1700003600;
  s["refresh_token"] = "rt";
  EXPECT_EQ(session_redirect("http://app/cb", s, "provider at", ""),
            "http://app/cb#access_token=at&expires_at=1700003600&expires_in=3600&"
            "provider_token=provider+at&refresh_token=rt&sb=&token_type=bearer");
  EXPECT_EQ(session_redirect("http://app/cb", s, "pt", "prt"),
            "http://app/cb#access_token=at&expires_at=1700003600&expires_in=3600&"
            "provider_refresh_token=prt&provider_token=pt&refresh_token=rt&sb=&"
            "token_type=bearer");
}

}  // namespace
}  // namespace basalt::auth
