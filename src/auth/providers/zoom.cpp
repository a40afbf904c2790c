// Zoom: zoom.us/oauth to sign in, api.zoom.us/v2 for the user (GET /users/me: id, first_name,
// last_name, email, verified, login_type, pic_url); both `url` when set. An address counts as
// verified unless the account signs in with email and password (login_type 100) and Zoom has
// not verified it. No scopes are asked for: a Zoom app's scopes are set in its settings.
#include "auth/providers/providers.hpp"

namespace basalt::auth {

namespace json = boost::json;

namespace {

OidcEndpoints endpoints(const OAuthProviderOptions& o) {
  const std::string auth = choose_host(o.url, "zoom.us") + "/oauth";
  const std::string api = choose_host(o.url, "api.zoom.us") + "/v2";
  OidcEndpoints e;
  e.issuer = api;
  e.authorization = auth + "/authorize";
  e.token = auth + "/token";
  e.userinfo = api + "/users/me";
  return e;
}

Result<ProviderIdentity> identity(std::span<const json::value> replies, const OidcEndpoints& e) {
  const json::object& u = json_object_of(replies[0]);
  std::vector<ProviderEmail> emails;
  if (const std::string email = json_text(u, "email"); !email.empty()) {
    const auto* verified = u.if_contains("verified");
    const bool zoom_verified =
        verified != nullptr && verified->is_int64() && verified->get_int64() != 0;
    emails.push_back({email, json_text(u, "login_type") != "100" || zoom_verified, true});
  }
  ProviderClaims c;
  c.iss = e.issuer;
  c.sub = json_text(u, "id");
  c.name = full_name_of(json_text(u, "first_name"), json_text(u, "last_name"));
  c.picture = json_text(u, "pic_url");
  c.avatar_url = c.picture;
  c.full_name = c.name;
  c.provider_id = c.sub;
  return provider_identity(std::move(c), emails);
}

}  // namespace

const OAuthProfile& zoom_profile() {
  static const OAuthProfile p{"zoom", {}, false, false, endpoints, nullptr, identity};
  return p;
}

}  // namespace basalt::auth
