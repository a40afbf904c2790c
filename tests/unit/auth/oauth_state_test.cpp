// The OAuth `state` token (auth/oauth_state.hpp): round trip, tampering, expiry, key
// separation from access tokens, and the nonce / PKCE verifier derived from it.
#include "auth/oauth_state.hpp"

#include <gtest/gtest.h>

#include <boost/json/object.hpp>

#include "jwt/jwt.hpp"

namespace basalt::auth {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::string_view kSecret = "super-secret-jwt-token-with-at-least-32-characters-long";

TEST(OAuthState, RoundTrips) {
  const std::string key = oauth_state_key(kSecret);
  OAuthState s = new_oauth_state("keycloak", "http://localhost:3000/cb", "", kNow);
  EXPECT_EQ(s.exp, kNow + kOAuthStateLifetime);
  EXPECT_GE(s.id.size(), 20u);
  auto back = decode_oauth_state(encode_oauth_state(s, key), key, kNow + 10);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->provider, "keycloak");
  EXPECT_EQ(back->referrer, "http://localhost:3000/cb");
  EXPECT_EQ(back->flow_state_id, "");
  EXPECT_EQ(back->id, s.id);
  EXPECT_EQ(back->exp, s.exp);

  OAuthState pkce = new_oauth_state("oidc", "", "8a4b2c1e-0000-4000-8000-000000000001", kNow);
  pkce.link_user = "5f1e0c2a-0000-4000-8000-00000000000a";
  auto p = decode_oauth_state(encode_oauth_state(pkce, key), key, kNow);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->flow_state_id, "8a4b2c1e-0000-4000-8000-000000000001");
  EXPECT_EQ(p->link_user, "5f1e0c2a-0000-4000-8000-00000000000a");
  EXPECT_EQ(back->link_user, "");
}

TEST(OAuthState, EachStateHasItsOwnId) {
  EXPECT_NE(new_oauth_state("a", "", "", kNow).id, new_oauth_state("a", "", "", kNow).id);
}

TEST(OAuthState, RejectsTamperingAndOtherKeys) {
  const std::string key = oauth_state_key(kSecret);
  const std::string token = encode_oauth_state(new_oauth_state("a", "x", "", kNow), key);
  auto other = decode_oauth_state(token, oauth_state_key("another-secret"), kNow);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().status, 400);
  EXPECT_EQ(other.error().code, "bad_oauth_state");
  EXPECT_EQ(other.error().message, "OAuth state parameter is invalid");

  std::string flipped = token;
  flipped[flipped.size() / 2] = flipped[flipped.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(decode_oauth_state(flipped, key, kNow).ok());
  EXPECT_FALSE(decode_oauth_state("not-a-token", key, kNow).ok());
  EXPECT_FALSE(decode_oauth_state("", key, kNow).ok());
}

TEST(OAuthState, Expires) {
  const std::string key = oauth_state_key(kSecret);
  const std::string token = encode_oauth_state(new_oauth_state("a", "x", "", kNow), key);
  EXPECT_TRUE(decode_oauth_state(token, key, kNow + kOAuthStateLifetime - 1).ok());
  auto late = decode_oauth_state(token, key, kNow + kOAuthStateLifetime + 1);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, "bad_oauth_state");
  EXPECT_EQ(late.error().message, "OAuth state has expired");
}

TEST(OAuthState, IsNotInterchangeableWithAccessTokens) {
  // An access token signed with the JWT secret is no state...
  boost::json::object claims;
  claims["kind"] = "oauth_state";
  claims["exp"] = kNow + 60;
  claims["jti"] = "abc";
  claims["provider"] = "a";
  EXPECT_FALSE(
      decode_oauth_state(jwt::sign_hs256(claims, kSecret), oauth_state_key(kSecret), kNow).ok());
  // ...and a state does not verify with the JWT secret.
  const std::string state =
      encode_oauth_state(new_oauth_state("a", "x", "", kNow), oauth_state_key(kSecret));
  jwt::VerifyOptions vo;
  vo.secret = kSecret;
  vo.now = kNow;
  EXPECT_FALSE(jwt::verify(state, vo).ok());
}

TEST(OAuthState, RequiresItsClaims) {
  const std::string key = oauth_state_key(kSecret);
  boost::json::object claims;
  claims["exp"] = kNow + 60;
  claims["jti"] = "abc";
  claims["provider"] = "a";
  EXPECT_FALSE(decode_oauth_state(jwt::sign_hs256(claims, key), key, kNow).ok());  // no kind
  claims["kind"] = "oauth_state";
  EXPECT_TRUE(decode_oauth_state(jwt::sign_hs256(claims, key), key, kNow).ok());
  claims.erase("provider");
  EXPECT_FALSE(decode_oauth_state(jwt::sign_hs256(claims, key), key, kNow).ok());
}

TEST(OAuthState, DerivesNonceAndVerifierPerFlow) {
  const std::string key = oauth_state_key(kSecret);
  const OAuthState a = new_oauth_state("p", "", "", kNow);
  const OAuthState b = new_oauth_state("p", "", "", kNow);
  EXPECT_EQ(oauth_nonce(a, key), oauth_nonce(a, key));
  EXPECT_NE(oauth_nonce(a, key), oauth_nonce(b, key));
  EXPECT_NE(oauth_nonce(a, key), provider_code_verifier(a, key));
  const std::string verifier = provider_code_verifier(a, key);
  EXPECT_EQ(verifier.size(), 43u);  // RFC 7636: 43..128 characters
  EXPECT_EQ(verifier.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  EXPECT_NE(provider_code_verifier(a, oauth_state_key("other")), verifier);
}

TEST(OAuthState, S256ChallengeMatchesRfc7636) {
  // RFC 7636 Appendix B.
  EXPECT_EQ(pkce_s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

}  // namespace
}  // namespace basalt::auth
