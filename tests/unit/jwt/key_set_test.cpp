// KeySet (RS256/ES256 JWKs) and jwt::verify() with a key set: keys are generated here with
// OpenSSL and written out as JWKs the way `supabase gen signing-key` does; signatures are
// also checked with OpenSSL directly, independent of key_set.cpp.
#include "jwt/key_set.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "jwt/base64url.hpp"
#include "jwt/jwt.hpp"
#include "jwt/wire_errors.hpp"

namespace basalt::jwt {
namespace {

namespace json = boost::json;

constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::string_view kSecret = "a-test-secret-that-is-at-least-32-characters";

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Pkey gen_ec() {
  return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}

Pkey gen_rsa(std::size_t bits) {
  return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits));
}

std::string bn_param(const EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) return {};
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_clear_free(bn);
  return out;
}

std::string ec_point(const EVP_PKEY* key) {
  unsigned char buf[128];
  std::size_t len = 0;
  EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof buf, &len);
  return std::string(reinterpret_cast<const char*>(buf), len);
}

// A JWK as the Supabase CLI writes it (big integers without leading zero bytes, like Go's
// big.Int.Bytes()); `with_private` false gives the public JWK.
json::object to_jwk(const EVP_PKEY* key, std::string_view kid, bool with_private = true) {
  json::object jwk;
  const bool ec = EVP_PKEY_is_a(key, "EC");
  jwk["kty"] = ec ? "EC" : "RSA";
  jwk["kid"] = kid;
  jwk["use"] = "sig";
  jwk["key_ops"] = json::array{"sign", "verify"};
  jwk["alg"] = ec ? "ES256" : "RS256";
  jwk["ext"] = true;
  auto b64 = [](std::string bytes) {
    const auto first = bytes.find_first_not_of('\0');
    return base64url_encode(first == std::string::npos ? std::string(1, '\0')
                                                       : bytes.substr(first));
  };
  if (ec) {
    const std::string point = ec_point(key);  // 04 || x || y
    jwk["crv"] = "P-256";
    jwk["x"] = b64(point.substr(1, 32));
    jwk["y"] = b64(point.substr(33, 32));
    if (with_private) jwk["d"] = b64(bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY));
  } else {
    jwk["n"] = b64(bn_param(key, OSSL_PKEY_PARAM_RSA_N));
    jwk["e"] = b64(bn_param(key, OSSL_PKEY_PARAM_RSA_E));
    if (with_private) {
      jwk["d"] = b64(bn_param(key, OSSL_PKEY_PARAM_RSA_D));
      jwk["p"] = b64(bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR1));
      jwk["q"] = b64(bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR2));
      jwk["dp"] = b64(bn_param(key, OSSL_PKEY_PARAM_RSA_EXPONENT1));
      jwk["dq"] = b64(bn_param(key, OSSL_PKEY_PARAM_RSA_EXPONENT2));
      jwk["qi"] = b64(bn_param(key, OSSL_PKEY_PARAM_RSA_COEFFICIENT1));
    }
  }
  return jwk;
}

std::string set_text(std::initializer_list<json::object> keys) {
  json::array a;
  for (const auto& k : keys) a.push_back(k);
  return json::serialize(a);
}

// Test keys are generated once: RSA generation is slow.
struct Keys {
  Pkey ec1 = gen_ec();
  Pkey ec2 = gen_ec();
  Pkey rsa1 = gen_rsa(2048);
  Pkey rsa2 = gen_rsa(2048);
};
const Keys& keys() {
  static const Keys k;
  return k;
}

KeySet load(const std::string& text) {
  auto set = KeySet::parse(text);
  EXPECT_TRUE(set.ok()) << (set.ok() ? "" : set.error().message);
  if (!set.ok()) throw std::runtime_error("key set did not load");
  return std::move(set).value();
}

