// Twitter's OAuth 1.0a sign-in ([auth.external.twitter]) as Supabase Auth does it, on
// api.twitter.com or `url`: /authorize gets a request token (POST /oauth/request_token, with
// the callback carrying Basalt's signed state) and sends the browser to /oauth/authenticate;
// /callback turns the returned oauth_token and oauth_verifier into an access token (POST
// /oauth/access_token) and reads the user from GET /1.1/account/verify_credentials.json
// (include_email=true), every request signed with the consumer key and secret (oauth1.hpp).
// The request token and its secret wait in Postgres (_basalt.auth_oauth1_requests) for the
// callback of the same flow, on any node, which uses them once and signs the access-token
// request with that secret (Supabase Auth signs it without one and binds no token to the flow).
// Twitter's address is taken as verified. (The `x` provider is Twitter's OAuth 2.0 sign-in.)
#pragma once
#include <string>
#include <string_view>

#include "auth/oauth_claims.hpp"
#include "auth/oidc_http.hpp"
#include "auth/options.hpp"
#include "common/error.hpp"

namespace basalt::auth {

bool is_twitter(std::string_view provider);

struct TwitterEndpoints {
  std::string request_token;
  std::string authenticate;
  std::string access_token;
  std::string profile;  // also the identity's `iss`, as in Supabase Auth
};

TwitterEndpoints twitter_endpoints(const OAuthProviderOptions& o);

// The three signed requests; `nonce` and `now` make each signature unique.
HttpCall twitter_request_token_call(const OAuthProviderOptions& o, const std::string& callback,
                                    const std::string& nonce, long long now);
HttpCall twitter_access_token_call(const OAuthProviderOptions& o, const std::string& token,
                                   const std::string& token_secret, const std::string& verifier,
                                   const std::string& nonce, long long now);
HttpCall twitter_profile_call(const OAuthProviderOptions& o, const std::string& token,
                              const std::string& token_secret, const std::string& nonce,
                              long long now);

// oauth_token and oauth_token_secret from a token endpoint's form answer; an Error (internal:
// why) for another status or no token, or, with `confirmed`, without
// oauth_callback_confirmed=true (the request-token step, RFC 5849 §2.1).
struct OAuth1Token {
  std::string token;
  std::string secret;
};
Result<OAuth1Token> parse_oauth1_token(const HttpReply& reply, bool confirmed = false);

// The identity in verify_credentials' answer (id_str, name, screen_name,
// profile_image_url_https, email); 500 "Error getting user email from external provider" for
// another status than 2xx.
Result<ProviderIdentity> twitter_identity(const HttpReply& reply, const std::string& profile_url);

}  // namespace basalt::auth
