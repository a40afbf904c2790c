#include "jwt/wire_errors.hpp"

#include <array>
#include <string>
#include <string_view>

#include "jwt/reason.hpp"

namespace basalt::jwt {
namespace {

using detail::Reason;

// The JWS algorithms PostgREST's JOSE library knows. A known one that the configured key
// cannot verify is a key error there; an unknown name fails header parsing instead.
bool postgrest_knows_alg(std::string_view alg) {
  static constexpr std::array<std::string_view, 10> kAlgs = {
      "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "EdDSA"};
  for (auto known : kAlgs) {
    if (known == alg) return true;
  }
  return false;
}

Error postgrest(std::string code, std::string message, std::string details = {}) {
  Error error = Error::make(401, std::move(code), std::move(message));
  error.details = std::move(details);
  return error;
}

Error postgrest_decode(std::string message, std::string details = {}) {
  return postgrest("PGRST301", std::move(message), std::move(details));
}

Error postgrest_claims(std::string message) {
  return postgrest("PGRST303", std::move(message));
}

Error postgrest_for(const detail::ReasonInfo& info) {
  switch (info.reason) {
    case Reason::empty:
      return postgrest_decode("Empty JWT is sent in Authorization header");
    case Reason::parts:
      return postgrest_decode("Expected 3 parts in JWT; got " + info.arg);
    case Reason::too_long:
    case Reason::header_base64:
    case Reason::payload_base64:
    case Reason::signature_base64:
    case Reason::header_json:
    case Reason::header_not_object:
    case Reason::header_field_type:
    case Reason::alg_missing:
    case Reason::jwe:
      return postgrest_decode("JWT cryptographic operation failed");
    case Reason::alg_rejected:
      if (info.arg == "none") {
        return postgrest_decode("Wrong or unsupported encoding algorithm",
                                "JWT is unsecured but expected 'alg' was not 'none'");
      }
      if (postgrest_knows_alg(info.arg)) {
        return postgrest_decode("No suitable key or wrong key type",
                                "No suitable key was found to decode the JWT");
      }
      return postgrest_decode("JWT cryptographic operation failed");
    case Reason::unknown_kid:
    case Reason::wrong_key_type:
      return postgrest_decode("No suitable key or wrong key type",
                              "No suitable key was found to decode the JWT");
    case Reason::no_secret:
    case Reason::signature:
      return postgrest_decode("No suitable key or wrong key type",
                              "None of the keys was able to decode the JWT");
    case Reason::claims_json:
    case Reason::role_type:  // PostgREST has no role type check; closest claims failure
      return postgrest_claims("Parsing claims failed");
    case Reason::exp_type:
      return postgrest_claims("The JWT 'exp' claim must be a number");
    case Reason::exp:
      return postgrest_claims("JWT expired");
    case Reason::nbf_type:
      return postgrest_claims("The JWT 'nbf' claim must be a number");
    case Reason::nbf:
      return postgrest_claims("JWT not yet valid");
    case Reason::iat_type:
      return postgrest_claims("The JWT 'iat' claim must be a number");
    case Reason::iat:
      return postgrest_claims("JWT issued at future");
    case Reason::aud_type:
      return postgrest_claims("The JWT 'aud' claim must be a string or an array of strings");
    case Reason::aud:
      return postgrest_claims("JWT not in audience");
  }
  return postgrest_decode("JWT couldn't be decoded");
}

// golang-jwt's reason text for the same failure, as GoTrue appends it.
std::string gotrue_reason_for(const detail::ReasonInfo& info) {
  switch (info.reason) {
    case Reason::empty:
    case Reason::parts:
      return "token is malformed: token contains an invalid number of segments";
    case Reason::too_long:
      return "token is malformed";
    case Reason::header_base64:
      return "token is malformed: could not base64 decode header";
    case Reason::payload_base64:
      return "token is malformed: could not base64 decode claim";
    case Reason::signature_base64:
      return "token is malformed: could not base64 decode signature";
    case Reason::header_json:
    case Reason::header_not_object:
    case Reason::header_field_type:
    case Reason::jwe:
      return "token is malformed: could not JSON decode header";
    case Reason::alg_missing:
      return "token is unverifiable: signing method (alg) is unspecified";
    case Reason::alg_rejected:
      // golang-jwt knows every registered name (and "none"); GoTrue then refuses it.
      if (info.arg.empty()) return "token is unverifiable: signing method (alg) is unavailable";
      return "token signature is invalid: signing method " + info.arg + " is invalid";
    case Reason::unknown_kid:
      // GoTrue goes on with the kid and alg; the kid is the caller's text, so it stops here.
      return "token is unverifiable: error while executing keyfunc: unrecognized JWT kid";
    case Reason::wrong_key_type:
      return "token signature is invalid: key is of invalid type";
    case Reason::no_secret:
    case Reason::signature:
      return "token signature is invalid: signature is invalid";
    case Reason::claims_json:
    case Reason::exp_type:
    case Reason::nbf_type:
    case Reason::iat_type:
    case Reason::aud_type:
    case Reason::role_type:
      return "token is malformed: could not JSON decode claim";
    case Reason::exp:
      return "token has invalid claims: token is expired";
    case Reason::nbf:
      return "token has invalid claims: token is not valid yet";
    case Reason::iat:
      return "token has invalid claims: token used before issued";
    case Reason::aud:
      return "token has invalid claims: token has invalid audience";
  }
  return "token is malformed";
}

}  // namespace

Error to_postgrest_error(const Error& error) {
  const auto info = detail::decode_reason(error.internal);
  if (!info || !verify_error_kind(error)) return error;
  Error mapped = postgrest_for(*info);
  mapped.internal = error.internal;
  return mapped;
}

Error to_gotrue_error(const Error& error) {
  const auto info = detail::decode_reason(error.internal);
  if (!info || !verify_error_kind(error)) return error;
  Error mapped =
      Error::make(403, "bad_jwt",
                  "invalid JWT: unable to parse or verify signature, " + gotrue_reason_for(*info));
  mapped.internal = error.internal;
  return mapped;
}

}  // namespace basalt::jwt
