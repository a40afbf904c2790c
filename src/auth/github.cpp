#include "auth/github.hpp"

#include <boost/json/object.hpp>
#include <cctype>

#include "auth/auth_error.hpp"

namespace basalt::auth {

namespace json = boost::json;

namespace {

std::string without_trailing_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string text(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

bool flag(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_bool() && v->get_bool();
}

// GitHub's user ids are integers; anything else (a fraction, a number past 64 bits, a string)
// is refused, as Supabase Auth's decoder refuses it.
std::string id_text(const json::value* v) {
  if (v == nullptr) return {};
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return {};
}

}  // namespace

bool is_github(std::string_view provider) {
  return lower(std::string(provider)) == "github";
}

std::string github_auth_host(const OAuthProviderOptions& o) {
  return o.url.empty() ? std::string("https://github.com") : without_trailing_slash(o.url);
}

std::string github_api_host(const OAuthProviderOptions& o) {
  if (o.url.empty()) return "https://api.github.com";
  std::string host = without_trailing_slash(o.url);
  if (!host.ends_with("api.github.com")) host += "/api/v3";
  return host;
}

OidcEndpoints github_endpoints(const OAuthProviderOptions& o) {
  OidcEndpoints e;
  e.issuer = github_api_host(o);
  e.authorization = o.authorization_url.empty() ? github_auth_host(o) + "/login/oauth/authorize"
                                                : o.authorization_url;
  e.token = o.token_url.empty() ? github_auth_host(o) + "/login/oauth/access_token" : o.token_url;
  e.userinfo = o.userinfo_url.empty() ? e.issuer + "/user" : o.userinfo_url;
  return e;
}

Result<ProviderIdentity> github_identity(const json::value& user, const json::value& emails,
                                         std::string_view api_host) {
  const Error bad_profile = internal_error("Error getting user profile from external provider", "");
  if (!user.is_object()) {
    Error e = bad_profile;
    e.internal = "GitHub /user is not an object";
    return e;
  }
  const json::object& u = user.as_object();
  ProviderIdentity out;
  out.sub = id_text(u.if_contains("id"));
  if (out.sub.empty()) {
    Error e = bad_profile;
    e.internal = "GitHub /user has no id";
    return e;
  }
  if (emails.is_array()) {
    for (const auto& item : emails.as_array()) {
      if (!item.is_object()) continue;
      const json::object& m = item.as_object();
      const std::string address = text(m, "email");
      if (address.empty()) continue;
      out.email = lower(address);
      out.email_verified = flag(m, "verified");
      if (flag(m, "primary")) break;
    }
  }

  const std::string login = text(u, "login");
  const std::string name = text(u, "name");
  const std::string avatar = text(u, "avatar_url");
  json::object& d = out.data;
  d["iss"] = std::string(api_host);
  d["sub"] = out.sub;
  if (!name.empty()) d["name"] = name;
  if (!login.empty()) d["preferred_username"] = login;
  if (!out.email.empty()) d["email"] = out.email;
  d["email_verified"] = out.email_verified;
  d["phone_verified"] = false;
  if (!name.empty()) d["full_name"] = name;
  if (!avatar.empty()) d["avatar_url"] = avatar;
  d["provider_id"] = out.sub;
  if (!login.empty()) d["user_name"] = login;
  return out;
}

}  // namespace basalt::auth
