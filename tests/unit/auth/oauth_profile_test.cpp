// The built-in OAuth 2.0 providers (auth/oauth_profile.hpp): each one's endpoints (public
// hosts, or `url`), scopes and API requests, and the identity it makes of its API's answers,
// checked against what Supabase Auth's provider code records; and the provider talking to a
// fake HttpClient: the endpoints without discovery, the token answer as JSON or as a form,
// GitHub's 200-with-error for a bad code, and API calls carrying the token and a User-Agent.
#include "auth/oauth_profile.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>

#include "auth/oauth_urls.hpp"
#include "fake_http.hpp"

namespace basalt::auth {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

using testing::FakeHttp;
using testing::run;

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

OidcEndpoints endpoints_of(std::string_view name, const OAuthProviderOptions& o) {
  const OAuthProfile* p = oauth_profile(name);
  EXPECT_NE(p, nullptr) << name;
  return p == nullptr ? OidcEndpoints{} : profile_endpoints(*p, o);
}

OidcEndpoints endpoints_of(std::string_view name, std::string url = "") {
  return endpoints_of(name, configured(std::move(url)));
}

// The identity a provider makes of its API's answers (one JSON text per request).
Result<ProviderIdentity> identify(std::string_view name, std::vector<std::string> replies,
                                  std::string url = "") {
  const OAuthProfile* p = oauth_profile(name);
  EXPECT_NE(p, nullptr) << name;
  if (p == nullptr) return Error::make(500, "x", "no profile");
  std::vector<json::value> parsed;
  for (const auto& r : replies) parsed.push_back(json::parse(r));
  return p->identity(parsed, endpoints_of(name, std::move(url)));
}

Result<ProviderIdentity> github_identity(const json::value& user, const json::value& emails) {
  return identify("github", {json::serialize(user), json::serialize(emails)});
}

std::string scope_of(std::string_view name, std::string_view requested = "") {
  const OAuthProfile* p = oauth_profile(name);
  return oauth_scope({}, p->takes_scopes ? requested : "", p->scopes);
}

TEST(OAuthProfile, BuiltInNamesAreCaseInsensitiveAndOidcOnesHaveNone) {
  for (const char* name :
       {"bitbucket", "discord", "facebook", "figma", "fly", "github", "gitlab", "kakao", "notion",
        "snapchat", "spotify", "twitch", "workos", "x", "zoom"}) {
    const OAuthProfile* p = oauth_profile(name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_EQ(p->name, name);
  }
  EXPECT_EQ(oauth_profile("GitHub"), oauth_profile("github"));
  for (const char* name : {"google", "apple", "keycloak", "azure", "linkedin_oidc", "slack_oidc",
                           "twitter", "github_enterprise", "gitlab2", "myidp", ""}) {
    EXPECT_EQ(oauth_profile(name), nullptr) << name;
  }
}

TEST(OAuthProfile, ChooseHostIsUrlWithoutItsTrailingSlashElseHttps) {
  EXPECT_EQ(choose_host("", "gitlab.com"), "https://gitlab.com");
  EXPECT_EQ(choose_host("http://127.0.0.1:9/", "gitlab.com"), "http://127.0.0.1:9");
  EXPECT_EQ(choose_host("https://git.corp", "gitlab.com"), "https://git.corp");
}

TEST(GitHub, PublicHostsByDefault) {
  const auto e = endpoints_of("github");
  EXPECT_EQ(e.authorization, "https://github.com/login/oauth/authorize");
  EXPECT_EQ(e.token, "https://github.com/login/oauth/access_token");
  EXPECT_EQ(e.userinfo, "https://api.github.com/user");
  EXPECT_EQ(e.issuer, "https://api.github.com");
  EXPECT_TRUE(e.jwks.empty());
}

TEST(GitHub, EnterpriseUrlServesBothWithTheApiUnderApiV3) {
  const auto e = endpoints_of("github", "https://git.example.com/");
  EXPECT_EQ(e.authorization, "https://git.example.com/login/oauth/authorize");
  EXPECT_EQ(e.token, "https://git.example.com/login/oauth/access_token");
  EXPECT_EQ(e.userinfo, "https://git.example.com/api/v3/user");
  EXPECT_EQ(e.issuer, "https://git.example.com/api/v3");
  // A url that already is the public API host gets no /api/v3.
  EXPECT_EQ(endpoints_of("github", "https://api.github.com").issuer, "https://api.github.com");
}

TEST(GitHub, ConfiguredEndpointsWin) {
  auto o = configured();
  o.token_url = "https://proxy.example/token";
  EXPECT_EQ(endpoints_of("github", o).token, "https://proxy.example/token");
  EXPECT_EQ(endpoints_of("github", o).authorization, "https://github.com/login/oauth/authorize");
}

TEST(GitHub, DefaultScopeIsUserEmail) {
  EXPECT_EQ(scope_of("github"), "user:email");
  EXPECT_EQ(oauth_scope({"read:org"}, "repo,user:email", oauth_profile("github")->scopes),
            "user:email read:org repo");
}

TEST(GitHub, IdentityFromUserAndPrimaryEmail) {
  const auto user = json::parse(
      R"({"id":583231,"login":"octocat","name":"The Octocat","avatar_url":"https://a/u/1","email":null})");
  const auto emails = json::parse(
      R"([{"email":"old@example.com","primary":false,"verified":true},
          {"email":"Octo@Example.com","primary":true,"verified":false},
          {"email":"later@example.com","primary":false,"verified":true}])");
  auto id = github_identity(user, emails);
  ASSERT_TRUE(id.ok()) << id.error().internal;
  EXPECT_EQ(id->sub, "583231");
  EXPECT_EQ(id->email, "octo@example.com");
  EXPECT_FALSE(id->email_verified);
  // Every address, lower-cased, for account linking.
  ASSERT_EQ(id->emails.size(), 3u);
  EXPECT_EQ(id->emails[0].email, "old@example.com");
  EXPECT_TRUE(id->emails[0].verified);
  EXPECT_FALSE(id->emails[0].primary);
  EXPECT_EQ(id->emails[1].email, "octo@example.com");
  EXPECT_FALSE(id->emails[1].verified);
  EXPECT_TRUE(id->emails[1].primary);
  EXPECT_EQ(id->emails[2].email, "later@example.com");
  EXPECT_EQ(json::serialize(id->data),
            R"({"iss":"https://api.github.com","sub":"583231","name":"The Octocat",)"
            R"("preferred_username":"octocat","email":"Octo@Example.com","email_verified":false,)"
            R"("phone_verified":false,"full_name":"The Octocat","avatar_url":"https://a/u/1",)"
            R"("provider_id":"583231","user_name":"octocat"})");
}

TEST(GitHub, WithoutAPrimaryTheLastAddressCounts) {
  const auto user = json::parse(R"({"id":7,"login":"hubot","name":null})");
  const auto emails = json::parse(
      R"([{"email":"a@example.com","primary":false,"verified":false},
          {"email":"","primary":true,"verified":true},
          {"email":"b@example.com","primary":false,"verified":true}])");
  auto id = github_identity(user, emails);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->email, "b@example.com");
  EXPECT_TRUE(id->email_verified);
  EXPECT_EQ(id->emails.size(), 2u) << "an empty address is dropped";
  EXPECT_FALSE(id->data.contains("name"));
  EXPECT_FALSE(id->data.contains("full_name"));
}

