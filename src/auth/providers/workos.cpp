// WorkOS (SSO through WorkOS): api.workos.com (or `url`) for sign-in at /sso/authorize and
// /sso/token, no scopes, no PKCE. WorkOS sends the user's profile with the token (its `profile`
// member: id, email, first_name, last_name, connection_id, organization_id), so no API request
// is made. Which connection, organization or identity provider signs the user in comes from
// the app's query (`connection`, `organization`, and `workos_provider`, passed on as WorkOS's
// `provider`). Like Supabase Auth, Basalt takes WorkOS's address as verified and always keeps
// connection_id and organization_id as custom claims.
#include "auth/providers/providers.hpp"

namespace basalt::auth {

namespace json = boost::json;

namespace {

OidcEndpoints endpoints(const OAuthProviderOptions& o) {
  const std::string host = choose_host(o.url, "api.workos.com");
  OidcEndpoints e;
  e.issuer = host;
  e.authorization = host + "/sso/authorize";
  e.token = host + "/sso/token";
  return e;
}

Result<ProviderIdentity> identity(std::span<const json::value> replies, const OidcEndpoints& e) {
  const json::object& u = json_member(json_object_of(replies[0]), "profile");
  std::vector<ProviderEmail> emails;
  if (const std::string email = json_text(u, "email"); !email.empty()) {
    emails.push_back({email, true, true});
  }
  ProviderClaims c;
  c.iss = e.issuer;
  c.sub = json_text(u, "id");
  c.name = full_name_of(json_text(u, "first_name"), json_text(u, "last_name"));
  c.full_name = c.name;
  c.provider_id = c.sub;
  c.custom_claims["connection_id"] = json_text(u, "connection_id");
  c.custom_claims["organization_id"] = json_text(u, "organization_id");
  return provider_identity(std::move(c), emails);
}

}  // namespace

const OAuthProfile& workos_profile() {
  static const OAuthProfile p{"workos", {},       false,   false, endpoints,
                              nullptr,  identity, nullptr, true};
  return p;
}

}  // namespace basalt::auth
