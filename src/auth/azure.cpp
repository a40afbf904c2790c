#include "auth/azure.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cctype>

#include "auth/auth_error.hpp"
#include "auth/oauth_profile.hpp"
#include "jwt/base64url.hpp"

namespace basalt::auth {

namespace json = boost::json;

namespace {

// "<one path segment>/v2.0" with an optional trailing slash.
bool tenant_then_v2(std::string_view rest) {
  if (rest.ends_with('/')) rest.remove_suffix(1);
  constexpr std::string_view kVersion = "/v2.0";
  if (!rest.ends_with(kVersion)) return false;
  const std::string_view tenant = rest.substr(0, rest.size() - kVersion.size());
  return !tenant.empty() && tenant.find('/') == std::string_view::npos;
}

Error profile_error(std::string internal) {
  return internal_error("Error getting user profile from external provider", std::move(internal));
}

// Claims Supabase Auth leaves out of a Microsoft identity's custom_claims.
constexpr std::string_view kNotCustom[] = {
    "aud",   "iss", "iat", "nbf", "exp", "c_hash", "at_hash", "aio",
    "nonce", "rh",  "uti", "jti", "ver", "sub",    "name",    "preferred_username",
};

}  // namespace

bool is_azure(std::string_view provider) {
  std::string n(provider);
  for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return n == "azure";
}

bool is_azure_issuer(std::string_view issuer) {
  constexpr std::string_view kPrefix = "https://login.microsoftonline.com/";
  return issuer.size() <= kMaxIssuerLength && issuer.starts_with(kPrefix) &&
         tenant_then_v2(issuer.substr(kPrefix.size()));
}

bool is_azure_ciam_issuer(std::string_view issuer) {
  constexpr std::string_view kScheme = "https://";
  constexpr std::string_view kDomain = ".ciamlogin.com/";
  if (issuer.size() > kMaxIssuerLength || !issuer.starts_with(kScheme)) return false;
  const std::string_view rest = issuer.substr(kScheme.size());
  const auto dot = rest.find(kDomain);
  if (dot == std::string_view::npos || dot == 0) return false;
  for (char c : rest.substr(0, dot)) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return tenant_then_v2(rest.substr(dot + kDomain.size()));
}

bool is_azure_v1_issuer(std::string_view issuer) {
  constexpr std::string_view kPrefix = "https://sts.windows.net/";
  if (issuer.size() > kMaxIssuerLength || !issuer.starts_with(kPrefix)) return false;
  std::string_view tenant = issuer.substr(kPrefix.size());
  if (!tenant.ends_with('/')) return false;
  tenant.remove_suffix(1);
  return !tenant.empty() && std::all_of(tenant.begin(), tenant.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.';
  });
}

OidcEndpoints azure_endpoints(const OAuthProviderOptions& o) {
  const std::string host = choose_host(o.url, "login.microsoftonline.com/common");
  OidcEndpoints e;
  e.authorization =
      o.authorization_url.empty() ? host + "/oauth2/v2.0/authorize" : o.authorization_url;
  e.token = o.token_url.empty() ? host + "/oauth2/v2.0/token" : o.token_url;
  return e;
}

std::string azure_expected_issuer(const OAuthProviderOptions& o) {
  if (o.url.empty()) return {};
  const std::string expected = choose_host(o.url, "") + "/v2.0";
  if ((!is_azure_issuer(expected) && !is_azure_ciam_issuer(expected)) ||
      expected == "https://login.microsoftonline.com/common/v2.0" ||
      expected == "https://login.microsoftonline.com/organizations/v2.0") {
    // common and organizations never issue tokens themselves; a local server is a test.
    return {};
  }
  return expected;
}

std::string unverified_issuer(std::string_view jwt) {
  const auto first = jwt.find('.');
  if (first == std::string_view::npos) return {};
  const auto second = jwt.find('.', first + 1);
  if (second == std::string_view::npos || jwt.find('.', second + 1) != std::string_view::npos) {
    return {};
  }
  const auto payload = jwt::base64url_decode(jwt.substr(first + 1, second - first - 1));
  if (!payload) return {};
  boost::system::error_code ec;
  const json::value v = json::parse(*payload, ec);
  if (ec || !v.is_object()) return {};
  return json_text(v.get_object(), "iss");
}

Result<std::string> azure_token_issuer(std::string_view id_token, const OAuthProviderOptions& o) {
  const std::string expected = azure_expected_issuer(o);
  const std::string issuer = unverified_issuer(id_token);
  if (issuer.empty()) return profile_error("azure: invalid ID token");
  if (issuer.size() > kMaxIssuerLength) return profile_error("azure: ID token issuer too long");
  // Signed in at Microsoft itself (no url): the token must come from a Microsoft tenant.
  if (o.url.empty() && !is_azure_issuer(issuer) && !is_azure_ciam_issuer(issuer)) {
    return profile_error("azure: ID token issuer not valid \"" + issuer + "\"");
  }
  // Supabase Auth's rule: with a CIAM tenant configured, only CIAM or Microsoft issuers.
  if (!is_azure_issuer(issuer) && is_azure_ciam_issuer(expected) && !is_azure_ciam_issuer(issuer)) {
    return profile_error("azure: ID token issuer not valid \"" + issuer + "\"");
  }
  if (!expected.empty() && issuer != expected) {
    return profile_error("azure: ID token issuer \"" + issuer +
                         "\" does not match expected issuer \"" + std::string(expected) + "\"");
  }
  return issuer;
}

Result<ProviderIdentity> azure_identity(const json::object& claims) {
  const std::string email = json_text(claims, "email");
  bool verified = !email.empty();
  if (const auto* edov = claims.if_contains("xms_edov"); edov != nullptr && !edov->is_null()) {
    bool owner_verified = false;
    if (edov->is_bool()) owner_verified = edov->get_bool();
    if (edov->is_string())
      owner_verified = edov->get_string() == "1" || edov->get_string() == "true";
    verified = !email.empty() && owner_verified;
  }
  ProviderClaims c;
  c.iss = json_text(claims, "iss");
  c.sub = json_text(claims, "sub");
  c.preferred_username = json_text(claims, "preferred_username");
  c.full_name = json_text(claims, "name");
  c.provider_id = c.sub;
  for (const auto& [k, v] : claims) {
    if (std::find(std::begin(kNotCustom), std::end(kNotCustom), k) != std::end(kNotCustom))
      continue;
    c.custom_claims[k] = v;
  }
  std::vector<ProviderEmail> emails;
  if (!email.empty()) emails.push_back({email, verified, true});
  return provider_identity(std::move(c), emails);
}

}  // namespace basalt::auth
