#include "jwt/jwt.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "common/json.hpp"
#include "jwt/base64url.hpp"
#include "jwt/key_set.hpp"
#include "jwt/reason.hpp"

namespace basalt::jwt {
namespace {

using detail::Reason;

constexpr std::string_view kHs256Header = R"({"alg":"HS256","typ":"JWT"})";
constexpr std::size_t kHs256Size = 32;

std::string message_for(Reason reason, std::string_view arg) {
  switch (reason) {
    case Reason::empty:
      return "JWT is empty";
    case Reason::too_long:
      return "JWT is longer than " + std::to_string(kMaxTokenBytes) + " bytes";
    case Reason::parts:
      return "JWT must have 3 parts separated by '.', found " + std::string(arg);
    case Reason::header_base64:
      return "JWT header is not valid base64url";
    case Reason::payload_base64:
      return "JWT payload is not valid base64url";
    case Reason::signature_base64:
      return "JWT signature is not valid base64url";
    case Reason::header_json:
      return "JWT header is not valid JSON";
    case Reason::header_not_object:
      return "JWT header is not a JSON object";
    case Reason::header_field_type:
      return "JWT header field '" + std::string(arg) + "' must be a string";
    case Reason::alg_missing:
      return "JWT header has no 'alg' string";
    case Reason::alg_rejected:
      return arg.empty() ? std::string("JWT algorithm is not supported, only HS256 is")
                         : "JWT algorithm " + std::string(arg) + " is not supported, only HS256 is";
    case Reason::jwe:
      return "Encrypted JWTs (JWE) are not supported";
    case Reason::no_secret:
      return "No JWT secret is configured";
    case Reason::unknown_kid:
      return "No JWT key has the token's kid";
    case Reason::wrong_key_type:
      return "The JWT key named by kid is not for the token's algorithm";
    case Reason::signature:
      return "JWT signature does not match";
    case Reason::claims_json:
      return "JWT payload is not a JSON object";
    case Reason::exp_type:
      return "JWT claim 'exp' must be a number";
    case Reason::exp:
      return "JWT has expired";
    case Reason::nbf_type:
      return "JWT claim 'nbf' must be a number";
    case Reason::nbf:
      return "JWT is not valid yet";
    case Reason::iat_type:
      return "JWT claim 'iat' must be a number";
    case Reason::iat:
      return "JWT was issued in the future";
    case Reason::aud_type:
      return "JWT claim 'aud' must be a string or an array of strings";
    case Reason::aud:
      return "JWT audience does not match";
    case Reason::role_type:
      return "JWT claim 'role' must be a string";
  }
  return "JWT is invalid";
}

Error fail(Reason reason, std::string_view arg = {}) {
  Error error = Error::make(401, std::string(verify_error_code(detail::kind_of(reason))),
                            message_for(reason, arg));
  error.internal = detail::encode_reason(reason, arg);
  return error;
}

// OpenSSL 3's one-shot HMAC() looks HMAC and SHA-256 up in the provider tables on every call,
// which cost more than the MAC itself (profiled: about two thirds of signing a session's
// token). Each thread instead keeps one HMAC-SHA256 context, fetched once, and re-keys it per
// call, which is only the key schedule.
class ThreadHmac {
 public:
  ThreadHmac() {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac == nullptr) return;
    ctx_ = EVP_MAC_CTX_new(mac);  // holds its own reference to the algorithm
    EVP_MAC_free(mac);
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (ctx_ != nullptr && EVP_MAC_CTX_set_params(ctx_, params) != 1) {
      EVP_MAC_CTX_free(ctx_);
      ctx_ = nullptr;
    }
  }
  ThreadHmac(const ThreadHmac&) = delete;
  ThreadHmac& operator=(const ThreadHmac&) = delete;
  ~ThreadHmac() { EVP_MAC_CTX_free(ctx_); }

  std::optional<std::string> mac(std::string_view key, std::string_view data) {
    if (ctx_ == nullptr) return std::nullopt;
    // Some OpenSSL versions refuse a null key pointer even at length 0.
    static const unsigned char kNoKey = 0;
    const auto* key_ptr =
        key.empty() ? &kNoKey : reinterpret_cast<const unsigned char*>(key.data());
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    std::size_t out_len = 0;
    if (EVP_MAC_init(ctx_, key_ptr, key.size(), nullptr) != 1 ||
        EVP_MAC_update(ctx_, reinterpret_cast<const unsigned char*>(data.data()), data.size()) !=
            1 ||
        EVP_MAC_final(ctx_, out.data(), &out_len, out.size()) != 1) {
      return std::nullopt;
    }
    return std::string(reinterpret_cast<const char*>(out.data()), out_len);
  }

