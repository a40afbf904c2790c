// An OpenID Connect provider as Basalt talks to it (auth/oidc_provider.hpp), against a fake
// HttpClient: endpoints from configuration and discovery, the token request, and id_token
// verification with the provider's JWK set (jwt/public_jwks.hpp) including key rotation.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <boost/json.hpp>
#include <memory>

#include "auth/oidc_provider.hpp"
#include "fake_http.hpp"
#include "jwt/base64url.hpp"
#include "jwt/key_set.hpp"
#include "jwt/public_jwks.hpp"

namespace basalt::auth {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::string_view kIssuer = "https://idp.example/realms/test";

using testing::FakeHttp;
using testing::run;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string bn(const EVP_PKEY* key, const char* name) {
  BIGNUM* b = nullptr;
  EVP_PKEY_get_bn_param(key, name, &b);
  std::string out(static_cast<std::size_t>(BN_num_bytes(b)), '\0');
  BN_bn2bin(b, reinterpret_cast<unsigned char*>(out.data()));
  BN_clear_free(b);
  return jwt::base64url_encode(out);
}

// An RSA key of the "provider": its private JWK (to sign test tokens) and public JWK.
struct ProviderKey {
  json::object priv;
  json::object pub;
};

ProviderKey make_key(std::string_view kid) {
  Pkey k(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048)));
  ProviderKey out;
  out.pub = {{"kty", "RSA"},
             {"kid", kid},
             {"use", "sig"},
             {"alg", "RS256"},
             {"n", bn(k.get(), OSSL_PKEY_PARAM_RSA_N)},
             {"e", bn(k.get(), OSSL_PKEY_PARAM_RSA_E)}};
  out.priv = out.pub;
  out.priv["d"] = bn(k.get(), OSSL_PKEY_PARAM_RSA_D);
  out.priv["p"] = bn(k.get(), OSSL_PKEY_PARAM_RSA_FACTOR1);
  out.priv["q"] = bn(k.get(), OSSL_PKEY_PARAM_RSA_FACTOR2);
  out.priv["dp"] = bn(k.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1);
  out.priv["dq"] = bn(k.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2);
  out.priv["qi"] = bn(k.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
  return out;
}

const ProviderKey& key1() {
  static const ProviderKey k = make_key("k1");
  return k;
}
const ProviderKey& key2() {
  static const ProviderKey k = make_key("k2");
  return k;
}

std::string sign(const ProviderKey& key, const json::object& claims) {
  json::array one;
  one.push_back(key.priv);
  auto set = jwt::KeySet::parse(json::serialize(one));
  EXPECT_TRUE(set.ok());
  auto token = set->sign(claims);
  EXPECT_TRUE(token.ok());
  return *token;
}

json::object id_claims() {
  return {{"iss", kIssuer},    {"sub", "user-1"}, {"aud", "basalt"},
          {"exp", kNow + 300}, {"iat", kNow},     {"email", "a@example.com"}};
}