TEST(GitHub, NoEmailsAndBadProfiles) {
  auto none = github_identity(json::parse(R"({"id":1,"login":"ghost"})"), json::parse("[]"));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->email, "");
  EXPECT_FALSE(none->data.contains("email"));
  // Emails that are not an array are ignored rather than trusted.
  auto odd = github_identity(json::parse(R"({"id":1})"), json::parse(R"({"email":"x@y"})"));
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->email, "");
  for (const char* bad : {R"({"login":"x"})", R"({"id":null})", R"({"id":1.5})", R"({"id":1e20})",
                          R"({"id":"583231"})", "[]"}) {
    auto r = github_identity(json::parse(bad), json::parse("[]"));
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
  auto emails = run(p.api_get("https://api.github.com/user/emails", "gho_abc", {}));
  ASSERT_TRUE(emails.ok());
  EXPECT_TRUE(emails->is_array());
  ASSERT_EQ(http->calls.size(), 1u);
  EXPECT_TRUE(has_header(http->calls[0], "Authorization: Bearer gho_abc"));
  EXPECT_TRUE(has_header(http->calls[0], std::string(kProviderUserAgent)));
  auto denied = run(p.api_get("https://api.github.com/user", "gho_abc", {"X-Extra: 1"}));
  EXPECT_TRUE(has_header(http->calls[1], "X-Extra: 1"));
  ASSERT_FALSE(denied.ok());
  EXPECT_NE(denied.error().internal.find("401"), std::string::npos);
}

// ---------------------------------------------------------------------------------------
// The other built-in providers: endpoints, scopes, requests and identities.

TEST(GitLab, HostsScopeAndRequests) {
  auto e = endpoints_of("gitlab");
  EXPECT_EQ(e.authorization, "https://gitlab.com/oauth/authorize");
  EXPECT_EQ(e.token, "https://gitlab.com/oauth/token");
  EXPECT_EQ(e.userinfo, "https://gitlab.com/api/v4/user");
  EXPECT_EQ(e.issuer, "https://gitlab.com");
  e = endpoints_of("gitlab", "https://git.corp.example/");
  EXPECT_EQ(e.token, "https://git.corp.example/oauth/token");
  const auto rq = profile_requests(*oauth_profile("gitlab"), e, configured(), "t");
  ASSERT_EQ(rq.size(), 2u);
  EXPECT_EQ(rq[1].url, "https://git.corp.example/api/v4/user/emails");
  EXPECT_EQ(scope_of("gitlab", "api"), "read_user api");
}

