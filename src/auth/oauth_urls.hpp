// The URLs of an OAuth sign-in, built as Supabase Auth builds them: the provider's
// authorization URL (parameters sorted, as Go's url.Values encodes them), the scope list, and
// the redirects back to the app — tokens in the fragment (implicit flow), ?code= (PKCE), or
// error, error_code and error_description in both query and fragment.
#pragma once
#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace basalt::auth {

using FormParams = std::vector<std::pair<std::string, std::string>>;

// Go's url.QueryEscape: unreserved characters kept, space as '+', everything else %XX.
std::string query_escape(std::string_view s);
// application/x-www-form-urlencoded, in the given order: unreserved characters kept, space as
// '+', everything else %XX (Go's url.QueryEscape).
std::string form_encode(const FormParams& params);
// The same sorted by key (Go's url.Values.Encode).
std::string form_encode_sorted(FormParams params);
// Parses a query string or form body; '+' is a space; malformed escapes are kept as text.
FormParams form_decode(std::string_view text);
// The first value of `name` in `params`, or "".
std::string form_value(const FormParams& params, std::string_view name);

// The provider's default scopes ("openid email profile" for OpenID Connect), then the
// configured and the requested scopes (comma- or space-separated), each once, space-separated.
std::string oauth_scope(const std::vector<std::string>& configured, std::string_view requested,
                        std::vector<std::string> defaults = {"openid", "email", "profile"});

// `endpoint` with `params` added to its query (sorted by key).
std::string authorization_url(std::string_view endpoint, const FormParams& params);

// `url` with `name` set to `value` in its query (the rest of the query kept, re-encoded and
// sorted as Go's url.Values does); the fragment is kept.
std::string with_query_param(std::string_view url, std::string_view name, std::string_view value);

// Supabase Auth's error redirect: error, error_code (when not empty) and error_description
// added to the query of `url`, and, with `fragment`, the same plus `sb` as its fragment
// (replacing any; a failed state check redirects with the query only).
std::string error_redirect(std::string_view url, std::string_view error,
                           std::string_view error_code, std::string_view description,
                           bool fragment = true);

// The implicit flow's redirect: `url#access_token=...&expires_at=...&expires_in=...&
// provider_refresh_token=...&provider_token=...&refresh_token=...&sb=&token_type=bearer`
// from a session object ({access_token, expires_in, expires_at, refresh_token}).
// provider_refresh_token is left out when empty.
std::string session_redirect(std::string_view url, const boost::json::object& session,
                             std::string_view provider_token,
                             std::string_view provider_refresh_token);

}  // namespace basalt::auth
