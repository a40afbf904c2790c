// Snapchat (Login Kit): accounts.snapchat.com for sign-in (/accounts/oauth2/auth and /token)
// and kit.snapchat.com for the user, both `url` when set; the three user.* scopes plus the
// app's. The user comes from the GraphQL GET /v1/me?query={me { externalId displayName bitmoji
// { avatar id } email } }, the identity's `iss` is Supabase Auth's fixed Snapchat issuer, and a
// Snapchat address counts as verified. Snapchat's id_tokens (the id_token grant) map the same
// way.
#include "auth/oauth_urls.hpp"
#include "auth/providers/providers.hpp"

namespace basalt::auth {

namespace json = boost::json;

namespace {

constexpr std::string_view kIssuer = "https://accounts.snapchat.com/accounts/oauth2/token";

OidcEndpoints endpoints(const OAuthProviderOptions& o) {
  const std::string accounts = choose_host(o.url, "accounts.snapchat.com");
  OidcEndpoints e;
  e.issuer = std::string(kIssuer);
  e.authorization = accounts + "/accounts/oauth2/auth";
  e.token = accounts + "/accounts/oauth2/token";
  e.userinfo = choose_host(o.url, "kit.snapchat.com") + "/v1/me";
  return e;
}

std::vector<ApiRequest> requests(const OidcEndpoints& e, const OAuthProviderOptions&,
                                 std::string_view) {
  return {
      {authorization_url(
           e.userinfo, {{"query", "{me { externalId displayName bitmoji { avatar id } email } }"}}),
       {}}};
}

Result<ProviderIdentity> identity(std::span<const json::value> replies, const OidcEndpoints& e) {
  const json::object& me = json_member(json_member(json_object_of(replies[0]), "data"), "me");
  std::vector<ProviderEmail> emails;
  if (const std::string email = json_text(me, "email"); !email.empty()) {
    emails.push_back({email, true, true});
  }
  ProviderClaims c;
  c.iss = e.issuer;
  c.sub = json_text(me, "externalId");
  c.name = json_text(me, "displayName");
  c.picture = json_text(json_member(me, "bitmoji"), "avatar");
  c.slug = c.name;
  c.avatar_url = c.picture;
  c.full_name = c.name;
  c.provider_id = c.sub;
  return provider_identity(std::move(c), emails);
}

Result<ProviderIdentity> id_token_identity(const json::object& claims) {
  ProviderClaims c;
  c.iss = json_text(claims, "iss");
  c.sub = json_text(claims, "sub");
  c.name = json_text(claims, "name");
  c.picture = json_text(claims, "picture");
  c.preferred_username = json_text(claims, "preferred_username");
  c.provider_id = c.sub;
  std::vector<ProviderEmail> emails;
  if (const std::string email = json_text(claims, "email"); !email.empty()) {
    emails.push_back({email, true, true});
  }
  return provider_identity(std::move(c), emails);
}

}  // namespace

const OAuthProfile& snapchat_profile() {
  static const OAuthProfile p{"snapchat",
                              {"https://auth.snapchat.com/oauth2/api/user.external_id",
                               "https://auth.snapchat.com/oauth2/api/user.display_name",
                               "https://auth.snapchat.com/oauth2/api/user.bitmoji.avatar"},
                              true,
                              false,
                              endpoints,
                              requests,
                              identity,
                              id_token_identity};
  return p;
}

}  // namespace basalt::auth
