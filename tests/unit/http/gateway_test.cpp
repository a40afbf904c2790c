// The gateway rules: which paths need an apikey, which keys pass, which token wins, and CORS.
#include "http/gateway.hpp"

#include <gtest/gtest.h>

namespace basalt::http {
namespace {

const ProjectKeys kKeys{"anon-key", "service-key"};

Exchange exchange(std::string_view query = "") {
  Exchange ex;
  ex.query = std::string(query);
  return ex;
}

TEST(KeyPolicy, ApiRoutesNeedAKey) {
  EXPECT_EQ(key_policy("rest", "/todos"), KeyPolicy::required);
  EXPECT_EQ(key_policy("auth", "/token"), KeyPolicy::required);
  EXPECT_EQ(key_policy("storage", "/object/bucket/a.png"), KeyPolicy::required);
  EXPECT_EQ(key_policy("realtime", "/websocket"), KeyPolicy::required);
  EXPECT_EQ(key_policy("health", ""), KeyPolicy::none);
}

TEST(KeyPolicy, OpenPathsMatchWholeSegments) {
  for (auto p :
       {"/verify", "/callback", "/authorize", "/health", "/settings", "/.well-known/jwks.json"}) {
    EXPECT_EQ(key_policy("auth", p), KeyPolicy::none) << p;
  }
  EXPECT_EQ(key_policy("auth", "/verifyx"), KeyPolicy::required);
  EXPECT_EQ(key_policy("storage", "/object/public/b/x.png"), KeyPolicy::none);
  EXPECT_EQ(key_policy("storage", "/object/sign/b/x.png"), KeyPolicy::none);
  EXPECT_EQ(key_policy("storage", "/object/publicity"), KeyPolicy::required);
}

TEST(Gateway, MissingKeyIsRefused) {
  auto ex = exchange();
  auto res = apply_gateway(ex, KeyPolicy::required, kKeys);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), HttpStatus::unauthorized);
  EXPECT_NE(res->body().find("No API key found in request"), std::string::npos);
}

TEST(Gateway, UnknownKeyIsRefused) {
  auto ex = exchange();
  ex.request.set("apikey", "anon-kez");
  auto res = apply_gateway(ex, KeyPolicy::required, kKeys);
  ASSERT_TRUE(res);
  EXPECT_NE(res->body().find("Invalid API key"), std::string::npos);
}

TEST(Gateway, KeyFromHeaderOrQueryBecomesTheToken) {
  auto ex = exchange();
  ex.request.set("apikey", "anon-key");
  EXPECT_FALSE(apply_gateway(ex, KeyPolicy::required, kKeys));
  EXPECT_EQ(ex.token, "anon-key");

  auto q = exchange("select=*&apikey=service-key");
  EXPECT_FALSE(apply_gateway(q, KeyPolicy::required, kKeys));
  EXPECT_EQ(q.token, "service-key");
}

TEST(Gateway, BearerTokenWinsOverTheKey) {
  auto ex = exchange();
  ex.request.set("apikey", "anon-key");
  ex.request.set(beast_http::field::authorization, "Bearer user-jwt");
  EXPECT_FALSE(apply_gateway(ex, KeyPolicy::required, kKeys));
  EXPECT_EQ(ex.token, "user-jwt");
  EXPECT_EQ(ex.apikey, "anon-key");
}

TEST(Gateway, OpenPathsPassWithoutKey) {
  auto ex = exchange();
  EXPECT_FALSE(apply_gateway(ex, KeyPolicy::none, kKeys));
  EXPECT_TRUE(ex.token.empty());
}

TEST(Cors, PreflightEchoesRequestedHeaders) {
  Request req{beast_http::verb::options, "/rest/v1/todos", 11};
  req.set(beast_http::field::origin, "http://localhost:3000");
  req.set(beast_http::field::access_control_request_method, "POST");
  req.set(beast_http::field::access_control_request_headers, "apikey, x-client-info");
  ASSERT_TRUE(is_preflight(req));
  auto res = preflight_response(req);
  EXPECT_EQ(res.result(), HttpStatus::ok);
  EXPECT_EQ(res[beast_http::field::access_control_allow_origin], "*");
  EXPECT_EQ(res[beast_http::field::access_control_allow_headers], "apikey, x-client-info");
}

TEST(Cors, PlainOptionsIsNotAPreflight) {
  Request req{beast_http::verb::options, "/rest/v1/todos", 11};
  EXPECT_FALSE(is_preflight(req));
}

}  // namespace
}  // namespace basalt::http
