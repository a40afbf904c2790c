#include "auth/pkce.hpp"

#include <gtest/gtest.h>

#include <string>

namespace basalt::auth {
namespace {

// RFC 7636 appendix B.
constexpr std::string_view kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr std::string_view kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

TEST(Pkce, MethodNamesAreCaseInsensitive) {
  EXPECT_EQ(*parse_pkce_method("S256"), PkceMethod::s256);
  EXPECT_EQ(*parse_pkce_method("s256"), PkceMethod::s256);
  EXPECT_EQ(*parse_pkce_method("plain"), PkceMethod::plain);
  EXPECT_EQ(*parse_pkce_method("PLAIN"), PkceMethod::plain);
  EXPECT_EQ(pkce_method_name(PkceMethod::s256), "s256");
  EXPECT_EQ(pkce_method_name(PkceMethod::plain), "plain");
  auto bad = parse_pkce_method("sha256");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().status, 500);
  EXPECT_EQ(bad.error().code, "unexpected_failure");
  EXPECT_EQ(bad.error().internal, "unsupported code_challenge method \"sha256\"");
}

TEST(Pkce, NoParamsMeansImplicitFlow) {
  auto r = validate_pkce_params("", "");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
}

TEST(Pkce, OneParamAloneIsRejected) {
  for (auto [method, challenge] :
       {std::pair<std::string_view, std::string_view>{"s256", ""}, {"", kChallenge}}) {
    auto r = validate_pkce_params(method, challenge);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().status, 400);
    EXPECT_EQ(r.error().code, "validation_failed");
    EXPECT_EQ(r.error().message, "PKCE flow requires code_challenge_method and code_challenge");
  }
}

TEST(Pkce, ChallengeLengthIs43To128) {
  EXPECT_TRUE(validate_pkce_params("plain", std::string(43, 'a')).ok());
  EXPECT_TRUE(validate_pkce_params("plain", std::string(128, 'a')).ok());
  for (std::size_t n : {1u, 42u, 129u}) {
    auto r = validate_pkce_params("plain", std::string(n, 'a'));
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.error().status, 400);
    EXPECT_EQ(r.error().message, "code challenge has to be between 43 and 128 characters");
  }
}

TEST(Pkce, ChallengeCharacters) {
  EXPECT_TRUE(validate_pkce_params("S256", std::string(40, 'a') + "-._~").ok());
  for (char c : {'+', '/', '=', ' ', '%', '\0'}) {
    std::string challenge(43, 'a');
    challenge[10] = c;
    auto r = validate_pkce_params("S256", challenge);
    ASSERT_FALSE(r.ok()) << int(c);
    EXPECT_EQ(r.error().message,
              "code challenge can only contain alphanumeric characters, hyphens, periods, "
              "underscores and tildes");
  }
}

TEST(Pkce, ValidParamsGiveTheMethod) {
  auto r = validate_pkce_params("S256", kChallenge);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(**r, PkceMethod::s256);
  // An unknown method with a valid challenge fails only when the flow state is made.
  auto bad = validate_pkce_params("md5", kChallenge);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().status, 500);
}

TEST(Pkce, VerifiesS256WithRfcVector) {
  EXPECT_TRUE(verify_pkce(kChallenge, "s256", kVerifier).ok());
  EXPECT_TRUE(verify_pkce(kChallenge, "S256", kVerifier).ok());
  auto r = verify_pkce(kChallenge, "s256", std::string(kVerifier) + "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 400);
  EXPECT_EQ(r.error().code, "bad_code_verifier");
  EXPECT_EQ(r.error().message, "code challenge does not match previously saved code verifier");
  // A plain comparison of the verifier with an S256 challenge does not pass.
  EXPECT_FALSE(verify_pkce(kVerifier, "s256", kVerifier).ok());
  // The challenge carries no padding.
  EXPECT_FALSE(verify_pkce(std::string(kChallenge) + "=", "s256", kVerifier).ok());
}

TEST(Pkce, VerifiesPlain) {
  EXPECT_TRUE(verify_pkce(kVerifier, "plain", kVerifier).ok());
  EXPECT_FALSE(verify_pkce(kVerifier, "plain", kChallenge).ok());
  EXPECT_FALSE(verify_pkce(kVerifier, "plain", kVerifier.substr(1)).ok());
  EXPECT_FALSE(verify_pkce(kVerifier, "plain", "").ok());
}

TEST(Pkce, UnknownStoredMethod) {
  auto r = verify_pkce(kChallenge, "md5", kVerifier);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_code_verifier");
  EXPECT_EQ(r.error().message, "code challenge method not supported");
}

}  // namespace
}  // namespace basalt::auth
