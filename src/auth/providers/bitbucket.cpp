// Bitbucket: bitbucket.org for sign-in (/site/oauth2/...), api.bitbucket.org/2.0 for the user
// (both `url` when set). The profile is GET /2.0/user (uuid, display_name, avatar.href) and the
// addresses GET /2.0/user/emails ({values: [{email, is_primary, is_confirmed}]}). Asks for the
// account and email scopes (and any configured ones), never the app's `scopes`.
#include "auth/providers/providers.hpp"

namespace basalt::auth {

namespace json = boost::json;

namespace {

OidcEndpoints endpoints(const OAuthProviderOptions& o) {
  const std::string auth = choose_host(o.url, "bitbucket.org");
  const std::string api = choose_host(o.url, "api.bitbucket.org") + "/2.0";
  OidcEndpoints e;
  e.issuer = api;
  e.authorization = auth + "/site/oauth2/authorize";
  e.token = auth + "/site/oauth2/access_token";
  e.userinfo = api + "/user";
  return e;
}

Result<ProviderIdentity> identity(std::span<const json::value> replies, const OidcEndpoints& e) {
  const json::object& u = json_object_of(replies[0]);
  std::vector<ProviderEmail> emails;
  if (const auto* values = json_object_of(replies[1]).if_contains("values");
      values != nullptr && values->is_array()) {
    for (const auto& item : values->get_array()) {
      const json::object& m = json_object_of(item);
      emails.push_back(
          {json_text(m, "email"), json_flag(m, "is_confirmed"), json_flag(m, "is_primary")});
    }
  }
  ProviderClaims c;
  c.iss = e.issuer;
  c.sub = json_text(u, "uuid");
  c.name = json_text(u, "display_name");
  c.picture = json_text(json_member(u, "avatar"), "href");
  c.avatar_url = c.picture;
  c.full_name = c.name;
  c.provider_id = c.sub;
  return provider_identity(std::move(c), emails);
}

}  // namespace

const OAuthProfile& bitbucket_profile() {
  static const OAuthProfile p{"bitbucket", {"account", "email"}, false,   false,
                              endpoints,   user_and_emails,      identity};
  return p;
}

}  // namespace basalt::auth