json::object claims(std::int64_t exp = kNow + 3600) {
  json::object c;
  c["sub"] = "5f0c0e7e-0000-4000-8000-000000000001";
  c["role"] = "authenticated";
  c["aud"] = "authenticated";
  c["exp"] = exp;
  c["iat"] = kNow;
  return c;
}

VerifyOptions options(const KeySet* set) {
  VerifyOptions o;
  o.secret = kSecret;
  o.now = kNow;
  o.keys = set;
  return o;
}

void expect_kind(const Result<Verified>& result, VerifyError kind) {
  ASSERT_FALSE(result.ok()) << "token unexpectedly verified";
  EXPECT_EQ(result.error().status, 401);
  EXPECT_EQ(verify_error_kind(result.error()), kind) << result.error().code;
}

struct Parts {
  std::string header, payload, signature;  // base64url text
};
Parts split(const std::string& token) {
  const auto a = token.find('.');
  const auto b = token.rfind('.');
  return {token.substr(0, a), token.substr(a + 1, b - a - 1), token.substr(b + 1)};
}

// Signs header.payload text with OpenSSL directly (ES256 signatures converted to r||s).
std::string raw_sign(const EVP_PKEY* key, const std::string& input) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  std::size_t len = 0;
  EVP_DigestSignInit_ex(md, nullptr, "SHA256", nullptr, nullptr, const_cast<EVP_PKEY*>(key),
                        nullptr);
  EVP_DigestSign(md, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(md, reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  sig.resize(len);
  EVP_MD_CTX_free(md);
  if (!EVP_PKEY_is_a(key, "EC")) return sig;
  const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
  std::string out(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char*>(out.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char*>(out.data()) + 32, 32);
  ECDSA_SIG_free(es);
  return out;
}

bool raw_verify(const EVP_PKEY* key, const std::string& input, std::string sig) {
  if (EVP_PKEY_is_a(key, "EC")) {
    if (sig.size() != 64) return false;
    ECDSA_SIG* es = ECDSA_SIG_new();
    ECDSA_SIG_set0(es, BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()), 32, nullptr),
                   BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()) + 32, 32, nullptr));
    unsigned char* der = nullptr;
    const int len = i2d_ECDSA_SIG(es, &der);
    sig.assign(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
    ECDSA_SIG_free(es);
  }
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_DigestVerifyInit_ex(md, nullptr, "SHA256", nullptr, nullptr, const_cast<EVP_PKEY*>(key),
                          nullptr);
  const int ok =
      EVP_DigestVerify(md, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size());
  EVP_MD_CTX_free(md);
  return ok == 1;
}

std::string make_token(const json::object& header, const json::object& payload,
                       const EVP_PKEY* key) {
  const std::string input =
      base64url_encode(json::serialize(header)) + "." + base64url_encode(json::serialize(payload));
  return input + "." + base64url_encode(raw_sign(key, input));
}

std::string hs256(const json::object& header, const json::object& payload,
                  std::string_view secret) {
  const std::string input =
      base64url_encode(json::serialize(header)) + "." + base64url_encode(json::serialize(payload));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return input + "." + base64url_encode(std::string(reinterpret_cast<char*>(mac), len));
}

// ------------------------------------------------------------------- loading

TEST(KeySetParse, LoadsCliStyleKeysAndTheFirstSigns) {
  const KeySet set =
      load(set_text({to_jwk(keys().ec1.get(), "ec-1"), to_jwk(keys().rsa1.get(), "rsa-1")}));
  EXPECT_EQ(set.size(), 2u);
  EXPECT_TRUE(set.can_sign());
  EXPECT_EQ(set.signing_alg(), "ES256");
  EXPECT_EQ(set.signing_kid(), "ec-1");
  EXPECT_TRUE(set.has_alg("ES256"));
  EXPECT_TRUE(set.has_alg("RS256"));
  EXPECT_FALSE(set.has_alg("HS256"));
  ASSERT_NE(set.find("rsa-1"), nullptr);
  EXPECT_EQ(KeySet::alg_of(*set.find("rsa-1")), "RS256");
  EXPECT_EQ(set.find("nope"), nullptr);

  const KeySet rsa_first =
      load(set_text({to_jwk(keys().rsa1.get(), "rsa-1"), to_jwk(keys().ec1.get(), "ec-1")}));
  EXPECT_EQ(rsa_first.signing_alg(), "RS256");
  EXPECT_EQ(rsa_first.signing_kid(), "rsa-1");
}