TEST(GitLab, ConfirmedPrimaryAddressWinsOverTheUnverifiedOthers) {
  auto id =
      identify("gitlab", {R"({"id":42,"name":"Ann Lee","email":"Ann@Corp.example",)"
                          R"("confirmed_at":"2024-01-01T00:00:00Z","avatar_url":"https://a/42"})",
                          R"([{"id":1,"email":"ann@home.example"}])"});
  ASSERT_TRUE(id.ok()) << id.error().internal;
  EXPECT_EQ(id->sub, "42");
  EXPECT_EQ(id->email, "ann@corp.example");
  EXPECT_TRUE(id->email_verified);
  EXPECT_EQ(json::serialize(id->data),
            R"({"iss":"https://gitlab.com","sub":"42","name":"Ann Lee","picture":"https://a/42",)"
            R"("email":"Ann@Corp.example","email_verified":true,"phone_verified":false,)"
            R"("full_name":"Ann Lee","avatar_url":"https://a/42","provider_id":"42"})");
  // Unconfirmed: the address is the user's, unverified. No primary: the last other one.
  id = identify("gitlab", {R"({"id":43,"email":"b@x.example"})", "[]"});
  ASSERT_TRUE(id.ok());
  EXPECT_FALSE(id->email_verified);
  id = identify("gitlab", {R"({"id":44})", R"([{"email":"c@x.example"},{"email":"d@x.example"}])"});
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->email, "d@x.example");
  EXPECT_FALSE(id->email_verified);
  // GitLab's ids are integers.
  EXPECT_FALSE(identify("gitlab", {R"({"id":"44"})", "[]"}).ok());
}

TEST(Discord, HostsAndScopes) {
  const auto e = endpoints_of("discord", "http://127.0.0.1:7000");
  EXPECT_EQ(e.authorization, "http://127.0.0.1:7000/api/oauth2/authorize");
  EXPECT_EQ(e.token, "http://127.0.0.1:7000/api/oauth2/token");
  EXPECT_EQ(e.userinfo, "http://127.0.0.1:7000/api/users/@me");
  EXPECT_EQ(endpoints_of("discord").issuer, "https://discord.com/api");
  EXPECT_EQ(scope_of("discord"), "email identify");
}

TEST(Discord, AvatarUrlsAndNames) {
  auto id = identify("discord", {R"({"id":"80351110224678912","username":"nelly",)"
                                 R"("discriminator":"1337","global_name":"Nelly",)"
                                 R"("avatar":"a_8342729096ea3675442027381ff50dfe",)"
                                 R"("email":"nelly@discord.example","verified":true})"});
  ASSERT_TRUE(id.ok()) << id.error().internal;
  EXPECT_EQ(
      json::serialize(id->data),
      R"({"iss":"https://discord.com/api","sub":"80351110224678912","name":"nelly#1337",)"
      R"("picture":"https://cdn.discordapp.com/avatars/80351110224678912/)"
      R"(a_8342729096ea3675442027381ff50dfe.gif","email":"nelly@discord.example",)"
      R"("email_verified":true,"phone_verified":false,"custom_claims":{"global_name":"Nelly"},)"
      R"("full_name":"nelly","avatar_url":"https://cdn.discordapp.com/avatars/)"
      R"(80351110224678912/a_8342729096ea3675442027381ff50dfe.gif",)"
      R"("provider_id":"80351110224678912"})");
  id = identify("discord", {R"({"id":"7","username":"u","discriminator":"0007","avatar":"abc"})"});
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->data.at("picture"), "https://cdn.discordapp.com/avatars/7/abc.png");
  EXPECT_EQ(id->email, "");
  // Without an avatar, the default one numbered by the discriminator modulo 5.
  id = identify("discord", {R"({"id":"7","username":"u","discriminator":"0007","avatar":null})"});
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->data.at("picture"), "https://cdn.discordapp.com/embed/avatars/2.png");
  // ... which must then be a number, as Supabase Auth requires.
  EXPECT_FALSE(identify("discord", {R"({"id":"7","username":"u","discriminator":"x"})"}).ok());
}

TEST(Bitbucket, HostsFixedScopesAndAddresses) {
  auto e = endpoints_of("bitbucket");
  EXPECT_EQ(e.authorization, "https://bitbucket.org/site/oauth2/authorize");
  EXPECT_EQ(e.token, "https://bitbucket.org/site/oauth2/access_token");
  EXPECT_EQ(e.userinfo, "https://api.bitbucket.org/2.0/user");
  EXPECT_EQ(e.issuer, "https://api.bitbucket.org/2.0");
  EXPECT_EQ(scope_of("bitbucket", "repository"), "account email");
  auto id =
      identify("bitbucket",
               {R"({"uuid":"{b1}","display_name":"Bo","avatar":{"href":"https://a/b"}})",
                R"({"values":[{"email":"old@b.example","is_primary":false,"is_confirmed":true},)"
                R"({"email":"bo@b.example","is_primary":true,"is_confirmed":false}]})"});
  ASSERT_TRUE(id.ok()) << id.error().internal;
  EXPECT_EQ(id->sub, "{b1}");
  EXPECT_EQ(id->email, "bo@b.example");
  EXPECT_FALSE(id->email_verified);
  EXPECT_EQ(id->data.at("picture"), "https://a/b");
  EXPECT_EQ(id->data.at("full_name"), "Bo");
}

