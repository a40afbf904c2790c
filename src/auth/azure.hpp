// Microsoft (Azure AD / Entra ID) as Supabase Auth signs in with it ([auth.external.azure]):
// OAuth 2.0 against <host>/oauth2/v2.0/authorize and /token, where the host is
// login.microsoftonline.com/common or `url` (a tenant, e.g.
// https://login.microsoftonline.com/<tenant-id>), asking for `openid` (apps add `email`). The
// user comes only from the id_token in the token response: its issuer is read from the token
// (each tenant issues its own), must be a Microsoft issuer, and must be the configured tenant's
// when `url` names one (see azure_token_issuer); the token is then verified against that issuer's
// published keys.
#pragma once
#include <boost/json/object.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "auth/oauth_claims.hpp"
#include "auth/oidc_provider.hpp"
#include "auth/options.hpp"
#include "common/error.hpp"

namespace basalt::auth {

bool is_azure(std::string_view provider);

// Issuers longer than this are never Microsoft's (and are not looked at further).
inline constexpr std::size_t kMaxIssuerLength = 256;

// https://login.microsoftonline.com/<tenant>/v2.0 (with or without a trailing slash).
bool is_azure_issuer(std::string_view issuer);
// https://<name>.ciamlogin.com/<tenant>/v2.0 (Entra External ID), <name> of [a-z0-9-].
bool is_azure_ciam_issuer(std::string_view issuer);
// https://sts.windows.net/<tenant>/ (v1.0 tokens), the tenant of [A-Za-z0-9.-].
bool is_azure_v1_issuer(std::string_view issuer);

// Authorization and token endpoints (configured ones win); no issuer, userinfo or JWKS.
OidcEndpoints azure_endpoints(const OAuthProviderOptions& o);

// The issuer id_tokens must come from: `url` + "/v2.0" when that is a tenant's Microsoft or
// CIAM issuer, else "" (any Microsoft issuer: common, organizations, or a local test server).
std::string azure_expected_issuer(const OAuthProviderOptions& o);

// The `iss` of an id_token, read before verification to know whose keys verify it; checked
// against the sign-in rules: a Microsoft (or CIAM) issuer when signing in at Microsoft itself
// (no `url`), the configured tenant's when `url` names one, any issuer when `url` is another
// server (a test provider). Errors: 500 "Error getting user profile from external provider"
// with the reason in `internal`.
Result<std::string> azure_token_issuer(std::string_view id_token, const OAuthProviderOptions& o);

// The unverified `iss` of a JWT, or "" when it has none or is not a JWT.
std::string unverified_issuer(std::string_view jwt);

// The identity from verified id_token claims, as Supabase Auth maps Microsoft's: the address
// is verified when the token carries it and xms_edov (true, "1" or "true") or carries no
// xms_edov at all; other claims go to custom_claims without the protocol ones.
Result<ProviderIdentity> azure_identity(const boost::json::object& claims);

}  // namespace basalt::auth