TEST(KeySetParse, AcceptsAJwkSetObject) {
  json::object doc;
  doc["keys"] = json::array{to_jwk(keys().ec1.get(), "ec-1")};
  const KeySet set = load(json::serialize(doc));
  EXPECT_EQ(set.size(), 1u);
}

TEST(KeySetParse, AlgMayBeLeftOut) {
  json::object jwk = to_jwk(keys().ec1.get(), "ec-1");
  jwk.erase("alg");
  jwk.erase("use");
  jwk.erase("key_ops");
  jwk.erase("ext");
  const KeySet set = load(set_text({jwk}));
  EXPECT_EQ(set.signing_alg(), "ES256");
}

TEST(KeySetParse, PublicJwksHasNoPrivateMembers) {
  const json::object ec = to_jwk(keys().ec1.get(), "ec-1");
  const json::object rsa = to_jwk(keys().rsa1.get(), "rsa-1");
  const KeySet set = load(set_text({ec, rsa}));
  const json::object jwks = set.public_jwks();
  ASSERT_EQ(jwks.size(), 1u);
  const auto& list = jwks.at("keys").as_array();
  ASSERT_EQ(list.size(), 2u);
  for (const auto& v : list) {
    const auto& k = v.as_object();
    for (const char* secret : {"d", "p", "q", "dp", "dq", "qi"}) {
      EXPECT_FALSE(k.contains(secret)) << secret;
    }
    EXPECT_EQ(k.at("use"), "sig");
    EXPECT_EQ(k.at("key_ops"), (json::array{"verify"}));
    EXPECT_EQ(k.at("ext"), true);
  }
  const auto& pub_ec = list[0].as_object();
  EXPECT_EQ(pub_ec.at("kty"), "EC");
  EXPECT_EQ(pub_ec.at("kid"), "ec-1");
  EXPECT_EQ(pub_ec.at("alg"), "ES256");
  EXPECT_EQ(pub_ec.at("crv"), "P-256");
  const std::string point = ec_point(keys().ec1.get());
  EXPECT_EQ(base64url_decode(pub_ec.at("x").as_string()), point.substr(1, 32));
  EXPECT_EQ(base64url_decode(pub_ec.at("y").as_string()), point.substr(33, 32));
  const auto& pub_rsa = list[1].as_object();
  EXPECT_EQ(pub_rsa.at("kty"), "RSA");
  EXPECT_EQ(pub_rsa.at("kid"), "rsa-1");
  EXPECT_EQ(pub_rsa.at("alg"), "RS256");
  EXPECT_EQ(pub_rsa.at("n"), rsa.at("n"));
  EXPECT_EQ(pub_rsa.at("e"), rsa.at("e"));
  // The private exponent's text appears nowhere in the output.
  const std::string text = json::serialize(jwks);
  EXPECT_EQ(text.find(json::value_to<std::string>(rsa.at("d"))), std::string::npos);
  EXPECT_EQ(text.find(json::value_to<std::string>(ec.at("d"))), std::string::npos);

  // The public JWKs load as a verify-only set.
  const KeySet pub = load(json::serialize(jwks));
  EXPECT_EQ(pub.size(), 2u);
  EXPECT_FALSE(pub.can_sign());
}