 private:
  EVP_MAC_CTX* ctx_ = nullptr;
};

std::optional<std::string> hmac_sha256(std::string_view key, std::string_view data) {
  thread_local ThreadHmac hmac;
  return hmac.mac(key, data);
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) {
    return b > 0 ? std::numeric_limits<std::int64_t>::max()
                 : std::numeric_limits<std::int64_t>::min();
  }
  return sum;
}

// A NumericDate claim: absent (or null, as PostgREST reads it), a number, or the wrong type.
struct TimeClaim {
  bool present = false;
  bool is_number = false;
  std::int64_t seconds = 0;
};

TimeClaim read_time_claim(const boost::json::object& claims, std::string_view key) {
  TimeClaim out;
  const auto* value = claims.if_contains(key);
  if (value == nullptr || value->is_null()) return out;
  out.present = true;
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  if (value->is_int64()) {
    out.is_number = true;
    out.seconds = value->get_int64();
  } else if (value->is_uint64()) {
    out.is_number = true;
    out.seconds = value->get_uint64() > static_cast<std::uint64_t>(kMax)
                      ? kMax
                      : static_cast<std::int64_t>(value->get_uint64());
  } else if (value->is_double()) {
    out.is_number = true;
    const double d = std::floor(value->get_double());
    // 2^63 is exactly representable; anything at or beyond it saturates.
    if (d >= 9223372036854775808.0) {
      out.seconds = kMax;
    } else if (d < -9223372036854775808.0) {
      out.seconds = kMin;
    } else {
      out.seconds = static_cast<std::int64_t>(d);
    }
  }
  return out;
}

std::optional<Error> check_claims(const boost::json::object& claims, const VerifyOptions& options) {
  const std::int64_t leeway = std::max<std::int64_t>(0, options.leeway_seconds);
  const std::int64_t earliest = saturating_add(options.now, -leeway);
  const std::int64_t latest = saturating_add(options.now, leeway);

  // Same order as PostgREST so the first reported problem matches.
  const TimeClaim exp = read_time_claim(claims, "exp");
  if (exp.present && !exp.is_number) return fail(Reason::exp_type);
  if (exp.present && exp.seconds <= earliest) return fail(Reason::exp);

  const TimeClaim nbf = read_time_claim(claims, "nbf");
  if (nbf.present && !nbf.is_number) return fail(Reason::nbf_type);
  if (nbf.present && nbf.seconds > latest) return fail(Reason::nbf);

  const TimeClaim iat = read_time_claim(claims, "iat");
  if (iat.present && !iat.is_number) return fail(Reason::iat_type);
  if (iat.present && iat.seconds > latest) return fail(Reason::iat);

  if (const auto* aud = claims.if_contains("aud"); aud != nullptr && !aud->is_null()) {
    if (aud->is_string()) {
      if (options.audience && aud->get_string() != *options.audience) return fail(Reason::aud);
    } else if (aud->is_array()) {
      const auto& list = aud->get_array();
      if (!std::all_of(list.begin(), list.end(), [](const auto& v) { return v.is_string(); })) {
        return fail(Reason::aud_type);
      }
      // An empty list restricts nothing, as in PostgREST.
      const bool matches = !options.audience || list.empty() ||
                           std::any_of(list.begin(), list.end(), [&](const auto& v) {
                             return v.get_string() == *options.audience;
                           });
      if (!matches) return fail(Reason::aud);
    } else {
      return fail(Reason::aud_type);
    }
  }

  if (const auto* role = claims.if_contains("role"); role != nullptr && !role->is_string()) {
    return fail(Reason::role_type);
  }
  return std::nullopt;
}

// Header rules shared by every algorithm; returns the alg on success: HS256, or RS256/ES256
// when the key set has a key for it.
Result<std::string> check_header(const boost::json::object& header, const KeySet* keys) {
  for (std::string_view field : {"typ", "cty", "kid"}) {
    // Like PostgREST, any string `typ` is accepted ("JWT", "at+jwt", ...).
    const auto* value = header.if_contains(field);
    if (value != nullptr && !value->is_null() && !value->is_string()) {
      return fail(Reason::header_field_type, field);
    }
  }
  const auto* alg = header.if_contains("alg");
  if (alg == nullptr || !alg->is_string()) return fail(Reason::alg_missing);
  if (header.contains("enc")) return fail(Reason::jwe);
  std::string name(alg->get_string());
  const bool asymmetric =
      (name == "RS256" || name == "ES256") && keys != nullptr && keys->has_alg(name);
  if (name != "HS256" && !asymmetric) {
    return fail(Reason::alg_rejected, detail::is_registered_alg(name) ? name : std::string());
  }
  return name;
}

