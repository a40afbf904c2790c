// The OAuth 2.0 providers Supabase Auth knows by name and talks to without OpenID Connect
// (GitHub, GitLab, Discord, Bitbucket, Facebook, Figma, Fly, Kakao, Notion, Snapchat, Spotify,
// Twitch, WorkOS, X, Zoom; the legacy linkedin and slack ones are ignored in config.toml, as the
// Supabase CLI ignores them): where each one's authorization, token
// and API endpoints are (its public hosts, or `url` for a self-hosted or test server), the scopes
// it is asked for, the API requests that read the signed-in user, and how their answers become an
// identity. Each provider is one file under auth/providers/; this header is what they share and how
// the service finds one.
//
// The identity follows Supabase Auth: its provider code fills GoTrue's Claims (iss, sub, the
// OpenID Connect profile claims, custom_claims, and the older full_name/avatar_url/slug/
// provider_id/user_name keys) and a list of email addresses; the address the user gets is the
// first primary one, else the last listed, with its verified flag (lower-cased for the user,
// as the provider spells it in identity_data).
#pragma once
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/oauth_claims.hpp"
#include "auth/oidc_provider.hpp"
#include "auth/options.hpp"
#include "common/error.hpp"

namespace basalt::auth {

// GoTrue's Claims: empty strings are left out of identity_data, email_verified and
// phone_verified never are.
struct ProviderClaims {
  std::string iss;
  std::string sub;
  std::string name;
  std::string nickname;
  std::string preferred_username;
  std::string profile;
  std::string picture;
  std::string website;
  std::string email;
  boost::json::object custom_claims;  // left out when empty
  std::string full_name;
  std::string avatar_url;
  std::string slug;
  std::string provider_id;
  std::string user_name;
};

// The identity from the claims and the addresses (see the header comment for which address
// wins). Fails (500, "Error getting user profile from external provider") without a sub.
Result<ProviderIdentity> provider_identity(ProviderClaims claims,
                                           const std::vector<ProviderEmail>& emails);

// A GET to the provider's API with the user's access token; `headers` are added to the
// bearer token, Accept and User-Agent.
struct ApiRequest {
  std::string url;
  std::vector<std::string> headers;
};

struct OAuthProfile {
  std::string_view name;
  // Asked for at /authorize, then the configured scopes; the app's `scopes` query is added
  // when `takes_scopes` (Supabase Auth ignores it for Bitbucket, Notion and Zoom).
  std::vector<std::string> scopes;
  bool takes_scopes = true;
  // Whether the provider wants PKCE (S256) on its own authorization request.
  bool pkce = false;
  // authorization, token, userinfo (the first API request) and issuer (the `iss` of the
  // identity) from `url` or the public hosts.
  OidcEndpoints (*endpoints)(const OAuthProviderOptions& o) = nullptr;
  // The API requests, in order; null: one GET of `userinfo`.
  std::vector<ApiRequest> (*requests)(const OidcEndpoints& e, const OAuthProviderOptions& o,
                                      std::string_view access_token) = nullptr;
  // The identity from the JSON answers, one per request.
  Result<ProviderIdentity> (*identity)(std::span<const boost::json::value> replies,
                                       const OidcEndpoints& e) = nullptr;
  // For the providers that also issue OpenID Connect id_tokens (the id_token grant: Facebook
  // Limited Login, Kakao): the identity from a verified token's claims; null for the others,
  // whose tokens the id_token grant refuses as Supabase Auth does.
  Result<ProviderIdentity> (*id_token_identity)(const boost::json::object& claims) = nullptr;
  // The user comes with the token response (WorkOS): no API request is made and identity()
  // gets that response as its one reply.
  bool profile_in_token = false;
};

// The built-in profile for a provider name (case-insensitive), or nullptr for OpenID Connect
// providers and custom names.
const OAuthProfile* oauth_profile(std::string_view provider);

// A profile's endpoints with the configured authorization_url, token_url and userinfo_url
// winning over its defaults.
OidcEndpoints profile_endpoints(const OAuthProfile& profile, const OAuthProviderOptions& o);

// The requests of GitHub, GitLab and Bitbucket: the profile at `userinfo`, then the addresses
// at `userinfo` + "/emails".
std::vector<ApiRequest> user_and_emails(const OidcEndpoints& e, const OAuthProviderOptions& o,
                                        std::string_view access_token);

// The requests a profile makes for one sign-in.
std::vector<ApiRequest> profile_requests(const OAuthProfile& profile, const OidcEndpoints& e,
                                         const OAuthProviderOptions& o,
                                         std::string_view access_token);

// Supabase Auth's host rule: `url` without a trailing slash, else https://<default_host>.
std::string choose_host(std::string_view url, std::string_view default_host);

// Helpers for the provider files: a string member ("" when absent or not a string), a bool
// member, an integer member as text ("" otherwise: fractions and numbers past 64 bits are
// refused, as Go's decoder refuses them for an int id), and an object member (or an empty
// object).
std::string json_text(const boost::json::object& o, std::string_view key);
bool json_flag(const boost::json::object& o, std::string_view key);
std::string json_integer(const boost::json::object& o, std::string_view key);
const boost::json::object& json_member(const boost::json::object& o, std::string_view key);
// "first last" without spaces at either end (Go's strings.TrimSpace of the two joined).
std::string full_name_of(std::string_view first, std::string_view last);
// The reply as an object, or an empty one.
const boost::json::object& json_object_of(const boost::json::value& v);

}  // namespace basalt::auth
