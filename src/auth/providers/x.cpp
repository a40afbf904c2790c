// X (formerly Twitter) over OAuth 2.0 with PKCE: x.com/i/oauth2/authorize to sign in,
// api.x.com for the token (/2/oauth2/token) and the user (GET /2/users/me with the fields
// Supabase Auth asks for: the `data` member's id, name, username, confirmed_email,
// profile_image_url, url, created_at); both `url` when set. X only gives out confirmed
// addresses.
#include "auth/providers/providers.hpp"

namespace basalt::auth {

namespace json = boost::json;

namespace {

OidcEndpoints endpoints(const OAuthProviderOptions& o) {
  const std::string api = choose_host(o.url, "api.x.com");
  OidcEndpoints e;
  e.issuer = api;
  e.authorization = choose_host(o.url, "x.com") + "/i/oauth2/authorize";
  e.token = api + "/2/oauth2/token";
  e.userinfo = api +
               "/2/users/me?user.fields=id,name,username,confirmed_email,profile_image_url,url,"
               "created_at";
  return e;
}

Result<ProviderIdentity> identity(std::span<const json::value> replies, const OidcEndpoints& e) {
  const json::object& u = json_member(json_object_of(replies[0]), "data");
  std::vector<ProviderEmail> emails;
  if (const std::string email = json_text(u, "confirmed_email"); !email.empty()) {
    emails.push_back({email, true, true});
  }
  const std::string username = json_text(u, "username");
  ProviderClaims c;
  c.iss = e.issuer;
  c.sub = json_text(u, "id");
  c.name = json_text(u, "name");
  c.preferred_username = username;
  c.picture = json_text(u, "profile_image_url");
  c.profile = "https://x.com/" + username;
  c.website = json_text(u, "url");
  c.custom_claims["created_at"] = json_text(u, "created_at");
  c.avatar_url = c.picture;
  c.full_name = c.name;
  c.provider_id = c.sub;
  c.user_name = username;
  return provider_identity(std::move(c), emails);
}

}  // namespace

const OAuthProfile& x_profile() {
  static const OAuthProfile p{
      "x",       {"users.email", "tweet.read", "users.read", "offline.access"},
      true,      true,
      endpoints, nullptr,
      identity};
  return p;
}

}  // namespace basalt::auth
