// Fly.io: api.fly.io (or `url`) for sign-in (/oauth/...) and the user, read from the token's
// own description (GET /oauth/token/info: user_id, user_name, email, resource_owner_id,
// organizations, application, scope, created_at, kept under custom_claims). Fly's addresses
// count as verified.
#include "auth/providers/providers.hpp"

namespace basalt::auth {

namespace json = boost::json;

namespace {

OidcEndpoints endpoints(const OAuthProviderOptions& o) {
  const std::string host = choose_host(o.url, "api.fly.io");
  OidcEndpoints e;
  e.issuer = host;
  e.authorization = host + "/oauth/authorize";
  e.token = host + "/oauth/token";
  e.userinfo = host + "/oauth/token/info";
  return e;
}

// A member as Go would have decoded it into the typed field: null (absent or of another type)
// gives the field's zero value.
json::value member_or(const json::object& o, std::string_view key, bool (json::value::*is)() const,
                      json::value zero) {
  const auto* v = o.if_contains(key);
  return v != nullptr && (v->*is)() ? *v : zero;
}

Result<ProviderIdentity> identity(std::span<const json::value> replies, const OidcEndpoints& e) {
  const json::object& u = json_object_of(replies[0]);
  std::vector<ProviderEmail> emails;
  ProviderClaims c;
  c.email = json_text(u, "email");
  if (!c.email.empty()) emails.push_back({c.email, true, true});
  c.iss = e.issuer;
  c.sub = json_text(u, "user_id");
  c.full_name = json_text(u, "user_name");
  c.provider_id = c.sub;
  // An array (even an empty one) stays one; absent, it is null, as Go encodes a nil slice.
  json::value organizations = nullptr;
  if (const auto* orgs = u.if_contains("organizations"); orgs != nullptr && orgs->is_array()) {
    json::array list;
    for (const auto& item : orgs->get_array()) {
      const json::object& org = json_object_of(item);
      list.push_back(json::object{{"id", json_text(org, "id")}, {"role", json_text(org, "role")}});
    }
    organizations = std::move(list);
  }
  c.custom_claims["resource_owner_id"] = json_text(u, "resource_owner_id");
  c.custom_claims["organizations"] = std::move(organizations);
  c.custom_claims["application"] = member_or(u, "application", &json::value::is_object, nullptr);
  c.custom_claims["scope"] = member_or(u, "scope", &json::value::is_array, nullptr);
  c.custom_claims["created_at"] = member_or(u, "created_at", &json::value::is_int64, 0);
  return provider_identity(std::move(c), emails);
}

}  // namespace

const OAuthProfile& fly_profile() {
  static const OAuthProfile p{"fly", {"read"}, true, false, endpoints, nullptr, identity};
  return p;
}

}  // namespace basalt::auth
