// Twitch: id.twitch.tv to sign in (/oauth2/...), api.twitch.tv for the user (GET /helix/users
// with the Client-Id header Twitch requires; the first of `data`); both `url` when set.
// Twitch only gives out verified addresses.
#include "auth/auth_error.hpp"
#include "auth/providers/providers.hpp"

namespace basalt::auth {

namespace json = boost::json;

namespace {

OidcEndpoints endpoints(const OAuthProviderOptions& o) {
  const std::string auth = choose_host(o.url, "id.twitch.tv");
  const std::string api = choose_host(o.url, "api.twitch.tv");
  OidcEndpoints e;
  e.issuer = api;
  e.authorization = auth + "/oauth2/authorize";
  e.token = auth + "/oauth2/token";
  e.userinfo = api + "/helix/users";
  return e;
}

std::vector<ApiRequest> requests(const OidcEndpoints& e, const OAuthProviderOptions& o,
                                 std::string_view) {
  const std::string client_id = o.client_ids.empty() ? std::string() : o.client_ids.front();
  return {{e.userinfo, {"Client-Id: " + client_id}}};
}

Result<ProviderIdentity> identity(std::span<const json::value> replies, const OidcEndpoints& e) {
  const auto* data = json_object_of(replies[0]).if_contains("data");
  if (data == nullptr || !data->is_array() || data->get_array().empty()) {
    return internal_error("Error getting user profile from external provider",
                          "Twitch /helix/users listed no user");
  }
  const json::object& u = json_object_of(data->get_array().front());
  std::vector<ProviderEmail> emails;
  if (const std::string email = json_text(u, "email"); !email.empty()) {
    emails.push_back({email, true, true});
  }
  const auto* views = u.if_contains("view_count");
  ProviderClaims c;
  c.iss = e.issuer;
  c.sub = json_text(u, "id");
  c.picture = json_text(u, "profile_image_url");
  c.name = json_text(u, "login");
  c.nickname = json_text(u, "display_name");
  c.custom_claims["broadcaster_type"] = json_text(u, "broadcaster_type");
  c.custom_claims["description"] = json_text(u, "description");
  c.custom_claims["type"] = json_text(u, "type");
  c.custom_claims["offline_image_url"] = json_text(u, "offline_image_url");
  c.custom_claims["view_count"] = views != nullptr && views->is_int64() ? views->get_int64() : 0;
  c.slug = c.nickname;
  c.avatar_url = c.picture;
  c.full_name = c.name;
  c.provider_id = c.sub;
  return provider_identity(std::move(c), emails);
}

}  // namespace

const OAuthProfile& twitch_profile() {
  static const OAuthProfile p{"twitch", {"user:read:email"}, true, false, endpoints, requests,
                              identity};
  return p;
}

}  // namespace basalt::auth
