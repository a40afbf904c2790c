// Figma: www.figma.com/oauth to sign in, api.figma.com for the token (/v1/oauth/token) and the
// user (GET /v1/me: id, handle, email, img_url); both `url` when set. Figma's addresses count
// as verified.
#include "auth/providers/providers.hpp"

namespace basalt::auth {

namespace json = boost::json;

namespace {

OidcEndpoints endpoints(const OAuthProviderOptions& o) {
  const std::string api = choose_host(o.url, "api.figma.com");
  OidcEndpoints e;
  e.issuer = api;
  e.authorization = choose_host(o.url, "www.figma.com") + "/oauth";
  e.token = api + "/v1/oauth/token";
  e.userinfo = api + "/v1/me";
  return e;
}

Result<ProviderIdentity> identity(std::span<const json::value> replies, const OidcEndpoints& e) {
  const json::object& u = json_object_of(replies[0]);
  std::vector<ProviderEmail> emails;
  ProviderClaims c;
  c.email = json_text(u, "email");
  if (!c.email.empty()) emails.push_back({c.email, true, true});
  c.iss = e.issuer;
  c.sub = json_text(u, "id");
  c.name = json_text(u, "handle");
  c.avatar_url = json_text(u, "img_url");
  c.full_name = c.name;
  c.provider_id = c.sub;
  return provider_identity(std::move(c), emails);
}

}  // namespace

const OAuthProfile& figma_profile() {
  static const OAuthProfile p{"figma", {"current_user:read"}, true, false, endpoints, nullptr,
                              identity};
  return p;
}

}  // namespace basalt::auth