TEST(KeySetParse, ShortCoordinatesArePadded) {
  // Go's big.Int.Bytes() drops leading zero bytes; find a key whose x starts with one.
  Pkey key;
  for (int i = 0; i < 5000 && !key; ++i) {
    Pkey candidate = gen_ec();
    if (ec_point(candidate.get())[1] == '\0') key = std::move(candidate);
  }
  ASSERT_TRUE(key) << "no key with a leading zero byte in x";
  const json::object jwk = to_jwk(key.get(), "short");
  ASSERT_LT(base64url_decode(jwk.at("x").as_string()).value().size(), 32u);
  const KeySet set = load(set_text({jwk}));
  const json::object jwks = set.public_jwks();
  const auto& pub = jwks.at("keys").as_array()[0].as_object();
  EXPECT_EQ(base64url_decode(pub.at("x").as_string()).value(), ec_point(key.get()).substr(1, 32));
  auto token = set.sign(claims());
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(verify(*token, options(&set)).ok());
}

TEST(KeySetParse, PublicOnlySetVerifiesButCannotSign) {
  const KeySet priv = load(set_text({to_jwk(keys().ec1.get(), "ec-1")}));
  const KeySet pub = load(set_text({to_jwk(keys().ec1.get(), "ec-1", false)}));
  EXPECT_FALSE(pub.can_sign());
  EXPECT_EQ(pub.signing_alg(), "");
  auto refused = pub.sign(claims());
  EXPECT_FALSE(refused.ok());
  auto token = priv.sign(claims());
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(verify(*token, options(&pub)).ok());
}

TEST(KeySetParse, KeyOpsWithoutSignSkipsToTheNextKey) {
  json::object retired = to_jwk(keys().ec1.get(), "retired");
  retired["key_ops"] = json::array{"verify"};
  const KeySet set = load(set_text({retired, to_jwk(keys().rsa1.get(), "current")}));
  EXPECT_EQ(set.signing_kid(), "current");
  // A token the retired key signed earlier still verifies.
  const std::string old = make_token({{"alg", "ES256"}, {"kid", "retired"}, {"typ", "JWT"}},
                                     claims(), keys().ec1.get());
  EXPECT_TRUE(verify(old, options(&set)).ok());
}

struct BadCase {
  std::string name;
  std::string text;
  std::string expect;  // substring of the message
};

std::string with(json::object jwk, std::string_view key, json::value value) {
  jwk[key] = std::move(value);
  return set_text({jwk});
}

json::object with_kid(json::object jwk, std::string_view kid) {
  jwk["kid"] = kid;
  return jwk;
}

std::string without(json::object jwk, std::string_view key) {
  jwk.erase(key);
  return set_text({jwk});
}

