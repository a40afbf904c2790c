#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>
#include <cstdint>
#include <limits>
#include <string>

#include "jwt/base64url.hpp"
#include "jwt/jwt.hpp"

namespace basalt::jwt {
namespace {

constexpr std::string_view kSecret = "a-test-secret-that-is-at-least-32-characters";
constexpr std::int64_t kNow = 1'700'000'000;

// Independent of sign_hs256: signs arbitrary header/payload text with OpenSSL directly.
std::string mac(std::string_view secret, std::string_view data, const EVP_MD* md = EVP_sha256()) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string make_token(std::string_view header_json, std::string_view payload_json,
                       std::string_view secret = kSecret, const EVP_MD* md = EVP_sha256()) {
  std::string input = base64url_encode(header_json) + "." + base64url_encode(payload_json);
  return input + "." + base64url_encode(mac(secret, input, md));
}

std::string hs256_token(std::string_view payload_json) {
  return make_token(R"({"alg":"HS256","typ":"JWT"})", payload_json);
}

VerifyOptions options(std::int64_t now = kNow) {
  VerifyOptions o;
  o.secret = kSecret;
  o.now = now;
  return o;
}

// Expects failure of the given kind and checks the Error's shape.
void expect_kind(const Result<Verified>& result, VerifyError kind) {
  ASSERT_FALSE(result.ok()) << "token unexpectedly verified";
  EXPECT_EQ(result.error().status, 401);
  EXPECT_EQ(result.error().code, verify_error_code(kind));
  EXPECT_FALSE(result.error().message.empty());
  EXPECT_EQ(verify_error_kind(result.error()), kind) << result.error().code;
}

std::string with_exp(std::int64_t exp) {
  return R"({"role":"authenticated","exp":)" + std::to_string(exp) + "}";
}

// ---------------------------------------------------------------- valid tokens

TEST(JwtVerify, ValidTokenPasses) {
  const std::string token =
      hs256_token(R"({"sub":"u1","role":"authenticated","exp":1700003600,"aud":"authenticated"})");
  auto result = verify(token, options());
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->claims.at("sub").as_string(), "u1");
  EXPECT_EQ(result->claims.at("role").as_string(), "authenticated");
  EXPECT_EQ(result->claims.at("exp").as_int64(), 1700003600);
  EXPECT_EQ(result->header.at("alg").as_string(), "HS256");
  EXPECT_EQ(result->header.at("typ").as_string(), "JWT");
}

TEST(JwtVerify, SignProducesStandardHeaderAndIndependentlyCheckableSignature) {
  boost::json::object claims;
  claims["role"] = "anon";
  claims["n"] = 1;
  const std::string token = sign_hs256(claims, kSecret);
  const auto dot1 = token.find('.');
  const auto dot2 = token.rfind('.');
  EXPECT_EQ(base64url_decode(token.substr(0, dot1)), R"({"alg":"HS256","typ":"JWT"})");
  EXPECT_EQ(base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1)), R"({"role":"anon","n":1})");
  EXPECT_EQ(token.substr(dot2 + 1), base64url_encode(mac(kSecret, token.substr(0, dot2))));
}

TEST(JwtVerify, SignVerifyRoundTripKeepsClaims) {
  boost::json::object claims;
  claims["sub"] = "5f0c0e7e-0000-4000-8000-000000000001";
  claims["role"] = "authenticated";
  claims["exp"] = kNow + 60;
  claims["iat"] = kNow;
  claims["app_metadata"] = boost::json::object{{"provider", "email"}};
  claims["amr"] = boost::json::array{"password", 1, true, nullptr};
  claims["unicode"] = "h\xc3\xa9llo \xe2\x9c\x93";
  auto result = verify(sign_hs256(claims, kSecret), options());
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->claims, claims);
}

TEST(JwtVerify, AcceptsRfc7515AppendixA1Example) {
  // RFC 7515 A.1: an HS256 JWS made by another implementation, whitespace in the JSON.
  const std::string token =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
      ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnV"
      "lfQ"
      ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  const auto key = base64url_decode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  ASSERT_TRUE(key);
  VerifyOptions o;
  o.secret = *key;
  o.now = 1300819000;
  auto result = verify(token, o);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->claims.at("iss").as_string(), "joe");
  EXPECT_TRUE(result->claims.at("http://example.com/is_root").as_bool());

  o.now = 1300819380;
  expect_kind(verify(token, o), VerifyError::expired);
}

