// The `state` of an OAuth sign-in (GET /authorize -> provider -> GET /callback): a short-lived
// HS256 token that any Basalt node can check without shared memory. It is signed with a key
// derived from the project's JWT secret, so it never verifies as an access token (nor an
// access token as a state). It names the provider, where the flow ends, the PKCE flow-state
// row when the app uses PKCE, and a random flow id from which the OpenID Connect nonce and the
// PKCE verifier Basalt uses with the provider are derived (neither is stored anywhere).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace basalt::auth {

// How long a user has to finish signing in at the provider.
inline constexpr std::int64_t kOAuthStateLifetime = 600;

struct OAuthState {
  std::string provider;
  std::string referrer;       // the validated redirect_to (or site_url)
  std::string flow_state_id;  // PKCE: the auth.flow_state row; "" for the implicit flow
  std::string id;             // random per flow (see oauth_nonce / provider_code_verifier)
  std::string link_user;      // manual linking (GET /user/identities/authorize): the user
  std::int64_t exp = 0;       // unix seconds
};

// HMAC-SHA256(jwt_secret, "basalt oauth state"): the state-signing key.
std::string oauth_state_key(std::string_view jwt_secret);

// A new state for `provider` expiring kOAuthStateLifetime after `now`, with a random id.
OAuthState new_oauth_state(std::string provider, std::string referrer, std::string flow_state_id,
                           std::int64_t now);

std::string encode_oauth_state(const OAuthState& state, std::string_view key);

// Fails with 400 bad_oauth_state "OAuth state parameter is invalid" (bad signature, shape) or
// "OAuth state has expired", as Supabase Auth words them.
Result<OAuthState> decode_oauth_state(std::string_view token, std::string_view key,
                                      std::int64_t now);

// The nonce sent to the provider, which its id_token must carry back.
std::string oauth_nonce(const OAuthState& state, std::string_view key);
// The PKCE code verifier Basalt uses with the provider (43 characters of base64url), and its
// S256 challenge.
std::string provider_code_verifier(const OAuthState& state, std::string_view key);
std::string pkce_s256_challenge(std::string_view verifier);

}  // namespace basalt::auth
