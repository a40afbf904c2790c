// What `basalt rest` (PostgREST on its own) needs from the HTTP layer: a route mounted at the
// root beside the prefixed ones, no apikey and only the Bearer token, CORS with an allow-list,
// and PostgREST's identity rules (jwt-role-claim-key, no anonymous role, role in the claims).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "http/gateway.hpp"
#include "http/identity.hpp"
#include "http/router.hpp"
#include "jwt/jwt.hpp"

namespace basalt::http {
namespace {

Route route(std::string prefix, std::string name) {
  return Route{std::move(prefix), std::move(name), {}, {}};
}

std::string matched(const Router& r, std::string_view path, std::string* sub = nullptr) {
  std::string subpath;
  const Route* m = r.match(path, subpath);
  if (sub) *sub = subpath;
  return m ? m->name : "none";
}

TEST(RootMount, PrefixedRoutesBehaveAsBefore) {
  Router r;
  r.add(route("/rest/v1", "rest"));
  r.add(route("/health", "health"));
  std::string sub;
  EXPECT_EQ(matched(r, "/rest/v1", &sub), "rest");
  EXPECT_EQ(sub, "");
  EXPECT_EQ(matched(r, "/rest/v1/", &sub), "rest");
  EXPECT_EQ(sub, "/");
  EXPECT_EQ(matched(r, "/rest/v1/todos", &sub), "rest");
  EXPECT_EQ(sub, "/todos");
  EXPECT_EQ(matched(r, "/rest/v10"), "none");
  EXPECT_EQ(matched(r, "/"), "none");
  EXPECT_EQ(matched(r, "/todos"), "none");
}

TEST(RootMount, SlashMountsAtTheRootBelowLongerPrefixes) {
  Router r;
  r.add(route("/", "postgrest"));
  r.add(route("/health", "health"));
  std::string sub;
  EXPECT_EQ(matched(r, "/", &sub), "postgrest");
  EXPECT_EQ(sub, "/");
  EXPECT_EQ(matched(r, "/items", &sub), "postgrest");
  EXPECT_EQ(sub, "/items");
  EXPECT_EQ(matched(r, "/rpc/fn", &sub), "postgrest");
  EXPECT_EQ(sub, "/rpc/fn");
  EXPECT_EQ(matched(r, "/health", &sub), "health");
  EXPECT_EQ(matched(r, "/healthy", &sub), "postgrest");
  EXPECT_EQ(sub, "/healthy");
}

TEST(PostgrestGateway, NeedsNoKeyAndOnlyTheBearerSpeaks) {
  EXPECT_EQ(key_policy("postgrest", "/items"), KeyPolicy::bearer_only);
  const ProjectKeys none;
  Exchange ex;
  ex.request.set("apikey", "not-a-project-key");
  EXPECT_FALSE(apply_gateway(ex, KeyPolicy::bearer_only, none));
  EXPECT_EQ(ex.token, "");  // the apikey does not speak for the caller here
  Exchange bearer;
  bearer.request.set(beast_http::field::authorization, "Bearer abc.def.ghi");
  EXPECT_FALSE(apply_gateway(bearer, KeyPolicy::bearer_only, none));
  EXPECT_EQ(bearer.token, "abc.def.ghi");
  // Supabase's rules are unchanged: there the apikey speaks when there is no Bearer.
  Exchange supa;
  supa.request.set("apikey", "anon-key");
  EXPECT_FALSE(apply_gateway(supa, KeyPolicy::required, ProjectKeys{"anon-key", "service-key"}));
  EXPECT_EQ(supa.token, "anon-key");
}

Request with_origin(std::string_view origin, bool preflight = false) {
  Request req;
  req.method(preflight ? beast_http::verb::options : beast_http::verb::get);
  req.set(beast_http::field::origin, origin);
  if (preflight) req.set(beast_http::field::access_control_request_method, "POST");
  return req;
}

TEST(PostgrestCors, AllowListEchoesListedOriginsOnly) {
  const CorsOrigins allowed = std::vector<std::string>{"https://app.example"};
  Response res{HttpStatus::ok, 11};
  add_cors_headers(with_origin("https://app.example"), res, allowed);
  EXPECT_EQ(res[beast_http::field::access_control_allow_origin], "https://app.example");
  EXPECT_EQ(res[beast_http::field::access_control_allow_credentials], "true");
  Response other{HttpStatus::ok, 11};
  add_cors_headers(with_origin("https://evil.example"), other, allowed);
  EXPECT_EQ(other.find(beast_http::field::access_control_allow_origin), other.end());
  EXPECT_TRUE(cors_origin_allowed(with_origin("https://app.example", true), allowed));
  EXPECT_FALSE(cors_origin_allowed(with_origin("https://evil.example", true), allowed));
  auto pre = preflight_response(with_origin("https://app.example", true), allowed);
  EXPECT_EQ(pre[beast_http::field::access_control_allow_origin], "https://app.example");
  // No list: every origin, as before.
  Response any{HttpStatus::ok, 11};
  add_cors_headers(with_origin("https://evil.example"), any, std::nullopt);
  EXPECT_EQ(any[beast_http::field::access_control_allow_origin], "*");
  EXPECT_TRUE(cors_origin_allowed(with_origin("https://evil.example", true), std::nullopt));
}

constexpr std::int64_t kNow = 1'700'000'000;
const std::string kSecret = "0123456789abcdef0123456789abcdef0123";

IdentityOptions postgrest_options() {
  IdentityOptions o;
  o.jwt_secret = kSecret;
  o.anon_role = "";
  o.claims_include_role = true;
  o.allowed_roles = std::make_shared<const std::set<std::string>>(
      std::set<std::string>{"web_anon", "web_user", "admin"});
  return o;
}

TEST(PostgrestIdentity, RoleClaimKeyPicksTheRole) {
  auto o = postgrest_options();
  o.role_claim_key = *config::parse_jspath(".\"https://example.com/jwt\".roles[?(@ ^== \"web\")]");
  boost::json::object nested{{"roles", boost::json::array{"other", "web_user"}}};
  auto token = jwt::sign_hs256({{"https://example.com/jwt", nested}, {"role", "admin"}}, kSecret);
  auto id = identify(token, o, kNow);
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(id->role, "web_user");
  // PostgREST puts the role it uses into the claims the database sees.
  EXPECT_EQ(boost::json::parse(id->claims_json).at("role").as_string(), "web_user");
}

TEST(PostgrestIdentity, WithoutAnonRoleAnonymousIsRefused) {
  auto o = postgrest_options();
  auto anon = identify("", o, kNow);
  ASSERT_FALSE(anon);
  EXPECT_EQ(anon.error().code, "anonymous_disabled");
  EXPECT_EQ(anon.error().message, "Anonymous access is disabled");
  // A valid token without the role claim is anonymous too.
  auto no_role = identify(jwt::sign_hs256({{"sub", "u1"}}, kSecret), o, kNow);
  ASSERT_FALSE(no_role);
  EXPECT_EQ(no_role.error().code, "anonymous_disabled");
}

TEST(PostgrestIdentity, AnonRoleAppearsInTheClaims) {
  auto o = postgrest_options();
  o.anon_role = "web_anon";
  auto id = identify("", o, kNow);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->role, "web_anon");
  EXPECT_EQ(id->claims_json, R"({"role":"web_anon"})");
}

}  // namespace
}  // namespace basalt::http