TEST(JwtVerify, TokenWithoutTimeClaimsPasses) {
  EXPECT_TRUE(verify(hs256_token(R"({"role":"anon"})"), options()).ok());
  EXPECT_TRUE(verify(hs256_token(R"({})"), options()).ok());
}

// ---------------------------------------------------------------- shape and size

TEST(JwtVerify, RejectsEmptyToken) {
  expect_kind(verify("", options()), VerifyError::malformed);
}

TEST(JwtVerify, RejectsTwoParts) {
  const std::string token = hs256_token(R"({"role":"anon"})");
  expect_kind(verify(token.substr(0, token.rfind('.')), options()), VerifyError::malformed);
}

TEST(JwtVerify, RejectsFourParts) {
  expect_kind(verify(hs256_token(R"({"role":"anon"})") + ".e30", options()),
              VerifyError::malformed);
  expect_kind(verify(hs256_token(R"({"role":"anon"})") + ".", options()), VerifyError::malformed);
}

TEST(JwtVerify, RejectsSinglePart) {
  expect_kind(verify("eyJhbGciOiJIUzI1NiJ9", options()), VerifyError::malformed);
}

TEST(JwtVerify, RejectsTokenOverSizeLimit) {
  // Properly signed, so only the size can be the reason.
  std::string pad(kMaxTokenBytes, 'x');
  const std::string big = hs256_token(R"({"role":"anon","pad":")" + pad + "\"}");
  ASSERT_GT(big.size(), kMaxTokenBytes);
  expect_kind(verify(big, options()), VerifyError::malformed);

  // Just under the limit still verifies.
  pad.assign(kMaxTokenBytes * 3 / 4 - 200, 'x');
  const std::string fits = hs256_token(R"({"role":"anon","pad":")" + pad + "\"}");
  ASSERT_LE(fits.size(), kMaxTokenBytes);
  ASSERT_GT(fits.size(), kMaxTokenBytes - 400);
  EXPECT_TRUE(verify(fits, options()).ok());
}

TEST(JwtVerify, RejectsBadBase64InEachPart) {
  const std::string token = hs256_token(R"({"role":"anon"})");
  const auto dot1 = token.find('.');
  const auto dot2 = token.rfind('.');
  std::string bad_header = token;
  bad_header[2] = '!';
  expect_kind(verify(bad_header, options()), VerifyError::malformed);
  std::string bad_payload = token;
  bad_payload[dot1 + 2] = '+';
  expect_kind(verify(bad_payload, options()), VerifyError::malformed);
  std::string bad_signature = token;
  bad_signature[dot2 + 2] = '/';
  expect_kind(verify(bad_signature, options()), VerifyError::malformed);
  // Padding is not allowed in JWS segments.
  expect_kind(verify(token + "=", options()), VerifyError::malformed);
  expect_kind(verify("quifquirndsjagnrgniur.fonvoienqhhdj.iuqvnvhojah", options()),
              VerifyError::malformed);
}

// ---------------------------------------------------------------- header

TEST(JwtVerify, RejectsHeaderThatIsAJsonArray) {
  expect_kind(verify(make_token(R"(["alg","HS256"])", R"({"role":"anon"})"), options()),
              VerifyError::bad_header);
}

TEST(JwtVerify, RejectsHeaderThatIsNotJson) {
  expect_kind(verify(make_token(R"({"alg":"HS256",)", R"({"role":"anon"})"), options()),
              VerifyError::bad_header);
  expect_kind(verify(make_token(R"("HS256")", R"({"role":"anon"})"), options()),
              VerifyError::bad_header);
  expect_kind(verify(make_token("", R"({"role":"anon"})"), options()), VerifyError::bad_header);
}