TEST(Facebook, ProfileRequestCarriesTheAppSecretProof) {
  const auto e = endpoints_of("facebook");
  EXPECT_EQ(e.authorization, "https://www.facebook.com/dialog/oauth");
  EXPECT_EQ(e.token, "https://graph.facebook.com/oauth/access_token");
  EXPECT_EQ(e.issuer,
            "https://graph.facebook.com/me?fields=email,first_name,last_name,name,picture");
  const auto rq = profile_requests(*oauth_profile("facebook"), e, configured(), "EAAtoken");
  ASSERT_EQ(rq.size(), 1u);
  // HMAC-SHA256("s3cret", "EAAtoken"), as `openssl dgst -sha256 -hmac s3cret` prints it.
  EXPECT_EQ(rq[0].url, e.issuer +
                           "&appsecret_proof="
                           "996747eb387311f6eef873d7e2bee192a7bc191ebdab0ce8129d81ae8223c24c");
}

TEST(Facebook, ConfiguredProfileUrlWithoutAQueryStillGetsTheProof) {
  auto o = configured();
  o.userinfo_url = "https://graph.example/me";
  const auto e = endpoints_of("facebook", o);
  const auto rq = profile_requests(*oauth_profile("facebook"), e, o, "EAAtoken");
  ASSERT_EQ(rq.size(), 1u);
  EXPECT_TRUE(rq[0].url.starts_with("https://graph.example/me?appsecret_proof=")) << rq[0].url;
}

TEST(Facebook, LimitedLoginIdTokenAndKakaoIdToken) {
  const OAuthProfile* fb = oauth_profile("facebook");
  ASSERT_NE(fb->id_token_identity, nullptr);
  auto id = fb->id_token_identity(
      json::parse(R"({"iss":"https://www.facebook.com","sub":"10158",)"
                  R"("email":"Fay@FB.example","name":"Fay","picture":"https://p"})")
          .as_object());
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(id->email_verified) << "Limited Login addresses count as verified";
  EXPECT_EQ(id->email, "fay@fb.example");
  EXPECT_EQ(id->data.at("name"), "Fay");
  EXPECT_EQ(id->data.at("picture"), "https://p");
  EXPECT_FALSE(id->data.contains("full_name"));
  const OAuthProfile* kakao = oauth_profile("kakao");
  ASSERT_NE(kakao->id_token_identity, nullptr);
  id = kakao->id_token_identity(json::parse(R"({"iss":"https://kauth.kakao.com","sub":"42",)"
                                            R"("email":"k@k.example","nickname":"Kim"})")
                                    .as_object());
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(id->email_verified);
  EXPECT_EQ(id->data.at("preferred_username"), "Kim");
  // The other built-ins issue no id_tokens.
  for (const char* name : {"github", "gitlab", "discord", "x", "zoom"}) {
    EXPECT_EQ(oauth_profile(name)->id_token_identity, nullptr) << name;
  }
}

TEST(OAuthProfile, ABuiltInsUrlIsNotItsIdTokenIssuer) {
  // Facebook and Kakao sign in at `url` (a proxy, a test server) but their id_tokens still
  // come from their own issuers; OpenID Connect providers take `url` as the issuer.
  EXPECT_EQ(configured_issuer("facebook", configured("http://127.0.0.1:9")),
            "https://www.facebook.com");
  EXPECT_EQ(configured_issuer("kakao", configured("http://127.0.0.1:9")),
            "https://kauth.kakao.com");
  EXPECT_EQ(configured_issuer("github", configured("https://git.example")), "");
  EXPECT_EQ(configured_issuer("keycloak", configured("https://kc.example/realms/a/")),
            "https://kc.example/realms/a");
  auto explicit_issuer = configured("http://127.0.0.1:9");
  explicit_issuer.issuer = "http://127.0.0.1:9/fb";
  EXPECT_EQ(configured_issuer("facebook", explicit_issuer), "http://127.0.0.1:9/fb");
}

TEST(Spotify, HugeImageSizesDoNotOverflow) {
  auto id =
      identify("spotify", {R"({"id":"s","images":[{"url":"a","height":9223372036854775807,)"
                           R"("width":9223372036854775807},{"url":"b","height":1,"width":1}]})"});
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->data.at("picture"), "a");
}

