// GitHub as an OAuth provider (auth/github.hpp): its hosts and endpoints (github.com or an
// Enterprise `url`), the identity from /user and /user/emails, and the provider talking to a
// fake HttpClient: the endpoints without discovery, the token answer as JSON or as a form,
// GitHub's 200-with-error for a bad code, and API calls carrying the token and a User-Agent.
#include "auth/github.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <map>
#include <optional>

#include "auth/oauth_urls.hpp"

namespace basalt::auth {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

class FakeHttp final : public HttpClient {
 public:
  std::map<std::string, HttpReply> replies;
  std::vector<HttpCall> calls;
  asio::awaitable<Result<HttpReply>> send(HttpCall call) override {
    calls.push_back(call);
    auto it = replies.find(call.url);
    if (it == replies.end()) co_return Error::make(502, "http_failed", "no fake reply");
    co_return it->second;
  }
};

template <class T>
asio::awaitable<void> store(asio::awaitable<T> a, std::optional<T>* out) {
  out->emplace(co_await std::move(a));
}

template <class T>
T run(asio::awaitable<T> a) {
  asio::io_context io;
  std::optional<T> out;
  asio::co_spawn(io, store(std::move(a), &out), asio::detached);
  io.run();
  return std::move(*out);
}

bool has_header(const HttpCall& c, std::string_view h) {
  return std::find(c.headers.begin(), c.headers.end(), h) != c.headers.end();
}

OAuthProviderOptions configured(std::string url = "") {
  OAuthProviderOptions o;
  o.enabled = true;
  o.client_ids = {"client-1"};
  o.secret = "s3cret";
  o.redirect_uri = "http://127.0.0.1:54321/auth/v1/callback";
  o.url = std::move(url);
  return o;
}

TEST(GitHub, NameIsCaseInsensitive) {
  EXPECT_TRUE(is_github("github"));
  EXPECT_TRUE(is_github("GitHub"));
  EXPECT_FALSE(is_github("gitlab"));
  EXPECT_FALSE(is_github("github_enterprise"));
}

TEST(GitHub, PublicHostsByDefault) {
  const auto e = github_endpoints(configured());
  EXPECT_EQ(e.authorization, "https://github.com/login/oauth/authorize");
  EXPECT_EQ(e.token, "https://github.com/login/oauth/access_token");
  EXPECT_EQ(e.userinfo, "https://api.github.com/user");
  EXPECT_EQ(e.issuer, "https://api.github.com");
  EXPECT_TRUE(e.jwks.empty());
}

TEST(GitHub, EnterpriseUrlServesBothWithTheApiUnderApiV3) {
  const auto e = github_endpoints(configured("https://git.example.com/"));
  EXPECT_EQ(e.authorization, "https://git.example.com/login/oauth/authorize");
  EXPECT_EQ(e.token, "https://git.example.com/login/oauth/access_token");
  EXPECT_EQ(e.userinfo, "https://git.example.com/api/v3/user");
  EXPECT_EQ(e.issuer, "https://git.example.com/api/v3");
  // A url that already is the public API host gets no /api/v3.
  EXPECT_EQ(github_api_host(configured("https://api.github.com")), "https://api.github.com");
}

TEST(GitHub, ConfiguredEndpointsWin) {
  auto o = configured();
  o.token_url = "https://proxy.example/token";
  EXPECT_EQ(github_endpoints(o).token, "https://proxy.example/token");
  EXPECT_EQ(github_endpoints(o).authorization, "https://github.com/login/oauth/authorize");
}

TEST(GitHub, DefaultScopeIsUserEmail) {
  EXPECT_EQ(oauth_scope({}, "", {"user:email"}), "user:email");
  EXPECT_EQ(oauth_scope({"read:org"}, "repo,user:email", {"user:email"}),
            "user:email read:org repo");
}

TEST(GitHub, IdentityFromUserAndPrimaryEmail) {
  const auto user = json::parse(
      R"({"id":583231,"login":"octocat","name":"The Octocat","avatar_url":"https://a/u/1","email":null})");
  const auto emails = json::parse(
      R"([{"email":"old@example.com","primary":false,"verified":true},
          {"email":"Octo@Example.com","primary":true,"verified":false},
          {"email":"later@example.com","primary":false,"verified":true}])");
  auto id = github_identity(user, emails, "https://api.github.com");
  ASSERT_TRUE(id.ok()) << id.error().internal;
  EXPECT_EQ(id->sub, "583231");
  EXPECT_EQ(id->email, "octo@example.com");
  EXPECT_FALSE(id->email_verified);
  EXPECT_EQ(json::serialize(id->data),
            R"({"iss":"https://api.github.com","sub":"583231","name":"The Octocat",)"
            R"("preferred_username":"octocat","email":"octo@example.com","email_verified":false,)"
            R"("phone_verified":false,"full_name":"The Octocat","avatar_url":"https://a/u/1",)"
            R"("provider_id":"583231","user_name":"octocat"})");
}

TEST(GitHub, WithoutAPrimaryTheLastAddressCounts) {
  const auto user = json::parse(R"({"id":7,"login":"hubot","name":null})");
  const auto emails = json::parse(
      R"([{"email":"a@example.com","primary":false,"verified":false},
          {"email":"","primary":true,"verified":true},
          {"email":"b@example.com","primary":false,"verified":true}])");
  auto id = github_identity(user, emails, "https://api.github.com");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->email, "b@example.com");
  EXPECT_TRUE(id->email_verified);
  EXPECT_FALSE(id->data.contains("name"));
  EXPECT_FALSE(id->data.contains("full_name"));
}

