// GitHub as an OAuth provider ([auth.external.github]), as Supabase Auth talks to it: plain
// OAuth 2.0, not OpenID Connect. Sign-in asks for the `user:email` scope, exchanges the code at
// <auth host>/login/oauth/access_token and reads the user from the REST API: <api host>/user
// for the profile and <api host>/user/emails for the addresses (the primary one is the
// user's). The hosts are github.com and api.github.com; with `url` set (GitHub Enterprise
// Server) both are that URL, the API under /api/v3.
#pragma once
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "auth/oauth_claims.hpp"
#include "auth/oidc_provider.hpp"
#include "auth/options.hpp"
#include "common/error.hpp"

namespace basalt::auth {

// Whether a configured provider name is GitHub's (it then uses the functions below).
bool is_github(std::string_view provider);

// https://github.com, or `url` without a trailing slash.
std::string github_auth_host(const OAuthProviderOptions& o);
// https://api.github.com, or `url` + "/api/v3" (unless it already ends in api.github.com).
std::string github_api_host(const OAuthProviderOptions& o);

// The authorization and token endpoints and, as `userinfo`, the API's /user; endpoints set in
// the configuration win. The issuer is the API host, as Supabase Auth records it.
OidcEndpoints github_endpoints(const OAuthProviderOptions& o);

// The identity from GET /user (an object with a numeric `id`) and GET /user/emails (an array
// of {email, primary, verified}). The email is the first primary address, else the last one
// listed, with its verified flag. Fails (500) without an id.
Result<ProviderIdentity> github_identity(const boost::json::value& user,
                                         const boost::json::value& emails,
                                         std::string_view api_host);

}  // namespace basalt::auth