TEST(KeySetParse, RejectsBadInputNamingTheKeyAndNeverItsMaterial) {
  const json::object ec = to_jwk(keys().ec1.get(), "ec-1");
  const json::object ec_other = to_jwk(keys().ec2.get(), "ec-2");
  const json::object rsa = to_jwk(keys().rsa1.get(), "rsa-1");
  const json::object rsa_other = to_jwk(keys().rsa2.get(), "rsa-2");
  Pkey small = gen_rsa(1024);
  // Another point on no curve: flip a bit of y.
  std::string y = *base64url_decode(ec.at("y").as_string());
  y.back() = static_cast<char>(y.back() ^ 1);

  const std::vector<BadCase> cases = {
      {"not json", "[{", "not valid JSON"},
      {"not a list", R"({"kty":"EC"})", "expected a JSON array"},
      {"empty", "[]", "no keys"},
      {"not an object", "[1]", "JWK 0: not a JSON object"},
      {"no kty", without(ec, "kty"), "JWK 0: no \"kty\""},
      {"oct", R"([{"kty":"oct","k":"c2VjcmV0"}])", "JWK 0: symmetric"},
      {"okp", R"([{"kty":"OKP","crv":"Ed25519","x":"AAAA"}])", "JWK 0: unsupported \"kty\""},
      {"alg mismatch", with(ec, "alg", "RS256"), "JWK 0: kty \"EC\" keys must have alg \"ES256\""},
      {"es384", with(ec, "alg", "ES384"), "JWK 0: kty \"EC\" keys must have alg"},
      {"curve", with(ec, "crv", "P-384"), "JWK 0: EC key curve must be \"P-256\""},
      {"no x", without(ec, "x"), "JWK 0: EC key has no \"x\""},
      {"bad base64", with(ec, "y", "not*base64"), "JWK 0: \"y\" is not valid base64url"},
      {"y not string", with(ec, "y", 5), "JWK 0: \"y\" must be a string"},
      {"off curve", with(ec, "y", json::string(base64url_encode(y))), "JWK 0:"},
      {"ec d mismatch", with(ec, "d", ec_other.at("d")), "JWK 0: private key does not match"},
      {"kid type", with(ec, "kid", 1), "JWK 0: \"kid\" must be a string"},
      {"use enc", with(ec, "use", "enc"), "JWK 0: \"use\" must be \"sig\""},
      {"key_ops type", with(ec, "key_ops", "sign"), "JWK 0: \"key_ops\" must be an array"},
      {"no n", without(rsa, "n"), "JWK 0: RSA key has no \"n\""},
      {"short rsa", set_text({to_jwk(small.get(), "small")}), "JWK 0: RSA key is shorter"},
      {"partial crt", without(rsa, "qi"), "JWK 0: RSA key has some but not all"},
      {"rsa d mismatch",
       set_text({ec,
                 [&] {
                   json::object k = rsa;
                   k.erase("p");
                   k.erase("q");
                   k.erase("dp");
                   k.erase("dq");
                   k.erase("qi");
                   k["d"] = rsa_other.at("d");
                   return k;
                 }()}),
       "JWK 1: private key does not match"},
      {"duplicate kid", set_text({ec, with_kid(ec_other, "ec-1")}), "JWK 1: duplicate \"kid\""},
  };
  for (const auto& c : cases) {
    auto set = KeySet::parse(c.text);
    ASSERT_FALSE(set.ok()) << c.name;
    const std::string& msg = set.error().message;
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.name << ": " << msg;
    for (const auto* k : {&ec, &ec_other, &rsa, &rsa_other}) {
      for (const char* member : {"d", "p", "q", "dp", "dq", "qi"}) {
        if (const auto* v = k->if_contains(member)) {
          EXPECT_EQ(msg.find(std::string(v->as_string())), std::string::npos) << c.name;
        }
      }
    }
  }
}

// ------------------------------------------------------------- sign / verify

TEST(KeySetVerify, Es256RoundTripWithKidAndJoseSignature) {
  const KeySet set = load(set_text({to_jwk(keys().ec1.get(), "ec-1")}));
  auto token = set.sign(claims());
  ASSERT_TRUE(token.ok()) << token.error().message;
  EXPECT_EQ(*base64url_decode(split(*token).header), R"({"alg":"ES256","kid":"ec-1","typ":"JWT"})");
  // JOSE r||s, 64 bytes, checked by OpenSSL directly.
  const std::string sig = *base64url_decode(split(*token).signature);
  EXPECT_EQ(sig.size(), 64u);
  const Parts parts = split(*token);
  EXPECT_TRUE(raw_verify(keys().ec1.get(), parts.header + "." + parts.payload, sig));

  auto result = verify(*token, options(&set));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->claims, claims());
  EXPECT_EQ(result->header.at("kid"), "ec-1");
}

TEST(KeySetVerify, Rs256RoundTrip) {
  const KeySet set = load(set_text({to_jwk(keys().rsa1.get(), "rsa-1")}));
  auto token = set.sign(claims());
  ASSERT_TRUE(token.ok()) << token.error().message;
  EXPECT_EQ(*base64url_decode(split(*token).header),
            R"({"alg":"RS256","kid":"rsa-1","typ":"JWT"})");
  const Parts parts = split(*token);
  EXPECT_TRUE(raw_verify(keys().rsa1.get(), parts.header + "." + parts.payload,
                         *base64url_decode(parts.signature)));
  auto result = verify(*token, options(&set));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->claims, claims());
}

