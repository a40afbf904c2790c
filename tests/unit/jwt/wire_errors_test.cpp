#include "jwt/wire_errors.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jwt/base64url.hpp"
#include "jwt/jwt.hpp"

namespace basalt::jwt {
namespace {

constexpr std::string_view kSecret = "a-test-secret-that-is-at-least-32-characters";
constexpr std::int64_t kNow = 1'700'000'000;

std::string make_token(std::string_view header_json, std::string_view payload_json) {
  const std::string input = base64url_encode(header_json) + "." + base64url_encode(payload_json);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), out, &len);
  return input + "." + base64url_encode(std::string(reinterpret_cast<const char*>(out), len));
}

std::string claims_token(std::string_view payload_json) {
  return make_token(R"({"alg":"HS256","typ":"JWT"})", payload_json);
}

Error failure(std::string_view token, std::optional<std::string> audience = std::nullopt) {
  VerifyOptions options;
  options.secret = kSecret;
  options.now = kNow;
  options.audience = std::move(audience);
  auto result = verify(token, options);
  EXPECT_FALSE(result.ok()) << "token unexpectedly verified: " << token;
  if (result.ok()) return Error{};
  return std::move(result).error();
}

struct Pgrst {
  std::string code;
  std::string message;
  std::string details;
};

void expect_postgrest(std::string_view token, const Pgrst& want,
                      std::optional<std::string> audience = std::nullopt) {
  const Error e = to_postgrest_error(failure(token, std::move(audience)));
  EXPECT_EQ(e.status, 401) << token;
  EXPECT_EQ(e.code, want.code) << token;
  EXPECT_EQ(e.message, want.message) << token;
  EXPECT_EQ(e.details, want.details) << token;
  EXPECT_EQ(e.hint, "") << token;
}

void expect_gotrue(std::string_view token, std::string_view reason,
                   std::optional<std::string> audience = std::nullopt) {
  const Error e = to_gotrue_error(failure(token, std::move(audience)));
  EXPECT_EQ(e.status, 403) << token;
  EXPECT_EQ(e.code, "bad_jwt") << token;
  EXPECT_EQ(e.message, "invalid JWT: unable to parse or verify signature, " + std::string(reason))
      << token;
}

const std::string& valid_token() {
  static const std::string token = claims_token(R"({"role":"anon"})");
  return token;
}

std::string two_parts() {
  return valid_token().substr(0, valid_token().rfind('.'));
}
std::string wrong_signature() {
  std::string t = valid_token();
  t[t.rfind('.') + 1] = t[t.rfind('.') + 1] == 'A' ? 'B' : 'A';
  return t;
}

// ---------------------------------------------------------------- PostgREST

TEST(PostgrestJwtError, ExpiredIsPgrst303) {
  expect_postgrest(claims_token(R"({"exp":1600000000})"), {"PGRST303", "JWT expired", ""});
}

TEST(PostgrestJwtError, PartCountIsPgrst301WithCount) {
  expect_postgrest(two_parts(), {"PGRST301", "Expected 3 parts in JWT; got 2", ""});
  expect_postgrest(valid_token() + ".e30", {"PGRST301", "Expected 3 parts in JWT; got 4", ""});
  expect_postgrest("abc", {"PGRST301", "Expected 3 parts in JWT; got 1", ""});
}

TEST(PostgrestJwtError, EmptyToken) {
  expect_postgrest("", {"PGRST301", "Empty JWT is sent in Authorization header", ""});
}

TEST(PostgrestJwtError, BadSignatureIsAKeyError) {
  expect_postgrest(wrong_signature(), {"PGRST301", "No suitable key or wrong key type",
                                       "None of the keys was able to decode the JWT"});
}

TEST(PostgrestJwtError, UndecodableTokensAreCryptographicFailures) {
  const Pgrst crypto{"PGRST301", "JWT cryptographic operation failed", ""};
  expect_postgrest("quifquirndsjagnrgniur.fonvoienqhhdj.iuqvnvhojah", crypto);
  expect_postgrest(make_token(R"([1])", R"({})"), crypto);
  expect_postgrest(make_token(R"({"typ":"JWT"})", R"({})"), crypto);
  expect_postgrest(make_token(R"({"alg":"NONE"})", R"({})"), crypto);
  expect_postgrest(make_token(R"({"alg":"PS256"})", R"({})"), crypto);
  expect_postgrest(make_token(R"({"alg":"HS256","typ":7})", R"({})"), crypto);
  expect_postgrest(claims_token(std::string(kMaxTokenBytes, ' ')), crypto);
}

TEST(PostgrestJwtError, AlgNone) {
  expect_postgrest(make_token(R"({"typ":"JWT","alg":"none"})", R"({})"),
                   {"PGRST301", "Wrong or unsupported encoding algorithm",
                    "JWT is unsecured but expected 'alg' was not 'none'"});
}

TEST(PostgrestJwtError, KnownAlgorithmWithoutAMatchingKey) {
  for (std::string alg : {"RS256", "ES256", "HS512"}) {
    expect_postgrest(make_token(R"({"alg":")" + alg + "\"}", R"({})"),
                     {"PGRST301", "No suitable key or wrong key type",
                      "No suitable key was found to decode the JWT"});
  }
}

