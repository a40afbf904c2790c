#include "auth/oauth_profile.hpp"

#include <cctype>

#include "auth/auth_error.hpp"
#include "auth/providers/providers.hpp"

namespace basalt::auth {

namespace json = boost::json;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void put(json::object& d, std::string_view key, const std::string& value) {
  if (!value.empty()) d[key] = value;
}

}  // namespace

Result<ProviderIdentity> provider_identity(ProviderClaims c,
                                           const std::vector<ProviderEmail>& emails) {
  if (c.sub.empty()) {
    return internal_error("Error getting user profile from external provider",
                          "the provider's user has no id");
  }
  ProviderIdentity out;
  out.sub = c.sub;
  // Every address goes to account linking, lower-cased. identity_data's is Supabase Auth's
  // rule: the first primary address, else the last one listed, in the provider's spelling.
  bool primary_seen = false;
  for (const auto& m : emails) {
    if (m.email.empty()) continue;
    out.emails.push_back({lower(m.email), m.verified, m.primary});
    if (primary_seen) continue;
    c.email = m.email;
    out.email = out.emails.back().email;
    out.email_verified = m.verified;
    primary_seen = m.primary;
  }

  json::object& d = out.data;
  put(d, "iss", c.iss);
  put(d, "sub", c.sub);
  put(d, "name", c.name);
  put(d, "nickname", c.nickname);
  put(d, "preferred_username", c.preferred_username);
  put(d, "profile", c.profile);
  put(d, "picture", c.picture);
  put(d, "website", c.website);
  put(d, "email", c.email);
  d["email_verified"] = out.email_verified;
  d["phone_verified"] = false;
  if (!c.custom_claims.empty()) d["custom_claims"] = std::move(c.custom_claims);
  put(d, "full_name", c.full_name);
  put(d, "avatar_url", c.avatar_url);
  put(d, "slug", c.slug);
  put(d, "provider_id", c.provider_id);
  put(d, "user_name", c.user_name);
  return out;
}

const OAuthProfile* oauth_profile(std::string_view provider) {
  static const OAuthProfile* const kProfiles[] = {
      &bitbucket_profile(), &discord_profile(),  &facebook_profile(), &figma_profile(),
      &fly_profile(),       &github_profile(),   &gitlab_profile(),   &kakao_profile(),
      &notion_profile(),    &snapchat_profile(), &spotify_profile(),  &twitch_profile(),
      &workos_profile(),    &x_profile(),        &zoom_profile(),
  };
  const std::string name = lower(provider);
  for (const OAuthProfile* p : kProfiles) {
    if (p->name == name) return p;
  }
  return nullptr;
}

OidcEndpoints profile_endpoints(const OAuthProfile& profile, const OAuthProviderOptions& o) {
  OidcEndpoints e = profile.endpoints(o);
  if (!o.authorization_url.empty()) e.authorization = o.authorization_url;
  if (!o.token_url.empty()) e.token = o.token_url;
  if (!o.userinfo_url.empty()) e.userinfo = o.userinfo_url;
  return e;
}

std::vector<ApiRequest> user_and_emails(const OidcEndpoints& e, const OAuthProviderOptions&,
                                        std::string_view) {
  return {{e.userinfo, {}}, {e.userinfo + "/emails", {}}};
}

std::vector<ApiRequest> profile_requests(const OAuthProfile& profile, const OidcEndpoints& e,
                                         const OAuthProviderOptions& o,
                                         std::string_view access_token) {
  if (profile.requests != nullptr) return profile.requests(e, o, access_token);
  return {ApiRequest{e.userinfo, {}}};
}

std::string choose_host(std::string_view url, std::string_view default_host) {
  if (url.empty()) return "https://" + std::string(default_host);
  std::string host(url);
  if (host.back() == '/') host.pop_back();
  return host;
}

std::string json_text(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

bool json_flag(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_bool() && v->get_bool();
}

std::string json_integer(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return {};
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return {};
}

const json::object& json_member(const json::object& o, std::string_view key) {
  static const json::object kEmpty;
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? v->get_object() : kEmpty;
}

std::string full_name_of(std::string_view first, std::string_view last) {
  std::string out = std::string(first) + " " + std::string(last);
  const auto begin = out.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  out.erase(out.find_last_not_of(" \t\r\n") + 1);
  return out.substr(begin);
}

const json::object& json_object_of(const json::value& v) {
  static const json::object kEmpty;
  return v.is_object() ? v.get_object() : kEmpty;
}

}  // namespace basalt::auth
