// JSON Web Tokens (compact JWS) for Basalt: signing and verifying the HS256 access tokens and
// API keys that the PostgREST- and GoTrue-compatible endpoints accept. Wire-specific error
// wording lives in jwt/wire_errors.hpp; API-key helpers in jwt/keys.hpp.
//
// Asymmetric keys: with VerifyOptions::keys set, RS256/ES256 tokens are verified against the
// key set (jwt/key_set.hpp), selected by the header's `kid`. HS256 always uses `secret`.
#pragma once
#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace basalt::jwt {

class KeySet;

// Tokens longer than this are rejected as malformed before any decoding work.
inline constexpr std::size_t kMaxTokenBytes = 16 * 1024;

struct VerifyOptions {
  // HS256 secret. An empty secret verifies nothing (a missing secret must not mean "accept").
  std::string_view secret;
  // RS256/ES256 keys ([auth] signing_keys_path); null: only HS256 is accepted. A token of one
  // of these algs verifies against the key its `kid` names (which must be of that alg), or,
  // without a kid, against any key of that alg. The secret is never used for them, nor these
  // keys for HS256, so no key can be confused for another algorithm's.
  const KeySet* keys = nullptr;
  // Current time in unix seconds; injected so the caller owns the clock.
  std::int64_t now = 0;
  // When set, a present `aud` (string, or array of strings) must contain it. Like PostgREST,
  // a token without `aud` (or with null / an empty array) is accepted.
  std::optional<std::string> audience;
  // Tolerated clock skew for exp, nbf and iat. PostgREST uses 30.
  std::int64_t leeway_seconds = 0;
};

enum class VerifyError {
  malformed,          // empty, too long, not 3 parts, a part not base64url
  bad_header,         // header not a JSON object, `alg` missing, typ/kid/cty not strings
  unsupported_alg,    // alg not HS256 nor one of `keys` ("none" in any case included), or a JWE
  bad_signature,      // signature mismatch, no secret configured, unknown kid or key type
  expired,            // exp <= now - leeway
  not_yet_valid,      // nbf or iat > now + leeway
  bad_claims,         // payload not a JSON object; exp/nbf/iat/aud/role of the wrong type
  audience_mismatch,  // aud does not contain VerifyOptions::audience
};

struct Verified {
  boost::json::object header;
  boost::json::object claims;
};

// Compact JWS with header {"alg":"HS256","typ":"JWT"}; claims are serialized in their
// insertion order. Returns an empty string only if OpenSSL's HMAC itself fails.
std::string sign_hs256(const boost::json::object& claims, std::string_view secret);

// Checks, in this order: size and shape, base64url of all parts, header, alg, signature
// (constant-time), then claims: exp, nbf, iat, aud (PostgREST's order), role. On failure the
// Error has status 401, code = verify_error_code(kind), a public message, and a reason tag in
// `internal` that to_postgrest_error()/to_gotrue_error() use; keep `internal` intact until
// mapped. The payload is only parsed after the signature has been checked.
Result<Verified> verify(std::string_view token, const VerifyOptions& options);

// Stable codes: "jwt_malformed", "jwt_bad_header", "jwt_unsupported_alg", "jwt_bad_signature",
// "jwt_expired", "jwt_not_yet_valid", "jwt_bad_claims", "jwt_audience_mismatch".
std::string_view verify_error_code(VerifyError kind);

// The kind of an Error returned by verify(); nullopt for any other Error.
std::optional<VerifyError> verify_error_kind(const Error& error);

}  // namespace basalt::jwt