TEST(PostgrestJwtError, ClaimFailuresArePgrst303) {
  expect_postgrest(claims_token(R"({"nbf":1800000000})"), {"PGRST303", "JWT not yet valid", ""});
  expect_postgrest(claims_token(R"({"iat":1800000000})"), {"PGRST303", "JWT issued at future", ""});
  expect_postgrest(claims_token(R"({"aud":"anon"})"), {"PGRST303", "JWT not in audience", ""},
                   "authenticated");
  expect_postgrest(claims_token("[]"), {"PGRST303", "Parsing claims failed", ""});
  expect_postgrest(claims_token(R"({"exp":"x"})"),
                   {"PGRST303", "The JWT 'exp' claim must be a number", ""});
  expect_postgrest(claims_token(R"({"nbf":"x"})"),
                   {"PGRST303", "The JWT 'nbf' claim must be a number", ""});
  expect_postgrest(claims_token(R"({"iat":"x"})"),
                   {"PGRST303", "The JWT 'iat' claim must be a number", ""});
  expect_postgrest(claims_token(R"({"aud":[1]})"),
                   {"PGRST303", "The JWT 'aud' claim must be a string or an array of strings", ""});
}

TEST(PostgrestJwtError, KeepsReasonForLogs) {
  const Error e = to_postgrest_error(failure(two_parts()));
  EXPECT_FALSE(e.internal.empty());
}

// ---------------------------------------------------------------- GoTrue

TEST(GotrueJwtError, ExpiredIsBadJwt403) {
  expect_gotrue(claims_token(R"({"exp":1600000000})"),
                "token has invalid claims: token is expired");
}

TEST(GotrueJwtError, SignatureAndShape) {
  expect_gotrue(wrong_signature(), "token signature is invalid: signature is invalid");
  expect_gotrue(two_parts(), "token is malformed: token contains an invalid number of segments");
  expect_gotrue("", "token is malformed: token contains an invalid number of segments");
  expect_gotrue("!!!!.e30.e30", "token is malformed: could not base64 decode header");
  expect_gotrue(make_token("[]", "{}"), "token is malformed: could not JSON decode header");
  expect_gotrue(claims_token("[]"), "token is malformed: could not JSON decode claim");
}

TEST(GotrueJwtError, Algorithms) {
  expect_gotrue(make_token(R"({"alg":"none"})", "{}"),
                "token signature is invalid: signing method none is invalid");
  expect_gotrue(make_token(R"({"alg":"RS256"})", "{}"),
                "token signature is invalid: signing method RS256 is invalid");
  expect_gotrue(make_token(R"({"alg":"NONE"})", "{}"),
                "token is unverifiable: signing method (alg) is unavailable");
  expect_gotrue(make_token(R"({"typ":"JWT"})", "{}"),
                "token is unverifiable: signing method (alg) is unspecified");
}

TEST(GotrueJwtError, Claims) {
  expect_gotrue(claims_token(R"({"nbf":1800000000})"),
                "token has invalid claims: token is not valid yet");
  expect_gotrue(claims_token(R"({"aud":"anon"})"),
                "token has invalid claims: token has invalid audience", "authenticated");
  expect_gotrue(claims_token(R"({"role":5})"), "token is malformed: could not JSON decode claim");
}

// ---------------------------------------------------------------- both

TEST(JwtWireErrors, EveryVerifyFailureMapsToAWireCode) {
  const std::vector<std::string> tokens = {
      "",
      two_parts(),
      make_token("[]", "{}"),
      make_token(R"({"alg":"RS256"})", "{}"),
      wrong_signature(),
      claims_token(R"({"exp":1})"),
      claims_token(R"({"nbf":1800000000})"),
      claims_token(R"({"role":1})"),
  };
  for (const auto& token : tokens) {
    const Error verify_error = failure(token);
    ASSERT_TRUE(verify_error_kind(verify_error).has_value()) << token;
    const Error pg = to_postgrest_error(verify_error);
    EXPECT_EQ(pg.status, 401);
    EXPECT_TRUE(pg.code == "PGRST301" || pg.code == "PGRST303") << pg.code;
    const Error gt = to_gotrue_error(verify_error);
    EXPECT_EQ(gt.status, 403);
    EXPECT_EQ(gt.code, "bad_jwt");
  }
}

TEST(JwtWireErrors, OtherErrorsPassThroughUnchanged) {
  Error other = Error::make(500, "XX000", "boom");
  other.details = "d";
  other.internal = "jwt:signature";  // a look-alike tag without a jwt code is not ours
  for (const Error& mapped : {to_postgrest_error(other), to_gotrue_error(other)}) {
    EXPECT_EQ(mapped.status, 500);
    EXPECT_EQ(mapped.code, "XX000");
    EXPECT_EQ(mapped.message, "boom");
    EXPECT_EQ(mapped.details, "d");
  }
}

}  // namespace
}  // namespace basalt::jwt
