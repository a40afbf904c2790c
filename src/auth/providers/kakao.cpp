// Kakao: kauth.kakao.com to sign in (/oauth/...; the secret goes in the form body, as Kakao
// wants), kapi.kakao.com for the user (GET /v2/user/me: an integer id and kakao_account with
// the profile's nickname and image and the address, verified when Kakao says it is both valid
// and verified); both `url` when set. Kakao's id_tokens (the id_token grant) are OpenID
// Connect, checked against https://kauth.kakao.com.
#include "auth/providers/providers.hpp"

namespace basalt::auth {

namespace json = boost::json;

namespace {

OidcEndpoints endpoints(const OAuthProviderOptions& o) {
  const std::string auth = choose_host(o.url, "kauth.kakao.com");
  const std::string api = choose_host(o.url, "kapi.kakao.com");
  OidcEndpoints e;
  e.issuer = api;
  e.authorization = auth + "/oauth/authorize";
  e.token = auth + "/oauth/token";
  e.userinfo = api + "/v2/user/me";
  e.secret_in_body = true;
  return e;
}

Result<ProviderIdentity> identity(std::span<const json::value> replies, const OidcEndpoints& e) {
  const json::object& u = json_object_of(replies[0]);
  const json::object& account = json_member(u, "kakao_account");
  const json::object& profile = json_member(account, "profile");
  std::vector<ProviderEmail> emails;
  if (const std::string email = json_text(account, "email"); !email.empty()) {
    emails.push_back(
        {email, json_flag(account, "is_email_verified") && json_flag(account, "is_email_valid"),
         true});
  }
  const std::string nickname = json_text(profile, "nickname");
  ProviderClaims c;
  c.iss = e.issuer;
  c.sub = json_integer(u, "id");
  c.name = nickname;
  c.preferred_username = nickname;
  c.avatar_url = json_text(profile, "profile_image_url");
  c.full_name = nickname;
  c.provider_id = c.sub;
  c.user_name = nickname;
  return provider_identity(std::move(c), emails);
}

// An id_token, as Supabase Auth reads Kakao's: the address counts as verified, the nickname is
// the name.
Result<ProviderIdentity> id_token_identity(const json::object& claims) {
  std::vector<ProviderEmail> emails;
  if (const std::string email = json_text(claims, "email"); !email.empty()) {
    emails.push_back({email, true, true});
  }
  ProviderClaims c;
  c.iss = json_text(claims, "iss");
  c.sub = json_text(claims, "sub");
  c.name = json_text(claims, "nickname");
  c.preferred_username = c.name;
  c.picture = json_text(claims, "picture");
  c.provider_id = c.sub;
  return provider_identity(std::move(c), emails);
}

}  // namespace

const OAuthProfile& kakao_profile() {
  static const OAuthProfile p{"kakao",   {"account_email", "profile_image", "profile_nickname"},
                              true,      false,
                              endpoints, nullptr,
                              identity,  id_token_identity};
  return p;
}

}  // namespace basalt::auth
