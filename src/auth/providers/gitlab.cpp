// GitLab: gitlab.com, or the self-managed instance at `url`, for both sign-in (/oauth/...) and
// the API (/api/v4). The profile is GET /api/v4/user (an integer id; the address counts as
// verified when confirmed_at is set) and the other addresses GET /api/v4/user/emails (never
// verified, as GitLab does not say).
#include "auth/providers/providers.hpp"

namespace basalt::auth {

namespace json = boost::json;

namespace {

OidcEndpoints endpoints(const OAuthProviderOptions& o) {
  const std::string host = choose_host(o.url, "gitlab.com");
  OidcEndpoints e;
  e.issuer = host;
  e.authorization = host + "/oauth/authorize";
  e.token = host + "/oauth/token";
  e.userinfo = host + "/api/v4/user";
  return e;
}

Result<ProviderIdentity> identity(std::span<const json::value> replies, const OidcEndpoints& e) {
  const json::object& u = json_object_of(replies[0]);
  std::vector<ProviderEmail> emails;
  if (replies[1].is_array()) {
    for (const auto& item : replies[1].get_array()) {
      emails.push_back({json_text(json_object_of(item), "email"), false, false});
    }
  }
  if (const std::string email = json_text(u, "email"); !email.empty()) {
    emails.push_back({email, !json_text(u, "confirmed_at").empty(), true});
  }
  ProviderClaims c;
  c.iss = e.issuer;
  c.sub = json_integer(u, "id");
  c.name = json_text(u, "name");
  c.picture = json_text(u, "avatar_url");
  c.avatar_url = c.picture;
  c.full_name = c.name;
  c.provider_id = c.sub;
  return provider_identity(std::move(c), emails);
}

}  // namespace

const OAuthProfile& gitlab_profile() {
  static const OAuthProfile p{"gitlab",  {"read_user"},   true,    false,
                              endpoints, user_and_emails, identity};
  return p;
}

}  // namespace basalt::auth
