// Spotify: accounts.spotify.com to sign in (/authorize, /api/token), api.spotify.com/v1 for
// the user (GET /me: id, display_name, email, images); with `url` set, both are that URL. The
// picture is the largest image. Spotify does not verify addresses, so neither does the
// identity.
#include "auth/providers/providers.hpp"

namespace basalt::auth {

namespace json = boost::json;

namespace {

OidcEndpoints endpoints(const OAuthProviderOptions& o) {
  const std::string auth = choose_host(o.url, "accounts.spotify.com");
  const std::string api = choose_host(o.url, "api.spotify.com/v1");
  OidcEndpoints e;
  e.issuer = api;
  e.authorization = auth + "/authorize";
  e.token = auth + "/api/token";
  e.userinfo = api + "/me";
  return e;
}

std::int64_t dimension(const json::object& image, std::string_view key) {
  const auto* v = image.if_contains(key);
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}

Result<ProviderIdentity> identity(std::span<const json::value> replies, const OidcEndpoints& e) {
  const json::object& u = json_object_of(replies[0]);
  std::string picture;
  if (const auto* images = u.if_contains("images"); images != nullptr && images->is_array()) {
    double largest = -1;
    for (const auto& item : images->get_array()) {
      const json::object& image = json_object_of(item);
      // In floating point: the sizes come from the provider and may overflow a product.
      const double area = static_cast<double>(dimension(image, "height")) *
                          static_cast<double>(dimension(image, "width"));
      if (area > largest) {
        largest = area;
        picture = json_text(image, "url");
      }
    }
  }
  std::vector<ProviderEmail> emails;
  if (const std::string email = json_text(u, "email"); !email.empty()) {
    emails.push_back({email, false, true});
  }
  ProviderClaims c;
  c.iss = e.issuer;
  c.sub = json_text(u, "id");
  c.name = json_text(u, "display_name");
  c.picture = picture;
  c.avatar_url = picture;
  c.full_name = c.name;
  c.provider_id = c.sub;
  return provider_identity(std::move(c), emails);
}

}  // namespace

const OAuthProfile& spotify_profile() {
  static const OAuthProfile p{"spotify", {"user-read-email"}, true, false, endpoints, nullptr,
                              identity};
  return p;
}

}  // namespace basalt::auth