TEST(KeySetVerify, TokensMadeElsewhereVerify) {
  const KeySet set = load(set_text(
      {to_jwk(keys().ec1.get(), "ec-1", false), to_jwk(keys().rsa1.get(), "rsa-1", false)}));
  for (const auto* key : {keys().ec1.get(), keys().rsa1.get()}) {
    const bool ec = EVP_PKEY_is_a(key, "EC");
    const std::string token = make_token(
        {{"alg", ec ? "ES256" : "RS256"}, {"kid", ec ? "ec-1" : "rsa-1"}}, claims(), key);
    EXPECT_TRUE(verify(token, options(&set)).ok()) << (ec ? "ES256" : "RS256");
  }
}

TEST(KeySetVerify, AcceptsRfc7515AppendixA3Example) {
  // RFC 7515 A.3: an ES256 JWS made by another implementation; header without kid.
  const std::string jwk =
      R"([{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
      R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",)"
      R"("d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}])";
  const std::string token =
      "eyJhbGciOiJFUzI1NiJ9"
      ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnV"
      "lfQ"
      ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
  const KeySet set = load(jwk);
  VerifyOptions o = options(&set);
  o.now = 1300819000;
  auto result = verify(token, o);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->claims.at("iss"), "joe");
  // One flipped bit in the signature's last byte.
  std::string bad = token;
  bad.back() = 'A';
  expect_kind(verify(bad, o), VerifyError::bad_signature);
  o.now = 1300819380;
  expect_kind(verify(token, o), VerifyError::expired);
}

TEST(KeySetVerify, WithoutKidAnyKeyOfTheAlgVerifies) {
  const KeySet set =
      load(set_text({to_jwk(keys().ec1.get(), "ec-1"), to_jwk(keys().ec2.get(), "ec-2")}));
  const std::string token = make_token({{"alg", "ES256"}}, claims(), keys().ec2.get());
  EXPECT_TRUE(verify(token, options(&set)).ok());
  const std::string stranger = make_token({{"alg", "ES256"}}, claims(), keys().rsa1.get());
  expect_kind(verify(stranger, options(&set)), VerifyError::bad_signature);
}

TEST(KeySetVerify, WrongKeyFails) {
  // Signed by ec2 but claiming ec-1's kid.
  const KeySet set = load(set_text({to_jwk(keys().ec1.get(), "ec-1")}));
  const std::string token =
      make_token({{"alg", "ES256"}, {"kid", "ec-1"}}, claims(), keys().ec2.get());
  expect_kind(verify(token, options(&set)), VerifyError::bad_signature);
  const std::string rsa_token =
      make_token({{"alg", "RS256"}, {"kid", "rsa-1"}}, claims(), keys().rsa2.get());
  const KeySet rsa_set = load(set_text({to_jwk(keys().rsa1.get(), "rsa-1")}));
  const Error e = verify(rsa_token, options(&rsa_set)).error();
  EXPECT_EQ(verify_error_kind(e), VerifyError::bad_signature);
  EXPECT_EQ(to_postgrest_error(e).details, "None of the keys was able to decode the JWT");
}

TEST(KeySetVerify, UnknownKidFails) {
  const KeySet set = load(set_text({to_jwk(keys().ec1.get(), "ec-1")}));
  // Properly signed by a key of the set, but the header names another kid.
  const std::string token =
      make_token({{"alg", "ES256"}, {"kid", "ec-9"}}, claims(), keys().ec1.get());
  auto result = verify(token, options(&set));
  expect_kind(result, VerifyError::bad_signature);
  const Error pg = to_postgrest_error(result.error());
  EXPECT_EQ(pg.code, "PGRST301");
  EXPECT_EQ(pg.message, "No suitable key or wrong key type");
  EXPECT_EQ(pg.details, "No suitable key was found to decode the JWT");
  const Error gt = to_gotrue_error(result.error());
  EXPECT_EQ(gt.status, 403);
  EXPECT_EQ(gt.message,
            "invalid JWT: unable to parse or verify signature, token is unverifiable: error while "
            "executing keyfunc: unrecognized JWT kid");
  EXPECT_EQ(gt.message.find("ec-9"), std::string::npos);  // caller text is not echoed
}

