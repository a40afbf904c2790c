// Discord: discord.com/api (or `url` + /api) for sign-in (/oauth2/...) and the user
// (GET /users/@me: a string id, username, discriminator, global_name, avatar hash, email,
// verified). The picture is the CDN address Discord documents: the avatar hash (a_ prefix:
// GIF), else the default avatar numbered by the discriminator modulo 5.
#include <charconv>

#include "auth/auth_error.hpp"
#include "auth/providers/providers.hpp"

namespace basalt::auth {

namespace json = boost::json;

namespace {

OidcEndpoints endpoints(const OAuthProviderOptions& o) {
  const std::string api = choose_host(o.url, "discord.com") + "/api";
  OidcEndpoints e;
  e.issuer = api;
  e.authorization = api + "/oauth2/authorize";
  e.token = api + "/oauth2/token";
  e.userinfo = api + "/users/@me";
  return e;
}

Result<ProviderIdentity> identity(std::span<const json::value> replies, const OidcEndpoints& e) {
  const json::object& u = json_object_of(replies[0]);
  const std::string id = json_text(u, "id");
  const std::string username = json_text(u, "username");
  const std::string discriminator = json_text(u, "discriminator");
  const std::string avatar = json_text(u, "avatar");
  std::string picture;
  if (avatar.empty()) {
    long long n = 0;
    const char* end = discriminator.data() + discriminator.size();
    auto [ptr, ec] = std::from_chars(discriminator.data(), end, n);
    if (discriminator.empty() || ec != std::errc() || ptr != end) {
      return internal_error("Error getting user profile from external provider",
                            "Discord user has neither an avatar nor a numeric discriminator");
    }
    picture = "https://cdn.discordapp.com/embed/avatars/" + std::to_string(n % 5) + ".png";
  } else {
    picture = "https://cdn.discordapp.com/avatars/" + id + "/" + avatar +
              (avatar.starts_with("a_") ? ".gif" : ".png");
  }
  std::vector<ProviderEmail> emails;
  if (const std::string email = json_text(u, "email"); !email.empty()) {
    emails.push_back({email, json_flag(u, "verified"), true});
  }
  ProviderClaims c;
  c.iss = e.issuer;
  c.sub = id;
  c.name = username + "#" + discriminator;
  c.picture = picture;
  c.custom_claims["global_name"] = json_text(u, "global_name");
  c.avatar_url = picture;
  c.full_name = username;
  c.provider_id = id;
  return provider_identity(std::move(c), emails);
}

}  // namespace

const OAuthProfile& discord_profile() {
  static const OAuthProfile p{"discord", {"email", "identify"}, true, false, endpoints, nullptr,
                              identity};
  return p;
}

}  // namespace basalt::auth
