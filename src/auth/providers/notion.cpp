// Notion: api.notion.com (or `url`) for sign-in (/v1/oauth/...) and the user: the integration's
// owner from GET /v1/users/me (bot.owner.user: id, name, avatar_url, person.email), asked with
// the Notion-Version header Supabase Auth sends. Notion does not say whether an address is
// verified; like Supabase Auth, Basalt takes it as verified. No scopes are asked for.
#include "auth/providers/providers.hpp"

namespace basalt::auth {

namespace json = boost::json;

namespace {

OidcEndpoints endpoints(const OAuthProviderOptions& o) {
  const std::string host = choose_host(o.url, "api.notion.com");
  OidcEndpoints e;
  e.issuer = host;
  e.authorization = host + "/v1/oauth/authorize";
  e.token = host + "/v1/oauth/token";
  e.userinfo = host + "/v1/users/me";
  return e;
}

std::vector<ApiRequest> requests(const OidcEndpoints& e, const OAuthProviderOptions&,
                                 std::string_view) {
  return {{e.userinfo, {"Notion-Version: 2021-08-16"}}};
}

Result<ProviderIdentity> identity(std::span<const json::value> replies, const OidcEndpoints& e) {
  const json::object& u =
      json_member(json_member(json_member(json_object_of(replies[0]), "bot"), "owner"), "user");
  std::vector<ProviderEmail> emails;
  if (const std::string email = json_text(json_member(u, "person"), "email"); !email.empty()) {
    emails.push_back({email, true, true});
  }
  ProviderClaims c;
  c.iss = e.issuer;
  c.sub = json_text(u, "id");
  c.name = json_text(u, "name");
  c.picture = json_text(u, "avatar_url");
  c.avatar_url = c.picture;
  c.full_name = c.name;
  c.provider_id = c.sub;
  return provider_identity(std::move(c), emails);
}

}  // namespace

const OAuthProfile& notion_profile() {
  static const OAuthProfile p{"notion", {}, false, false, endpoints, requests, identity};
  return p;
}

}  // namespace basalt::auth