TEST(KeySetVerify, KidOfAnotherAlgFails) {
  const KeySet set =
      load(set_text({to_jwk(keys().ec1.get(), "ec-1"), to_jwk(keys().rsa1.get(), "rsa-1")}));
  const std::string token =
      make_token({{"alg", "RS256"}, {"kid", "ec-1"}}, claims(), keys().rsa1.get());
  auto result = verify(token, options(&set));
  expect_kind(result, VerifyError::bad_signature);
  EXPECT_EQ(to_gotrue_error(result.error()).message,
            "invalid JWT: unable to parse or verify signature, token signature is invalid: key is "
            "of invalid type");
}

TEST(KeySetVerify, TamperedPayloadFails) {
  const KeySet set =
      load(set_text({to_jwk(keys().ec1.get(), "ec-1"), to_jwk(keys().rsa1.get(), "rsa-1")}));
  for (const auto& first : {"ec-1", "rsa-1"}) {
    json::object c = claims();
    c["kid"] = first;  // unused; makes the two tokens differ
    const KeySet& signer = set;
    std::string token =
        make_token({{"alg", std::string(first) == "ec-1" ? "ES256" : "RS256"}, {"kid", first}}, c,
                   std::string(first) == "ec-1" ? keys().ec1.get() : keys().rsa1.get());
    ASSERT_TRUE(verify(token, options(&signer)).ok());
    Parts p = split(token);
    json::object evil = c;
    evil["role"] = "service_role";
    const std::string forged =
        p.header + "." + base64url_encode(json::serialize(evil)) + "." + p.signature;
    expect_kind(verify(forged, options(&set)), VerifyError::bad_signature);
  }
}

TEST(KeySetVerify, MalformedSignaturesFail) {
  const KeySet set = load(set_text({to_jwk(keys().ec1.get(), "ec-1")}));
  auto token = set.sign(claims());
  ASSERT_TRUE(token.ok());
  const Parts p = split(*token);
  const std::string input = p.header + "." + p.payload;
  // ASN.1 DER instead of r||s, a truncated one, and an empty one.
  std::string der;
  {
    const std::string raw = *base64url_decode(p.signature);
    ECDSA_SIG* es = ECDSA_SIG_new();
    ECDSA_SIG_set0(es, BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr),
                   BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr));
    unsigned char* out = nullptr;
    const int len = i2d_ECDSA_SIG(es, &out);
    der.assign(reinterpret_cast<const char*>(out), static_cast<std::size_t>(len));
    OPENSSL_free(out);
    ECDSA_SIG_free(es);
  }
  for (const std::string& sig :
       {der, base64url_decode(p.signature)->substr(0, 63), std::string()}) {
    expect_kind(verify(input + "." + base64url_encode(sig), options(&set)),
                VerifyError::bad_signature);
  }
}

TEST(KeySetVerify, PublicKeyAsHmacSecretFails) {
  // Alg confusion: an HS256 token MACed with the RS256 key's public material, naming its kid.
  const json::object pub = to_jwk(keys().rsa1.get(), "rsa-1", false);
  const KeySet set = load(set_text({to_jwk(keys().rsa1.get(), "rsa-1")}));
  const std::string n = *base64url_decode(pub.at("n").as_string());
  for (const std::string& secret :
       {json::serialize(pub), n, std::string(pub.at("n").as_string())}) {
    const std::string token = hs256({{"alg", "HS256"}, {"kid", "rsa-1"}}, claims(), secret);
    expect_kind(verify(token, options(&set)), VerifyError::bad_signature);
    VerifyOptions no_secret = options(&set);
    no_secret.secret = {};
    expect_kind(verify(token, no_secret), VerifyError::bad_signature);
  }
  // ... and the same MAC presented as an RS256 signature.
  const std::string input = base64url_encode(R"({"alg":"RS256","kid":"rsa-1"})") + "." +
                            base64url_encode(json::serialize(claims()));
  const std::string as_rs256 = hs256({{"alg", "RS256"}, {"kid", "rsa-1"}}, claims(), n);
  expect_kind(verify(as_rs256, options(&set)), VerifyError::bad_signature);
}