TEST(Facebook, Identity) {
  auto id = identify("facebook", {R"({"id":"10158","email":"Fb@Example.com","first_name":"Fay",)"
                                  R"("last_name":"Book","name":"Fay B.",)"
                                  R"("picture":{"data":{"url":"https://fb/p.jpg"}}})"});
  ASSERT_TRUE(id.ok()) << id.error().internal;
  EXPECT_EQ(id->email, "fb@example.com");
  EXPECT_TRUE(id->email_verified);
  EXPECT_EQ(id->data.at("name"), "Fay Book");
  EXPECT_EQ(id->data.at("nickname"), "Fay B.");
  EXPECT_EQ(id->data.at("slug"), "Fay B.");
  EXPECT_EQ(id->data.at("picture"), "https://fb/p.jpg");
  EXPECT_EQ(id->data.at("iss").as_string(), endpoints_of("facebook").issuer);
  id = identify("facebook", {R"({"id":"1","first_name":"","last_name":"Solo"})"});
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->data.at("name"), "Solo");
}

TEST(Figma, EndpointsAndIdentity) {
  const auto e = endpoints_of("figma");
  EXPECT_EQ(e.authorization, "https://www.figma.com/oauth");
  EXPECT_EQ(e.token, "https://api.figma.com/v1/oauth/token");
  EXPECT_EQ(e.userinfo, "https://api.figma.com/v1/me");
  EXPECT_EQ(scope_of("figma"), "current_user:read");
  auto id = identify(
      "figma", {R"({"id":"f1","handle":"fig","email":"f@fig.example","img_url":"https://i"})"});
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(
      json::serialize(id->data),
      R"({"iss":"https://api.figma.com","sub":"f1","name":"fig","email":"f@fig.example",)"
      R"("email_verified":true,"phone_verified":false,"full_name":"fig","avatar_url":"https://i",)"
      R"("provider_id":"f1"})");
}

TEST(Fly, TokenInfoBecomesTheIdentity) {
  const auto e = endpoints_of("fly");
  EXPECT_EQ(e.userinfo, "https://api.fly.io/oauth/token/info");
  EXPECT_EQ(scope_of("fly"), "read");
  auto id = identify(
      "fly",
      {R"({"resource_owner_id":"ro1","user_id":"u1","user_name":"Flo",)"
       R"("email":"flo@fly.example","organizations":[{"id":"o1","role":"admin"}],)"
       R"("scope":["read"],"application":{"uid":"app"},"expires_in":7200,"created_at":1700000000})"});
  ASSERT_TRUE(id.ok()) << id.error().internal;
  EXPECT_EQ(
      json::serialize(id->data),
      R"({"iss":"https://api.fly.io","sub":"u1","email":"flo@fly.example","email_verified":true,)"
      R"("phone_verified":false,"custom_claims":{"resource_owner_id":"ro1",)"
      R"("organizations":[{"id":"o1","role":"admin"}],"application":{"uid":"app"},)"
      R"("scope":["read"],"created_at":1700000000},"full_name":"Flo","provider_id":"u1"})");
}

TEST(Fly, OrganizationsStayAnArrayWhenEmptyAndAreNullWhenAbsent) {
  auto id = identify("fly", {R"({"user_id":"u1","organizations":[]})"});
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(json::serialize(id->data.at("custom_claims").at("organizations")), "[]");
  id = identify("fly", {R"({"user_id":"u1"})"});
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(id->data.at("custom_claims").at("organizations").is_null());
}

TEST(Notion, OwnerOfTheBotAndTheVersionHeader) {
  const auto e = endpoints_of("notion");
  EXPECT_EQ(e.authorization, "https://api.notion.com/v1/oauth/authorize");
  EXPECT_EQ(e.token, "https://api.notion.com/v1/oauth/token");
  EXPECT_EQ(scope_of("notion", "anything"), "");
  const auto rq = profile_requests(*oauth_profile("notion"), e, configured(), "t");
  ASSERT_EQ(rq.size(), 1u);
  EXPECT_EQ(rq[0].url, "https://api.notion.com/v1/users/me");
  EXPECT_EQ(rq[0].headers, std::vector<std::string>{"Notion-Version: 2021-08-16"});
  auto id = identify("notion",
                     {R"({"object":"user","id":"bot1","type":"bot","bot":{"owner":{"type":"user",)"
                      R"("user":{"id":"n1","name":"Nia","avatar_url":"https://n",)"
                      R"("person":{"email":"nia@n.example"}}}}})"});
  ASSERT_TRUE(id.ok()) << id.error().internal;
  EXPECT_EQ(id->sub, "n1");
  EXPECT_EQ(id->email, "nia@n.example");
  EXPECT_TRUE(id->email_verified);
  // A workspace-owned integration has no user: no id, no identity.
  EXPECT_FALSE(
      identify("notion", {R"({"bot":{"owner":{"type":"workspace","workspace":true}}})"}).ok());
}

TEST(Spotify, LargestImageAndUnverifiedAddress) {
  const auto e = endpoints_of("spotify");
  EXPECT_EQ(e.authorization, "https://accounts.spotify.com/authorize");
  EXPECT_EQ(e.token, "https://accounts.spotify.com/api/token");
  EXPECT_EQ(e.userinfo, "https://api.spotify.com/v1/me");
  EXPECT_EQ(e.issuer, "https://api.spotify.com/v1");
  auto id = identify("spotify", {R"({"id":"sp1","display_name":"Sam","email":"sam@s.example",)"
                                 R"("images":[{"url":"small","height":64,"width":64},)"
                                 R"({"url":"big","height":300,"width":300},{"url":"odd"}]})"});
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->data.at("picture"), "big");
  EXPECT_FALSE(id->email_verified);
}

TEST(Twitch, ClientIdHeaderAndFirstUser) {
  const auto e = endpoints_of("twitch");
  EXPECT_EQ(e.authorization, "https://id.twitch.tv/oauth2/authorize");
  EXPECT_EQ(e.userinfo, "https://api.twitch.tv/helix/users");
  const auto rq = profile_requests(*oauth_profile("twitch"), e, configured(), "t");
  ASSERT_EQ(rq.size(), 1u);
  EXPECT_EQ(rq[0].headers, std::vector<std::string>{"Client-Id: client-1"});
  auto id = identify(
      "twitch",
      {R"({"data":[{"id":"141981764","login":"twitchdev",)"
       R"("display_name":"TwitchDev","type":"","broadcaster_type":"partner",)"
       R"("description":"d","profile_image_url":"https://p","offline_image_url":"https://o",)"
       R"("view_count":5980557,"email":"dev@twitch.example"}]})"});
  ASSERT_TRUE(id.ok()) << id.error().internal;
  EXPECT_EQ(
      json::serialize(id->data),
      R"({"iss":"https://api.twitch.tv","sub":"141981764","name":"twitchdev",)"
      R"("nickname":"TwitchDev","picture":"https://p","email":"dev@twitch.example",)"
      R"("email_verified":true,"phone_verified":false,"custom_claims":{"broadcaster_type":"partner",)"
      R"("description":"d","type":"","offline_image_url":"https://o","view_count":5980557},)"
      R"("full_name":"twitchdev","avatar_url":"https://p","slug":"TwitchDev","provider_id":"141981764"})");
  EXPECT_FALSE(identify("twitch", {R"({"data":[]})"}).ok());
}

TEST(X, PkceScopesAndIdentity) {
  const OAuthProfile* p = oauth_profile("x");
  EXPECT_TRUE(p->pkce);
  const auto e = endpoints_of("x");
  EXPECT_EQ(e.authorization, "https://x.com/i/oauth2/authorize");
  EXPECT_EQ(e.token, "https://api.x.com/2/oauth2/token");
  EXPECT_EQ(scope_of("x"), "users.email tweet.read users.read offline.access");
  auto id =
      identify("x", {R"({"data":{"id":"2244994945","name":"X Dev","username":"XDevelopers",)"
                     R"("confirmed_email":"dev@x.example","profile_image_url":"https://pbs/x.jpg",)"
                     R"("url":"https://t.co/abc","created_at":"2013-12-14T04:35:55.000Z"}})"});
  ASSERT_TRUE(id.ok()) << id.error().internal;
  EXPECT_EQ(
      json::serialize(id->data),
      R"({"iss":"https://api.x.com","sub":"2244994945","name":"X Dev",)"
      R"("preferred_username":"XDevelopers","profile":"https://x.com/XDevelopers",)"
      R"("picture":"https://pbs/x.jpg","website":"https://t.co/abc","email":"dev@x.example",)"
      R"("email_verified":true,"phone_verified":false,)"
      R"("custom_claims":{"created_at":"2013-12-14T04:35:55.000Z"},"full_name":"X Dev",)"
      R"("avatar_url":"https://pbs/x.jpg","provider_id":"2244994945","user_name":"XDevelopers"})");
}

TEST(Zoom, NoScopesAndTheVerifiedRule) {
  const auto e = endpoints_of("zoom");
  EXPECT_EQ(e.authorization, "https://zoom.us/oauth/authorize");
  EXPECT_EQ(e.token, "https://zoom.us/oauth/token");
  EXPECT_EQ(e.userinfo, "https://api.zoom.us/v2/users/me");
  EXPECT_EQ(scope_of("zoom", "meeting:read"), "");
  // Email-and-password accounts (login_type 100) are verified only when Zoom says so.
  auto id =
      identify("zoom", {R"({"id":"z1","first_name":"Zed","last_name":"","email":"z@z.example",)"
                        R"("verified":0,"login_type":"100"})"});
  ASSERT_TRUE(id.ok());
  EXPECT_FALSE(id->email_verified);
  EXPECT_EQ(id->data.at("name"), "Zed");
  id = identify("zoom", {R"({"id":"z1","email":"z@z.example","verified":1,"login_type":"100"})"});
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(id->email_verified);
  id = identify("zoom", {R"({"id":"z1","email":"z@z.example","verified":0,"login_type":"1"})"});
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(id->email_verified);
}

TEST(WorkOS, SsoEndpointsNoScopesAndTheProfileFromTheToken) {
  const auto e = endpoints_of("workos");
  EXPECT_EQ(e.authorization, "https://api.workos.com/sso/authorize");
  EXPECT_EQ(e.token, "https://api.workos.com/sso/token");
  EXPECT_EQ(e.userinfo, "");
  EXPECT_EQ(endpoints_of("workos", "http://127.0.0.1:9/").token, "http://127.0.0.1:9/sso/token");
  EXPECT_EQ(scope_of("workos", "openid"), "");
  EXPECT_TRUE(oauth_profile("workos")->profile_in_token);
  EXPECT_FALSE(oauth_profile("github")->profile_in_token);
  // The token response is the one reply.
  auto id = identify("workos", {R"({"access_token":"t","profile":{"id":"prof_1",)"
                                R"("email":"A@B.example","first_name":"Ann","last_name":"",)"
                                R"("connection_id":"conn_1","raw_attributes":{}}})"});
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(id->sub, "prof_1");
  EXPECT_EQ(id->email, "a@b.example");
  EXPECT_TRUE(id->email_verified);
  EXPECT_EQ(id->data.at("iss"), "https://api.workos.com");
  EXPECT_EQ(id->data.at("full_name"), "Ann");
  // Both custom claims are always there, an absent organization as "".
  EXPECT_EQ(json::value(id->data.at("custom_claims")),
            json::parse(R"({"connection_id":"conn_1","organization_id":""})"));
  EXPECT_FALSE(identify("workos", {R"({"access_token":"t"})"}).ok());  // no profile, no id
}

TEST(Snapchat, ScopesGraphQlProfileAndFixedIssuer) {
  const auto e = endpoints_of("snapchat");
  EXPECT_EQ(e.authorization, "https://accounts.snapchat.com/accounts/oauth2/auth");
  EXPECT_EQ(e.token, "https://accounts.snapchat.com/accounts/oauth2/token");
  EXPECT_EQ(e.userinfo, "https://kit.snapchat.com/v1/me");
  EXPECT_EQ(scope_of("snapchat", "extra"),
            "https://auth.snapchat.com/oauth2/api/user.external_id "
            "https://auth.snapchat.com/oauth2/api/user.display_name "
            "https://auth.snapchat.com/oauth2/api/user.bitmoji.avatar extra");
  const auto requests = profile_requests(*oauth_profile("snapchat"), e, configured(), "tok");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(requests[0].url.starts_with("https://kit.snapchat.com/v1/me?query="))
      << requests[0].url;
  EXPECT_NE(requests[0].url.find("externalId"), std::string::npos);
  // With `url`, the one host serves all three.
  EXPECT_EQ(endpoints_of("snapchat", "http://127.0.0.1:9").userinfo, "http://127.0.0.1:9/v1/me");
  auto id = identify("snapchat",
                     {R"({"data":{"me":{"externalId":"ext-1","displayName":"Sam",)"
                      R"("bitmoji":{"avatar":"https://b/a.png"},"email":"S@s.example"}}})"},
                     "http://127.0.0.1:9");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->sub, "ext-1");
  EXPECT_TRUE(id->email_verified);
  EXPECT_EQ(id->data.at("iss"), "https://accounts.snapchat.com/accounts/oauth2/token");
  EXPECT_EQ(id->data.at("slug"), "Sam");
  EXPECT_EQ(id->data.at("avatar_url"), "https://b/a.png");
  // Its id_tokens: the address is verified whatever the token says.
  auto token =
      oauth_profile("snapchat")
          ->id_token_identity(
              json::parse(R"({"iss":"i","sub":"s","email":"a@b.example","email_verified":false})")
                  .as_object());
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(token->email_verified);
}

TEST(Kakao, SecretInTheBodyAndTheAccount) {
  const auto e = endpoints_of("kakao");
  EXPECT_EQ(e.authorization, "https://kauth.kakao.com/oauth/authorize");
  EXPECT_EQ(e.token, "https://kauth.kakao.com/oauth/token");
  EXPECT_EQ(e.userinfo, "https://kapi.kakao.com/v2/user/me");
  EXPECT_TRUE(e.secret_in_body);
  EXPECT_EQ(scope_of("kakao"), "account_email profile_image profile_nickname");
  auto id =
      identify("kakao", {R"({"id":1234567890,"kakao_account":{"profile":{"nickname":"Kim",)"
                         R"("profile_image_url":"https://k/p.jpg"},"email":"kim@kakao.example",)"
                         R"("is_email_valid":true,"is_email_verified":true}})"});
  ASSERT_TRUE(id.ok()) << id.error().internal;
  EXPECT_EQ(json::serialize(id->data),
            R"({"iss":"https://kapi.kakao.com","sub":"1234567890","name":"Kim",)"
            R"("preferred_username":"Kim","email":"kim@kakao.example","email_verified":true,)"
            R"("phone_verified":false,"full_name":"Kim","avatar_url":"https://k/p.jpg",)"
            R"("provider_id":"1234567890","user_name":"Kim"})");
  // Verified but no longer valid: not verified.
  id =
      identify("kakao", {R"({"id":1,"kakao_account":{"email":"k@k.example","is_email_valid":false,)"
                         R"("is_email_verified":true}})"});
  ASSERT_TRUE(id.ok());
  EXPECT_FALSE(id->email_verified);
}

TEST(OAuthProfile, KakaoSendsTheSecretInTheBodyWithoutProbing) {
  auto http = std::make_shared<FakeHttp>();
  http->replies["https://kauth.kakao.com/oauth/token"] = HttpReply{200, R"({"access_token":"k1"})"};
  OidcProvider p("kakao", configured(), http);
  auto tokens = run(p.exchange_code("c", "", 1'700'000'000));
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(http->calls.size(), 1u);
  EXPECT_NE(http->calls[0].body.find("client_secret=s3cret"), std::string::npos);
  for (const auto& h : http->calls[0].headers) EXPECT_FALSE(h.starts_with("Authorization:"));
}

// A token endpoint that only takes the secret in the form body (as Twitch's): refuses Basic.
class BodyOnlyTokenEndpoint final : public HttpClient {
 public:
  std::vector<HttpCall> calls;
  asio::awaitable<Result<HttpReply>> send(HttpCall call) override {
    calls.push_back(call);
    if (call.body.find("client_secret=s3cret") == std::string::npos) {
      co_return HttpReply{400, R"({"status":400,"message":"missing client secret"})"};
    }
    co_return HttpReply{200, R"({"access_token":"tw1","token_type":"bearer"})"};
  }
};

TEST(OAuthProfile, TokenEndpointAuthIsProbedBasicFirstThenTheBodyAndRemembered) {
  auto http = std::make_shared<BodyOnlyTokenEndpoint>();
  OidcProvider p("twitch", configured(), http);
  auto tokens = run(p.exchange_code("c1", "", 1'700'000'000));
  ASSERT_TRUE(tokens.ok()) << tokens.error().internal;
  EXPECT_EQ(tokens->access_token, "tw1");
  ASSERT_EQ(http->calls.size(), 2u);
  EXPECT_TRUE(
      std::any_of(http->calls[0].headers.begin(), http->calls[0].headers.end(),
                  [](const std::string& h) { return h.starts_with("Authorization: Basic "); }));
  EXPECT_NE(http->calls[1].body.find("client_id=client-1"), std::string::npos);
  // The next sign-in goes straight to the form body.
  tokens = run(p.exchange_code("c2", "", 1'700'000'001));
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(http->calls.size(), 3u);
}

TEST(OAuthProfile, WhenBothAuthStylesFailTheFirstAnswerIsReported) {
  auto http = std::make_shared<FakeHttp>();
  http->replies["https://id.twitch.tv/oauth2/token"] =
      HttpReply{400, R"({"error":"invalid_grant","error_description":"bad code"})"};
  OidcProvider p("twitch", configured(), http);
  auto tokens = run(p.exchange_code("bad", "", 1'700'000'000));
  ASSERT_FALSE(tokens.ok());
  EXPECT_NE(tokens.error().internal.find("invalid_grant"), std::string::npos);
  EXPECT_EQ(http->calls.size(), 2u);
  // Nothing was learned: the next exchange probes again.
  (void)run(p.exchange_code("bad", "", 1'700'000'001));
  EXPECT_EQ(http->calls.size(), 4u);
}

TEST(OAuthProfile, IdTokensAreCheckedAgainstTheOidcIssuerNotTheApiHost) {
  // Facebook signs in by OAuth 2.0 but its Limited Login id_tokens come from
  // https://www.facebook.com, found by discovery.
  auto http = std::make_shared<FakeHttp>();
  http->replies["https://www.facebook.com/.well-known/openid-configuration"] = HttpReply{
      200,
      R"({"issuer":"https://www.facebook.com","authorization_endpoint":"https://www.facebook.com/dialog/oauth",)"
      R"("token_endpoint":"https://graph.facebook.com/oauth/access_token",)"
      R"("jwks_uri":"https://www.facebook.com/.well-known/oauth/openid/jwks/"})"};
  OidcProvider p("facebook", configured(), http);
  EXPECT_EQ(p.issuer(), "https://www.facebook.com");
  auto flow = run(p.endpoints(1'700'000'000));
  ASSERT_TRUE(flow.ok());
  EXPECT_EQ(flow->authorization, "https://www.facebook.com/dialog/oauth");
  EXPECT_TRUE(http->calls.empty());
  auto oidc = run(p.oidc_endpoints(1'700'000'000));
  ASSERT_TRUE(oidc.ok()) << oidc.error().internal;
  EXPECT_EQ(oidc->jwks, "https://www.facebook.com/.well-known/oauth/openid/jwks/");
  EXPECT_EQ(oidc->issuer, "https://www.facebook.com");
}

}  // namespace
}  // namespace basalt::auth
