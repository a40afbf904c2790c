// Twitter's OAuth 1.0a steps as Basalt sends them (hosts, signed headers, the profile query)
// and how their answers read: the token endpoints' forms and verify_credentials' user.
#include "auth/twitter.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace basalt::auth {
namespace {

OAuthProviderOptions configured(std::string url = "") {
  OAuthProviderOptions o;
  o.enabled = true;
  o.client_ids = {"consumer-key"};
  o.secret = "consumer-secret";
  o.url = std::move(url);
  return o;
}

std::string authorization(const HttpCall& c) {
  auto it = std::find_if(c.headers.begin(), c.headers.end(),
                         [](const std::string& h) { return h.starts_with("Authorization: "); });
  return it == c.headers.end() ? std::string() : it->substr(15);
}

TEST(Twitter, PublicHostOrUrl) {
  const auto e = twitter_endpoints(configured());
  EXPECT_EQ(e.request_token, "https://api.twitter.com/oauth/request_token");
  EXPECT_EQ(e.authenticate, "https://api.twitter.com/oauth/authenticate");
  EXPECT_EQ(e.access_token, "https://api.twitter.com/oauth/access_token");
  EXPECT_EQ(e.profile, "https://api.twitter.com/1.1/account/verify_credentials.json");
  EXPECT_EQ(twitter_endpoints(configured("http://127.0.0.1:9/")).profile,
            "http://127.0.0.1:9/1.1/account/verify_credentials.json");
  EXPECT_TRUE(is_twitter("twitter"));
  EXPECT_FALSE(is_twitter("x"));
}

TEST(Twitter, EachStepIsSignedWithItsOwnParameters) {
  const auto o = configured();
  const HttpCall request = twitter_request_token_call(o, "http://cb/?state=s", "n1", 100);
  EXPECT_EQ(request.method, "POST");
  EXPECT_NE(authorization(request).find("oauth_callback=\"http%3A%2F%2Fcb%2F%3Fstate%3Ds\""),
            std::string::npos);
  EXPECT_NE(authorization(request).find("oauth_consumer_key=\"consumer-key\""), std::string::npos);
  EXPECT_EQ(authorization(request).find("consumer-secret"), std::string::npos);

  // The expected headers were computed apart from Basalt (Python's hmac over RFC 5849's base
  // string): the access token is signed with the request token's secret, the profile request
  // with the access token's and its query.
  const HttpCall access = twitter_access_token_call(o, "rt", "rts", "ver", "n2", 100);
  EXPECT_EQ(access.url, "https://api.twitter.com/oauth/access_token");
  EXPECT_EQ(authorization(access),
            "OAuth oauth_consumer_key=\"consumer-key\", oauth_nonce=\"n2\", "
            "oauth_signature=\"55klyKFZ9rfGC%2FhRj1aak0zsFFM%3D\", "
            "oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"100\", oauth_token=\"rt\", "
            "oauth_verifier=\"ver\", oauth_version=\"1.0\"");

  const HttpCall profile = twitter_profile_call(o, "at", "ats", "n3", 100);
  EXPECT_EQ(profile.method, "GET");
  EXPECT_EQ(profile.url,
            "https://api.twitter.com/1.1/account/verify_credentials.json"
            "?include_entities=false&skip_status=true&include_email=true");
  EXPECT_EQ(authorization(profile),
            "OAuth oauth_consumer_key=\"consumer-key\", oauth_nonce=\"n3\", "
            "oauth_signature=\"vPWlj03uF5mDgbmDxd7Q05pKmsY%3D\", "
            "oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"100\", oauth_token=\"at\", "
            "oauth_version=\"1.0\"");
  // The token secret signs; it is never sent.
  EXPECT_EQ(authorization(profile).find("ats"), std::string::npos);
  EXPECT_NE(authorization(twitter_profile_call(o, "at", "other", "n3", 100)),
            authorization(profile));
}

TEST(Twitter, TokenAnswersAreForms) {
  auto t = parse_oauth1_token({200, "oauth_token=a%2Fb&oauth_token_secret=s&user_id=1"});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->token, "a/b");
  EXPECT_EQ(t->secret, "s");
  EXPECT_FALSE(parse_oauth1_token({401, "oauth_token=a"}).ok());
  EXPECT_FALSE(parse_oauth1_token({200, "oauth_token_secret=s"}).ok());
  EXPECT_FALSE(parse_oauth1_token({200, "<html>"}).ok());
  // The request-token step must be confirmed (RFC 5849 §2.1).
  EXPECT_FALSE(parse_oauth1_token({200, "oauth_token=a&oauth_token_secret=s"}, true).ok());
  EXPECT_FALSE(parse_oauth1_token(
                   {200, "oauth_token=a&oauth_token_secret=s&oauth_callback_confirmed=no"}, true)
                   .ok());
  EXPECT_TRUE(parse_oauth1_token(
                  {200, "oauth_token=a&oauth_token_secret=s&oauth_callback_confirmed=true"}, true)
                  .ok());
}

TEST(Twitter, IdentityFromVerifyCredentials) {
  const std::string iss = "https://api.twitter.com/1.1/account/verify_credentials.json";
  auto id = twitter_identity({200, R"({"id":42,"id_str":"42","name":"Tweety","screen_name":"t",)"
                                   R"("profile_image_url_https":"https://p/t.png",)"
                                   R"("email":"T@B.example"})"},
                             iss);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->sub, "42");
  EXPECT_EQ(id->email, "t@b.example");
  EXPECT_TRUE(id->email_verified);
  EXPECT_EQ(id->data.at("iss"), iss.c_str());
  EXPECT_EQ(id->data.at("user_name"), "t");
  EXPECT_EQ(id->data.at("preferred_username"), "t");
  EXPECT_EQ(id->data.at("avatar_url"), "https://p/t.png");
  auto refused = twitter_identity({401, R"({"errors":[]})"}, iss);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().status, 500);
  EXPECT_EQ(refused.error().message, "Error getting user email from external provider");
  EXPECT_FALSE(twitter_identity({200, "not json"}, iss).ok());  // no id_str
}

}  // namespace
}  // namespace basalt::auth