Result<Verified> verify_unguarded(std::string_view token, const VerifyOptions& options) {
  if (token.empty()) return fail(Reason::empty);
  if (token.size() > kMaxTokenBytes) return fail(Reason::too_long);
  const auto dots = std::count(token.begin(), token.end(), '.');
  if (dots != 2) return fail(Reason::parts, std::to_string(dots + 1));

  const std::size_t first = token.find('.');
  const std::size_t second = token.find('.', first + 1);
  const std::string_view header_b64 = token.substr(0, first);
  const std::string_view payload_b64 = token.substr(first + 1, second - first - 1);
  const std::string_view signature_b64 = token.substr(second + 1);

  const auto header_json = base64url_decode(header_b64);
  if (!header_json) return fail(Reason::header_base64);
  const auto payload_json = base64url_decode(payload_b64);
  if (!payload_json) return fail(Reason::payload_base64);
  const auto signature = base64url_decode(signature_b64);
  if (!signature) return fail(Reason::signature_base64);

  boost::json::error_code ec;
  boost::json::value header = parse_json(*header_json, ec);
  if (ec) return fail(Reason::header_json);
  if (!header.is_object()) return fail(Reason::header_not_object);
  auto alg = check_header(header.get_object(), options.keys);
  if (!alg) return std::move(alg).error();

  const std::string_view signing_input = token.substr(0, second);
  if (*alg == "HS256") {
    if (options.secret.empty()) return fail(Reason::no_secret);
    const auto expected = hmac_sha256(options.secret, signing_input);
    if (!expected || expected->size() != kHs256Size || signature->size() != kHs256Size ||
        CRYPTO_memcmp(expected->data(), signature->data(), kHs256Size) != 0) {
      return fail(Reason::signature);
    }
  } else {
    std::optional<std::string_view> kid;
    if (const auto* k = header.get_object().if_contains("kid"); k != nullptr && k->is_string()) {
      kid = k->get_string();
    }
    switch (options.keys->verify(*alg, kid, signing_input, *signature)) {
      case KeySet::Check::ok:
        break;
      case KeySet::Check::unknown_kid:
        return fail(Reason::unknown_kid);
      case KeySet::Check::wrong_key_type:
        return fail(Reason::wrong_key_type);
      case KeySet::Check::no_key:
        return fail(Reason::alg_rejected, *alg);
      case KeySet::Check::bad_signature:
        return fail(Reason::signature);
    }
  }

  boost::json::value claims = parse_json(*payload_json, ec);
  if (ec || !claims.is_object()) return fail(Reason::claims_json);
  if (auto error = check_claims(claims.get_object(), options)) return std::move(*error);

  return Verified{std::move(header.get_object()), std::move(claims.get_object())};
}

}  // namespace

std::string sign_hs256(const boost::json::object& claims, std::string_view secret) {
  try {
    std::string signing_input = base64url_encode(kHs256Header);
    signing_input += '.';
    signing_input += base64url_encode(boost::json::serialize(claims));
    const auto mac = hmac_sha256(secret, signing_input);
    if (!mac) return {};
    signing_input += '.';
    signing_input += base64url_encode(*mac);
    return signing_input;
  } catch (const std::exception&) {
    return {};
  }
}

Result<Verified> verify(std::string_view token, const VerifyOptions& options) {
  try {
    return verify_unguarded(token, options);
  } catch (const std::exception& e) {
    // Only allocation failures can get here; not a token problem, so no VerifyError kind.
    Error error = Error::make(500, "jwt_internal", "JWT verification failed");
    error.internal = e.what();
    return error;
  }
}

std::string_view verify_error_code(VerifyError kind) {
  switch (kind) {
    case VerifyError::malformed:
      return "jwt_malformed";
    case VerifyError::bad_header:
      return "jwt_bad_header";
    case VerifyError::unsupported_alg:
      return "jwt_unsupported_alg";
    case VerifyError::bad_signature:
      return "jwt_bad_signature";
    case VerifyError::expired:
      return "jwt_expired";
    case VerifyError::not_yet_valid:
      return "jwt_not_yet_valid";
    case VerifyError::bad_claims:
      return "jwt_bad_claims";
    case VerifyError::audience_mismatch:
      return "jwt_audience_mismatch";
  }
  return "jwt_malformed";
}

std::optional<VerifyError> verify_error_kind(const Error& error) {
  static constexpr std::array kKinds = {
      VerifyError::malformed,     VerifyError::bad_header,       VerifyError::unsupported_alg,
      VerifyError::bad_signature, VerifyError::expired,          VerifyError::not_yet_valid,
      VerifyError::bad_claims,    VerifyError::audience_mismatch};
  for (auto kind : kKinds) {
    if (error.code == verify_error_code(kind)) return kind;
  }
  return std::nullopt;
}

}  // namespace basalt::jwt