TEST(GitHub, NoEmailsAndBadProfiles) {
  auto none = github_identity(json::parse(R"({"id":1,"login":"ghost"})"), json::parse("[]"), "h");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->email, "");
  EXPECT_FALSE(none->data.contains("email"));
  // Emails that are not an array are ignored rather than trusted.
  auto odd = github_identity(json::parse(R"({"id":1})"), json::parse(R"({"email":"x@y"})"), "h");
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->email, "");
  for (const char* bad : {R"({"login":"x"})", R"({"id":null})", R"({"id":1.5})", R"({"id":1e20})",
                          R"({"id":"583231"})", "[]"}) {
    auto r = github_identity(json::parse(bad), json::parse("[]"), "h");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().status, 500);
  }
}

TEST(GitHub, ProviderExchangesWithoutDiscoveryAndAcceptsAFormAnswer) {
  auto http = std::make_shared<FakeHttp>();
  http->replies["https://github.com/login/oauth/access_token"] =
      HttpReply{200, "access_token=gho_abc&scope=user%3Aemail&token_type=bearer"};
  OidcProvider p("github", configured(), http);
  auto tokens = run(p.exchange_code("the-code", "", 1'700'000'000));
  ASSERT_TRUE(tokens.ok()) << tokens.error().internal;
  EXPECT_EQ(tokens->access_token, "gho_abc");
  ASSERT_EQ(http->calls.size(), 1u);  // no discovery request
  EXPECT_EQ(http->calls[0].method, "POST");
  EXPECT_TRUE(has_header(http->calls[0], "Accept: application/json"));
  EXPECT_EQ(http->calls[0].body.find("code_verifier"), std::string::npos);
}

TEST(GitHub, BadCodeIsAnErrorEvenWithStatus200) {
  auto http = std::make_shared<FakeHttp>();
  http->replies["https://github.com/login/oauth/access_token"] =
      HttpReply{200, R"({"error":"bad_verification_code","error_description":"expired"})"};
  OidcProvider p("github", configured(), http);
  auto tokens = run(p.exchange_code("old", "", 1'700'000'000));
  ASSERT_FALSE(tokens.ok());
  EXPECT_NE(tokens.error().internal.find("bad_verification_code"), std::string::npos);
}

TEST(GitHub, ApiCallsCarryTheTokenAndAUserAgent) {
  auto http = std::make_shared<FakeHttp>();
  http->replies["https://api.github.com/user/emails"] = HttpReply{200, R"([{"email":"a@b"}])"};
  http->replies["https://api.github.com/user"] = HttpReply{401, R"({"message":"Bad credentials"})"};
  OidcProvider p("github", configured(), http);
  auto emails = run(p.api_get("https://api.github.com/user/emails", "gho_abc"));
  ASSERT_TRUE(emails.ok());
  EXPECT_TRUE(emails->is_array());
  ASSERT_EQ(http->calls.size(), 1u);
  EXPECT_TRUE(has_header(http->calls[0], "Authorization: Bearer gho_abc"));
  EXPECT_TRUE(has_header(http->calls[0], std::string(kProviderUserAgent)));
  auto denied = run(p.api_get("https://api.github.com/user", "gho_abc"));
  ASSERT_FALSE(denied.ok());
  EXPECT_NE(denied.error().internal.find("401"), std::string::npos);
}

}  // namespace
}  // namespace basalt::auth
