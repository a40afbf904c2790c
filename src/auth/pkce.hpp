// PKCE (RFC 7636) as Supabase Auth checks it: the code_challenge / code_challenge_method pair
// sent when a flow starts (signup, otp, recover, authorize, ...) and the code_verifier sent to
// /token?grant_type=pkce, with GoTrue's error messages.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace basalt::auth {

enum class PkceMethod { s256, plain };

// "s256" / "plain" (the spelling GoTrue stores in flow_state.code_challenge_method).
std::string_view pkce_method_name(PkceMethod method);

// "S256", "s256", "PLAIN", ... (case-insensitive). Fails with 500 unexpected_failure (GoTrue
// reports an unsupported method only as an unhandled error when it creates the flow state);
// `internal` names the method.
Result<PkceMethod> parse_pkce_method(std::string_view method);

// GoTrue validatePKCEParams: both empty -> implicit flow (nullopt); exactly one empty -> 400
// validation_failed "PKCE flow requires code_challenge_method and code_challenge"; a challenge
// outside 43..128 chars or with characters other than [A-Za-z0-9._~-] -> 400
// validation_failed; then the method must parse (see parse_pkce_method).
Result<std::optional<PkceMethod>> validate_pkce_params(std::string_view code_challenge_method,
                                                       std::string_view code_challenge);

// GoTrue VerifyPKCEChallenge, compared in constant time: S256 checks
// base64url(SHA-256(verifier)) without padding, plain checks equality. Fails with 400
// bad_code_verifier "code challenge does not match previously saved code verifier", or
// "code challenge method not supported" for a stored method that is neither.
Status verify_pkce(std::string_view stored_challenge, std::string_view stored_method,
                   std::string_view code_verifier);

}  // namespace basalt::auth