TEST(KeySetVerify, HmacTokensStillUseTheSecret) {
  const KeySet set = load(set_text({to_jwk(keys().ec1.get(), "ec-1")}));
  EXPECT_TRUE(verify(sign_hs256(claims(), kSecret), options(&set)).ok());
  // A kid does not move HS256 off the secret.
  EXPECT_TRUE(
      verify(hs256({{"alg", "HS256"}, {"kid", "ec-1"}}, claims(), kSecret), options(&set)).ok());
  expect_kind(verify(sign_hs256(claims(), "another-secret-another-secret-xx"), options(&set)),
              VerifyError::bad_signature);
}

TEST(KeySetVerify, NoneIsRejectedWithKeys) {
  const KeySet set = load(set_text({to_jwk(keys().ec1.get(), "ec-1")}));
  for (std::string alg : {"none", "None", "NONE"}) {
    const std::string token = base64url_encode(R"({"alg":")" + alg + R"(","kid":"ec-1"})") + "." +
                              base64url_encode(json::serialize(claims())) + ".";
    expect_kind(verify(token, options(&set)), VerifyError::unsupported_alg);
  }
}

TEST(KeySetVerify, AsymmetricAlgsNeedAKeyOfThatAlg) {
  const std::string es =
      make_token({{"alg", "ES256"}, {"kid", "ec-1"}}, claims(), keys().ec1.get());
  // No key set: as before, only HS256.
  expect_kind(verify(es, options(nullptr)), VerifyError::unsupported_alg);
  // A set with only RSA keys does not take ES256 tokens.
  const KeySet rsa_only = load(set_text({to_jwk(keys().rsa1.get(), "rsa-1")}));
  auto result = verify(es, options(&rsa_only));
  expect_kind(result, VerifyError::unsupported_alg);
  EXPECT_EQ(to_postgrest_error(result.error()).details,
            "No suitable key was found to decode the JWT");
  // Other asymmetric algs stay unsupported.
  const KeySet ec = load(set_text({to_jwk(keys().ec1.get(), "ec-1")}));
  const std::string es384 = base64url_encode(R"({"alg":"ES384","kid":"ec-1"})") + "." +
                            base64url_encode(json::serialize(claims())) + "." +
                            base64url_encode(std::string(96, 'x'));
  expect_kind(verify(es384, options(&ec)), VerifyError::unsupported_alg);
}

TEST(KeySetVerify, ClaimsAreStillChecked) {
  const KeySet set = load(set_text({to_jwk(keys().rsa1.get(), "rsa-1")}));
  auto expired = set.sign(claims(kNow - 10));
  ASSERT_TRUE(expired.ok());
  expect_kind(verify(*expired, options(&set)), VerifyError::expired);
  auto fresh = set.sign(claims());
  ASSERT_TRUE(fresh.ok());
  VerifyOptions o = options(&set);
  o.audience = "someone-else";
  expect_kind(verify(*fresh, o), VerifyError::audience_mismatch);
}

TEST(KeySetVerify, SharedSetIsUsableFromManyThreads) {
  const auto set = std::make_shared<const KeySet>(
      load(set_text({to_jwk(keys().ec1.get(), "ec-1"), to_jwk(keys().rsa1.get(), "rsa-1")})));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto token = set->sign(claims());
        if (!token.ok() || !verify(*token, options(set.get())).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace basalt::jwt