std::string jwks_text(std::initializer_list<const ProviderKey*> keys) {
  json::array a;
  // A key Basalt cannot use is skipped, not fatal.
  a.push_back(json::object{{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", "abc"}, {"kid", "ed"}});
  for (const auto* k : keys) a.push_back(k->pub);
  return json::serialize(json::object{{"keys", a}});
}

OAuthProviderOptions options() {
  OAuthProviderOptions o;
  o.enabled = true;
  o.client_ids = {"basalt", "mobile"};
  o.secret = "s3cr&t";
  o.redirect_uri = "http://127.0.0.1:54321/auth/v1/callback";
  o.url = std::string(kIssuer) + "/";
  return o;
}

std::string discovery(std::string_view issuer = kIssuer, std::string methods = "") {
  json::object d{{"issuer", issuer},
                 {"authorization_endpoint", std::string(kIssuer) + "/auth"},
                 {"token_endpoint", std::string(kIssuer) + "/token"},
                 {"userinfo_endpoint", std::string(kIssuer) + "/me"},
                 {"jwks_uri", std::string(kIssuer) + "/jwks"}};
  if (!methods.empty()) d["token_endpoint_auth_methods_supported"] = json::parse(methods);
  return json::serialize(d);
}

const std::string kDiscoveryUrl = std::string(kIssuer) + "/.well-known/openid-configuration";
const std::string kJwksUrl = std::string(kIssuer) + "/jwks";

TEST(OidcProvider, IssuerFromConfiguration) {
  OAuthProviderOptions o;
  EXPECT_EQ(configured_issuer("google", o), "https://accounts.google.com");
  EXPECT_EQ(configured_issuer("myidp", o), "");
  o.url = "https://kc/realms/r/";
  EXPECT_EQ(configured_issuer("keycloak", o), "https://kc/realms/r");
  o.issuer = "https://other";
  EXPECT_EQ(configured_issuer("keycloak", o), "https://other");
}

TEST(OidcProvider, EndpointsFromConfigurationNeedNoDiscovery) {
  OAuthProviderOptions o = options();
  EXPECT_TRUE(needs_discovery(o));
  o.authorization_url = "https://a/auth";
  o.token_url = "https://a/token";
  EXPECT_TRUE(needs_discovery(o));
  o.userinfo_url = "https://a/me";
  EXPECT_FALSE(needs_discovery(o));
  auto http = std::make_shared<FakeHttp>();
  OidcProvider p("x", o, http);
  auto e = run(p.endpoints(kNow));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->authorization, "https://a/auth");
  EXPECT_EQ(e->userinfo, "https://a/me");
  EXPECT_EQ(e->jwks, "");
  EXPECT_TRUE(http->calls.empty());
}

TEST(OidcProvider, DiscoveryIsCachedAndChecksTheIssuer) {
  auto http = std::make_shared<FakeHttp>();
  http->replies[kDiscoveryUrl] = {200, discovery()};
  OidcProvider p("keycloak", options(), http);
  auto e = run(p.endpoints(kNow));
  ASSERT_TRUE(e.ok()) << e.error().internal;
  EXPECT_EQ(e->issuer, kIssuer);
  EXPECT_EQ(e->token, std::string(kIssuer) + "/token");
  EXPECT_FALSE(e->secret_in_body);
  EXPECT_TRUE(run(p.endpoints(kNow + 10)).ok());
  EXPECT_EQ(http->count(kDiscoveryUrl), 1);
  EXPECT_TRUE(run(p.endpoints(kNow + kOidcCacheSeconds + 1)).ok());
  EXPECT_EQ(http->count(kDiscoveryUrl), 2);

  auto other = std::make_shared<FakeHttp>();
  other->replies[kDiscoveryUrl] = {200, discovery("https://evil.example")};
  OidcProvider q("keycloak", options(), other);
  auto bad = run(q.endpoints(kNow));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().internal.find("evil"), std::string::npos);

  auto down = std::make_shared<FakeHttp>();
  down->replies[kDiscoveryUrl] = {503, "unavailable"};
  OidcProvider r("keycloak", options(), down);
  EXPECT_FALSE(run(r.endpoints(kNow)).ok());
}

TEST(OidcProvider, TokenRequestUsesBasicOrPostAuthentication) {
  OidcEndpoints e;
  e.token = "https://idp/token";
  HttpCall basic = token_request(e, options(), "the code", "verifier");
  EXPECT_EQ(basic.method, "POST");
  EXPECT_EQ(basic.url, "https://idp/token");
  EXPECT_EQ(basic.body,
            "grant_type=authorization_code&code=the+code&redirect_uri=http%3A%2F%2F127.0.0.1%"
            "3A54321%2Fauth%2Fv1%2Fcallback&code_verifier=verifier");
  // base64("basalt:s3cr%26t")
  EXPECT_NE(std::find(basic.headers.begin(), basic.headers.end(),
                      "Authorization: Basic YmFzYWx0OnMzY3IlMjZ0"),
            basic.headers.end());
  e.secret_in_body = true;
  HttpCall post = token_request(e, options(), "c", "");
  EXPECT_EQ(post.body,
            "grant_type=authorization_code&code=c&redirect_uri=http%3A%2F%2F127.0.0.1%3A54321%"
            "2Fauth%2Fv1%2Fcallback&client_id=basalt&client_secret=s3cr%26t");
  for (const auto& h : post.headers) EXPECT_EQ(h.find("Authorization"), std::string::npos);

  auto http = std::make_shared<FakeHttp>();
  http->replies[kDiscoveryUrl] = {200, discovery(kIssuer, R"(["client_secret_post"])")};
  OidcProvider p("keycloak", options(), http);
  EXPECT_TRUE(run(p.endpoints(kNow))->secret_in_body);
}

TEST(OidcProvider, TokenResponse) {
  auto ok = parse_token_response(
      {200, R"({"access_token":"at","token_type":"Bearer","id_token":"it","refresh_token":"rt"})"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->access_token, "at");
  EXPECT_EQ(ok->id_token, "it");
  EXPECT_EQ(ok->refresh_token, "rt");
  auto refused = parse_token_response(
      {400, R"({"error":"invalid_grant","error_description":"code expired"})"});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().internal.find("invalid_grant: code expired"), std::string::npos);
  EXPECT_FALSE(parse_token_response({200, R"({"token_type":"Bearer"})"}).ok());
  EXPECT_FALSE(parse_token_response({200, "not json"}).ok());
}

TEST(OidcProvider, ExchangesACode) {
  auto http = std::make_shared<FakeHttp>();
  http->replies[kDiscoveryUrl] = {200, discovery()};
  http->replies[std::string(kIssuer) + "/token"] = {200, R"({"access_token":"at"})"};
  OidcProvider p("keycloak", options(), http);
  auto t = run(p.exchange_code("code", "v", kNow));
  ASSERT_TRUE(t.ok()) << t.error().internal;
  EXPECT_EQ(t->access_token, "at");
}

TEST(OidcProvider, VerifiesIdTokensWithTheProvidersKeys) {
  auto http = std::make_shared<FakeHttp>();
  http->replies[kDiscoveryUrl] = {200, discovery()};
  http->replies[kJwksUrl] = {200, jwks_text({&key1()})};
  OidcProvider p("keycloak", options(), http);

  auto claims = run(p.verify_id_token(sign(key1(), id_claims()), kNow));
  ASSERT_TRUE(claims.ok()) << claims.error().internal;
  EXPECT_EQ(claims->at("sub"), "user-1");

  json::object wrong_iss = id_claims();
  wrong_iss["iss"] = "https://evil.example";
  auto a = run(p.verify_id_token(sign(key1(), wrong_iss), kNow));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().status, 400);

  json::object expired = id_claims();
  expired["exp"] = kNow - 120;
  EXPECT_FALSE(run(p.verify_id_token(sign(key1(), expired), kNow)).ok());

  json::object no_exp = id_claims();
  no_exp.erase("exp");
  EXPECT_FALSE(run(p.verify_id_token(sign(key1(), no_exp), kNow)).ok());

  // HS256 with any secret never verifies against a provider.
  json::object hs_claims = id_claims();
  EXPECT_FALSE(run(p.verify_id_token(jwt::sign_hs256(hs_claims, "secret"), kNow)).ok());
  EXPECT_EQ(http->count(kJwksUrl), 1);
}