TEST(JwtVerify, RejectsMissingAlg) {
  expect_kind(verify(make_token(R"({"typ":"JWT"})", R"({"role":"anon"})"), options()),
              VerifyError::bad_header);
  expect_kind(verify(make_token(R"({"alg":null})", R"({"role":"anon"})"), options()),
              VerifyError::bad_header);
  expect_kind(verify(make_token(R"({"alg":256})", R"({"role":"anon"})"), options()),
              VerifyError::bad_header);
}

TEST(JwtVerify, RejectsAlgNoneInAnyCase) {
  for (std::string alg : {"none", "NONE", "None", "nOnE"}) {
    const std::string header = R"({"alg":")" + alg + R"(","typ":"JWT"})";
    // Correct HMAC attached, and the classic unsigned form with an empty signature.
    expect_kind(verify(make_token(header, R"({"role":"service_role"})"), options()),
                VerifyError::unsupported_alg);
    const std::string unsigned_token =
        base64url_encode(header) + "." + base64url_encode(R"({"role":"service_role"})") + ".";
    expect_kind(verify(unsigned_token, options()), VerifyError::unsupported_alg);
  }
}

TEST(JwtVerify, RejectsAsymmetricAlgorithms) {
  for (std::string alg : {"RS256", "ES256", "PS256", "EdDSA"}) {
    expect_kind(verify(make_token(R"({"alg":")" + alg + R"("})", R"({"role":"anon"})"), options()),
                VerifyError::unsupported_alg);
  }
}

TEST(JwtVerify, RejectsHs384AndHs512EvenWhenCorrectlySigned) {
  // PostgREST's plain-secret key is HS256-only and GoTrue's valid methods are ["HS256"].
  expect_kind(verify(make_token(R"({"alg":"HS384"})", R"({"role":"anon"})", kSecret, EVP_sha384()),
                     options()),
              VerifyError::unsupported_alg);
  expect_kind(verify(make_token(R"({"alg":"HS512"})", R"({"role":"anon"})", kSecret, EVP_sha512()),
                     options()),
              VerifyError::unsupported_alg);
  expect_kind(verify(make_token(R"({"alg":"hs256"})", R"({"role":"anon"})"), options()),
              VerifyError::unsupported_alg);
}

TEST(JwtVerify, RejectsEncryptedTokens) {
  expect_kind(
      verify(make_token(R"({"alg":"HS256","enc":"A256GCM"})", R"({"role":"anon"})"), options()),
      VerifyError::unsupported_alg);
}

TEST(JwtVerify, AcceptsAnyStringTypLikePostgrest) {
  for (std::string typ : {"JWT", "jwt", "at+jwt", "JOSE"}) {
    const std::string header = R"({"alg":"HS256","typ":")" + typ + "\"}";
    EXPECT_TRUE(verify(make_token(header, R"({"role":"anon"})"), options()).ok()) << typ;
  }
  EXPECT_TRUE(verify(make_token(R"({"alg":"HS256"})", R"({"role":"anon"})"), options()).ok());
  EXPECT_TRUE(
      verify(make_token(R"({"alg":"HS256","typ":null})", R"({"role":"anon"})"), options()).ok());
}

TEST(JwtVerify, RejectsNonStringTypKidOrCty) {
  for (std::string field : {"typ", "kid", "cty"}) {
    const std::string header = R"({"alg":"HS256",")" + field + R"(":1})";
    expect_kind(verify(make_token(header, R"({"role":"anon"})"), options()),
                VerifyError::bad_header);
  }
}

TEST(JwtVerify, AcceptsKidAndReturnsHeader) {
  auto result =
      verify(make_token(R"({"alg":"HS256","kid":"k1","typ":"JWT"})", R"({"a":1})"), options());
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->header.at("kid").as_string(), "k1");
}

// ---------------------------------------------------------------- signature

TEST(JwtVerify, RejectsWrongSecret) {
  const std::string token = make_token(R"({"alg":"HS256"})", R"({"role":"anon"})",
                                       "another-secret-that-is-also-32-characters-long");
  expect_kind(verify(token, options()), VerifyError::bad_signature);
}

