#include "jwt/keys.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "jwt/base64url.hpp"
#include "jwt/jwt.hpp"

namespace basalt::jwt {
namespace {

// The keys `supabase start` prints for its default JWT secret, as published by the CLI.
constexpr std::string_view kCliAnonKey =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9."
    "CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0";
constexpr std::string_view kCliServiceRoleKey =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0."
    "EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU";

TEST(ApiKeys, AnonKeyMatchesSupabaseCliDefaultByteForByte) {
  EXPECT_EQ(make_api_key("anon", kCliDefaultSecret), kCliAnonKey);
}

TEST(ApiKeys, ServiceRoleKeyMatchesSupabaseCliDefaultByteForByte) {
  EXPECT_EQ(make_api_key("service_role", kCliDefaultSecret), kCliServiceRoleKey);
}

TEST(ApiKeys, KeyVerifiesWithItsSecretAndCarriesTheCliClaims) {
  const std::string secret = "a-project-secret-with-more-than-32-chars";
  const std::string key = make_api_key("anon", secret);
  VerifyOptions options;
  options.secret = secret;
  options.now = 1'700'000'000;
  options.audience = "authenticated";  // API keys have no aud and must still pass
  auto result = verify(key, options);
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_EQ(result->claims.size(), 3u);
  EXPECT_EQ(result->claims.at("iss").as_string(), kApiKeyIssuer);
  EXPECT_EQ(result->claims.at("role").as_string(), "anon");
  EXPECT_EQ(result->claims.at("exp").as_int64(), kApiKeyExpiry);

  options.secret = kCliDefaultSecret;
  EXPECT_EQ(verify_error_kind(verify(key, options).error()), VerifyError::bad_signature);
  options.secret = secret;
  options.now = kApiKeyExpiry;
  EXPECT_EQ(verify_error_kind(verify(key, options).error()), VerifyError::expired);
}

TEST(ApiKeys, GeneratedSecretIsLongUrlSafeAndRandom) {
  std::set<std::string> seen;
  for (int i = 0; i < 8; ++i) {
    const std::string secret = generate_secret();
    EXPECT_GE(secret.size(), 40u);
    EXPECT_EQ(secret.size(), 64u);
    EXPECT_TRUE(std::all_of(secret.begin(), secret.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
             c == '-' || c == '_';
    })) << secret;
    EXPECT_EQ(base64url_decode(secret)->size(), 48u);
    seen.insert(secret);
  }
  EXPECT_EQ(seen.size(), 8u);
}

TEST(ApiKeys, GeneratedSecretSignsAndVerifies) {
  const std::string secret = generate_secret();
  VerifyOptions options;
  options.secret = secret;
  options.now = 1'700'000'000;
  EXPECT_TRUE(verify(make_api_key("service_role", secret), options).ok());
}

}  // namespace
}  // namespace basalt::jwt
