// GitHub: github.com for sign-in, api.github.com for the user. With `url` (GitHub Enterprise
// Server) both are that host, the API under /api/v3. The profile is GET /user (an integer id)
// and the addresses GET /user/emails ({email, primary, verified}).
#include "auth/providers/providers.hpp"

namespace basalt::auth {

namespace json = boost::json;

namespace {

OidcEndpoints endpoints(const OAuthProviderOptions& o) {
  const std::string auth = choose_host(o.url, "github.com");
  std::string api = choose_host(o.url, "api.github.com");
  if (!api.ends_with("api.github.com")) api += "/api/v3";
  OidcEndpoints e;
  e.issuer = api;
  e.authorization = auth + "/login/oauth/authorize";
  e.token = auth + "/login/oauth/access_token";
  e.userinfo = api + "/user";
  return e;
}

Result<ProviderIdentity> identity(std::span<const json::value> replies, const OidcEndpoints& e) {
  const json::object& u = json_object_of(replies[0]);
  ProviderClaims c;
  c.iss = e.issuer;
  c.sub = json_integer(u, "id");
  c.name = json_text(u, "name");
  c.preferred_username = json_text(u, "login");
  c.avatar_url = json_text(u, "avatar_url");
  c.full_name = c.name;
  c.provider_id = c.sub;
  c.user_name = c.preferred_username;
  std::vector<ProviderEmail> emails;
  if (replies[1].is_array()) {
    for (const auto& item : replies[1].get_array()) {
      const json::object& m = json_object_of(item);
      emails.push_back({json_text(m, "email"), json_flag(m, "verified"), json_flag(m, "primary")});
    }
  }
  return provider_identity(std::move(c), emails);
}

}  // namespace

const OAuthProfile& github_profile() {
  static const OAuthProfile p{"github",  {"user:email"},  true,    false,
                              endpoints, user_and_emails, identity};
  return p;
}

}  // namespace basalt::auth