TEST(JwtVerify, EachCallOnOneThreadUsesItsOwnSecret) {
  // The HMAC context is reused per thread: alternating secrets (short, and longer than SHA-256's
  // 64-byte block, which HMAC hashes first) must each sign and check with their own key.
  const std::string long_secret(200, 'k');
  const boost::json::object claims{{"role", "anon"}};
  for (int round = 0; round < 3; ++round) {
    for (std::string_view secret : {kSecret, std::string_view(long_secret)}) {
      const std::string signed_here = sign_hs256(claims, secret);
      const std::string_view other = secret == kSecret ? std::string_view(long_secret) : kSecret;
      const std::string made_elsewhere =
          make_token(R"({"alg":"HS256","typ":"JWT"})", R"({"role":"anon"})", secret);
      VerifyOptions right = options();
      right.secret = secret;
      VerifyOptions wrong = options();
      wrong.secret = other;
      EXPECT_TRUE(verify(signed_here, right).ok());
      EXPECT_TRUE(verify(made_elsewhere, right).ok());
      expect_kind(verify(signed_here, wrong), VerifyError::bad_signature);
      expect_kind(verify(made_elsewhere, wrong), VerifyError::bad_signature);
    }
  }
}

TEST(JwtVerify, RejectsTamperedPayloadByte) {
  const std::string token = hs256_token(R"({"role":"authenticated","sub":"user-1"})");
  const auto dot1 = token.find('.');
  const auto dot2 = token.rfind('.');
  // Every single-character change inside the payload (except the last character, whose
  // low bits may be unused) keeps valid base64url and must break the signature.
  for (std::size_t i = dot1 + 1; i + 1 < dot2; ++i) {
    std::string tampered = token;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    expect_kind(verify(tampered, options()), VerifyError::bad_signature);
  }
  // The decoded payload differs by one byte, signature untouched.
  auto payload = *base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  payload[payload.find("user-1") + 5] = '2';
  const std::string forged =
      token.substr(0, dot1 + 1) + base64url_encode(payload) + token.substr(dot2);
  expect_kind(verify(forged, options()), VerifyError::bad_signature);
}

TEST(JwtVerify, RejectsTamperedSignature) {
  const std::string token = hs256_token(R"({"role":"anon"})");
  const auto dot2 = token.rfind('.');
  for (std::size_t i = dot2 + 1; i + 1 < token.size(); ++i) {
    std::string tampered = token;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    expect_kind(verify(tampered, options()), VerifyError::bad_signature);
  }
  // The last character: either a different byte (bad signature) or unused bits (malformed);
  // never accepted.
  for (char c : std::string("AEIMQUYcgkosw048BCDFGHJKLNOPRSTVWXZ")) {
    std::string tampered = token;
    if (tampered.back() == c) continue;
    tampered.back() = c;
    EXPECT_FALSE(verify(tampered, options()).ok()) << tampered;
  }
}

TEST(JwtVerify, RejectsTruncatedOrEmptySignature) {
  const std::string token = hs256_token(R"({"role":"anon"})");
  expect_kind(verify(token.substr(0, token.size() - 3), options()), VerifyError::bad_signature);
  expect_kind(verify(token.substr(0, token.rfind('.') + 1), options()), VerifyError::bad_signature);
  expect_kind(verify(token + base64url_encode("x"), options()), VerifyError::malformed);
}

TEST(JwtVerify, EmptySecretVerifiesNothing) {
  const std::string token = make_token(R"({"alg":"HS256"})", R"({"role":"anon"})", "");
  VerifyOptions o = options();
  o.secret = "";
  expect_kind(verify(token, o), VerifyError::bad_signature);
}

// ---------------------------------------------------------------- claims

TEST(JwtVerify, RejectsClaimsThatAreNotAJsonObject) {
  expect_kind(verify(hs256_token("[1,2]"), options()), VerifyError::bad_claims);
  expect_kind(verify(hs256_token("\"role\""), options()), VerifyError::bad_claims);
  expect_kind(verify(hs256_token("not json"), options()), VerifyError::bad_claims);
  expect_kind(verify(hs256_token(""), options()), VerifyError::bad_claims);
}