TEST(OidcProvider, FetchesTheKeysAgainWhenTheProviderRotates) {
  auto http = std::make_shared<FakeHttp>();
  http->replies[kDiscoveryUrl] = {200, discovery()};
  http->replies[kJwksUrl] = {200, jwks_text({&key1()})};
  OidcProvider p("keycloak", options(), http);
  ASSERT_TRUE(run(p.verify_id_token(sign(key1(), id_claims()), kNow)).ok());
  http->replies[kJwksUrl] = {200, jwks_text({&key1(), &key2()})};
  // Within a minute of the last fetch the cache is not refreshed for an unknown kid...
  EXPECT_FALSE(run(p.verify_id_token(sign(key2(), id_claims()), kNow + 5)).ok());
  EXPECT_EQ(http->count(kJwksUrl), 1);
  // ...after it, it is.
  auto rotated = run(p.verify_id_token(sign(key2(), id_claims()), kNow + 90));
  ASSERT_TRUE(rotated.ok()) << rotated.error().internal;
  EXPECT_EQ(http->count(kJwksUrl), 2);
}

TEST(PublicJwks, SkipsKeysItCannotUse) {
  json::object enc = key1().pub;
  enc["use"] = "enc";
  json::array keys{enc, key2().pub, key2().pub, json::object{{"kty", "oct"}, {"k", "AAAA"}}};
  auto set = jwt::parse_public_jwks(json::serialize(json::object{{"keys", keys}}));
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(set->keys.size(), 1u);
  EXPECT_EQ(set->skipped, 3u);
  EXPECT_FALSE(set->keys.can_sign());  // private members never kept
  json::array priv{key1().priv};
  auto pub_only = jwt::parse_public_jwks(json::serialize(priv));
  ASSERT_TRUE(pub_only.ok());
  EXPECT_FALSE(pub_only->keys.can_sign());
  EXPECT_FALSE(jwt::parse_public_jwks(R"({"keys":[{"kty":"oct","k":"AAAA"}]})").ok());
  EXPECT_FALSE(jwt::parse_public_jwks("{}").ok());
  EXPECT_FALSE(jwt::parse_public_jwks("nope").ok());
}

TEST(OidcProvider, WithoutAnHttpClientRequestsFailCleanly) {
  OidcProvider p("keycloak", options(), nullptr);
  auto e = run(p.endpoints(kNow));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().internal, "no HTTP client");
}

TEST(OidcProviders, FindsByNameAndIssuer) {
  std::map<std::string, OAuthProviderOptions> m;
  m["MyIdP"] = options();
  OAuthProviderOptions off = options();
  off.enabled = false;
  off.url = "https://off";
  m["off"] = off;
  OidcProviders all(m, std::make_shared<FakeHttp>());
  ASSERT_NE(all.find("myidp"), nullptr);
  EXPECT_EQ(all.find("MYIDP")->name(), "myidp");
  EXPECT_EQ(all.find("nope"), nullptr);
  EXPECT_EQ(all.find_by_issuer(kIssuer)->name(), "myidp");
  EXPECT_EQ(all.find_by_issuer("https://off"), nullptr);  // disabled
  EXPECT_EQ(all.find_by_issuer(""), nullptr);
}

}  // namespace
}  // namespace basalt::auth