TEST(JwtVerify, ExpEqualToNowIsExpired) {
  expect_kind(verify(hs256_token(with_exp(kNow)), options()), VerifyError::expired);
  expect_kind(verify(hs256_token(with_exp(kNow - 1000)), options()), VerifyError::expired);
  EXPECT_TRUE(verify(hs256_token(with_exp(kNow + 1)), options()).ok());
}

TEST(JwtVerify, ExpHonoursLeeway) {
  VerifyOptions o = options();
  o.leeway_seconds = 30;
  EXPECT_TRUE(verify(hs256_token(with_exp(kNow - 29)), o).ok());
  expect_kind(verify(hs256_token(with_exp(kNow - 30)), o), VerifyError::expired);
  // A negative leeway counts as none.
  o.leeway_seconds = -30;
  expect_kind(verify(hs256_token(with_exp(kNow)), o), VerifyError::expired);
  EXPECT_TRUE(verify(hs256_token(with_exp(kNow + 1)), o).ok());
}

TEST(JwtVerify, ExpFractionalAndExtremeValues) {
  EXPECT_TRUE(verify(hs256_token(R"({"exp":1700000010.75})"), options()).ok());
  expect_kind(verify(hs256_token(R"({"exp":1700000000.5})"), options()), VerifyError::expired);
  EXPECT_TRUE(verify(hs256_token(R"({"exp":18446744073709551615})"), options()).ok());
  EXPECT_TRUE(verify(hs256_token(R"({"exp":1e300})"), options()).ok());
  expect_kind(verify(hs256_token(R"({"exp":-1e300})"), options()), VerifyError::expired);
  // Saturating arithmetic at the edges of the clock.
  VerifyOptions o = options(std::numeric_limits<std::int64_t>::min());
  o.leeway_seconds = std::numeric_limits<std::int64_t>::max();
  EXPECT_TRUE(verify(hs256_token(R"({"exp":0,"nbf":-5})"), o).ok());
}

TEST(JwtVerify, NullExpIsIgnored) {
  EXPECT_TRUE(verify(hs256_token(R"({"exp":null})"), options()).ok());
}

TEST(JwtVerify, RejectsNonNumericExp) {
  expect_kind(verify(hs256_token(R"({"exp":"1900000000"})"), options()), VerifyError::bad_claims);
  expect_kind(verify(hs256_token(R"({"exp":true})"), options()), VerifyError::bad_claims);
  expect_kind(verify(hs256_token(R"({"exp":[1900000000]})"), options()), VerifyError::bad_claims);
}

TEST(JwtVerify, NbfInTheFutureIsNotYetValid) {
  EXPECT_TRUE(verify(hs256_token(R"({"nbf":1700000000})"), options()).ok());
  expect_kind(verify(hs256_token(R"({"nbf":1700000001})"), options()), VerifyError::not_yet_valid);
  VerifyOptions o = options();
  o.leeway_seconds = 30;
  EXPECT_TRUE(verify(hs256_token(R"({"nbf":1700000030})"), o).ok());
  expect_kind(verify(hs256_token(R"({"nbf":1700000031})"), o), VerifyError::not_yet_valid);
  expect_kind(verify(hs256_token(R"({"nbf":"now"})"), options()), VerifyError::bad_claims);
}

TEST(JwtVerify, IatInTheFutureIsNotYetValid) {
  EXPECT_TRUE(verify(hs256_token(R"({"iat":1699990000})"), options()).ok());
  EXPECT_TRUE(verify(hs256_token(R"({"iat":1700000000})"), options()).ok());
  expect_kind(verify(hs256_token(R"({"iat":1700000001})"), options()), VerifyError::not_yet_valid);
  VerifyOptions o = options();
  o.leeway_seconds = 30;
  EXPECT_TRUE(verify(hs256_token(R"({"iat":1700000030})"), o).ok());
  expect_kind(verify(hs256_token(R"({"iat":1700000031})"), o), VerifyError::not_yet_valid);
  expect_kind(verify(hs256_token(R"({"iat":{}})"), options()), VerifyError::bad_claims);
}

TEST(JwtVerify, ChecksClaimsInPostgrestOrder) {
  // Expired and not yet valid at once: exp is reported first.
  expect_kind(verify(hs256_token(R"({"nbf":1800000000,"exp":1600000000})"), options()),
              VerifyError::expired);
}

TEST(JwtVerify, AudienceAsString) {
  VerifyOptions o = options();
  o.audience = "authenticated";
  EXPECT_TRUE(verify(hs256_token(R"({"aud":"authenticated"})"), o).ok());
  expect_kind(verify(hs256_token(R"({"aud":"anon"})"), o), VerifyError::audience_mismatch);
  expect_kind(verify(hs256_token(R"({"aud":"Authenticated"})"), o), VerifyError::audience_mismatch);
}

TEST(JwtVerify, AudienceAsArray) {
  VerifyOptions o = options();
  o.audience = "authenticated";
  EXPECT_TRUE(verify(hs256_token(R"({"aud":["other","authenticated"]})"), o).ok());
  expect_kind(verify(hs256_token(R"({"aud":["other","anon"]})"), o),
              VerifyError::audience_mismatch);
  // An empty list restricts nothing (PostgREST).
  EXPECT_TRUE(verify(hs256_token(R"({"aud":[]})"), o).ok());
}

TEST(JwtVerify, AbsentAudienceIsAcceptedWhenOneIsConfigured) {
  // The CLI's anon key carries no aud; PostgREST accepts it with jwt-aud set.
  VerifyOptions o = options();
  o.audience = "authenticated";
  EXPECT_TRUE(verify(hs256_token(R"({"role":"anon"})"), o).ok());
  EXPECT_TRUE(verify(hs256_token(R"({"aud":null})"), o).ok());
}

TEST(JwtVerify, AnyAudienceIsAcceptedWhenNoneIsConfigured) {
  EXPECT_TRUE(verify(hs256_token(R"({"aud":"whatever"})"), options()).ok());
  EXPECT_TRUE(verify(hs256_token(R"({"aud":["a","b"]})"), options()).ok());
}

TEST(JwtVerify, RejectsAudienceOfWrongType) {
  expect_kind(verify(hs256_token(R"({"aud":42})"), options()), VerifyError::bad_claims);
  expect_kind(verify(hs256_token(R"({"aud":{"a":1}})"), options()), VerifyError::bad_claims);
  expect_kind(verify(hs256_token(R"({"aud":["ok",1]})"), options()), VerifyError::bad_claims);
}

TEST(JwtVerify, RejectsNonStringRole) {
  expect_kind(verify(hs256_token(R"({"role":123})"), options()), VerifyError::bad_claims);
  expect_kind(verify(hs256_token(R"({"role":null})"), options()), VerifyError::bad_claims);
  expect_kind(verify(hs256_token(R"({"role":["anon"]})"), options()), VerifyError::bad_claims);
}

// ---------------------------------------------------------------- error kinds

TEST(JwtVerify, ErrorCodesAreStableAndDistinct) {
  EXPECT_EQ(verify_error_code(VerifyError::malformed), "jwt_malformed");
  EXPECT_EQ(verify_error_code(VerifyError::bad_header), "jwt_bad_header");
  EXPECT_EQ(verify_error_code(VerifyError::unsupported_alg), "jwt_unsupported_alg");
  EXPECT_EQ(verify_error_code(VerifyError::bad_signature), "jwt_bad_signature");
  EXPECT_EQ(verify_error_code(VerifyError::expired), "jwt_expired");
  EXPECT_EQ(verify_error_code(VerifyError::not_yet_valid), "jwt_not_yet_valid");
  EXPECT_EQ(verify_error_code(VerifyError::bad_claims), "jwt_bad_claims");
  EXPECT_EQ(verify_error_code(VerifyError::audience_mismatch), "jwt_audience_mismatch");
}

TEST(JwtVerify, ErrorKindIsNulloptForOtherErrors) {
  EXPECT_EQ(verify_error_kind(Error::make(404, "PGRST125", "not found")), std::nullopt);
  EXPECT_EQ(verify_error_kind(Error{}), std::nullopt);
}

}  // namespace
}  // namespace basalt::jwt
