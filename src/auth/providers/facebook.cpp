// Facebook: www.facebook.com/dialog/oauth to sign in, graph.facebook.com for the token and the
// user (all `url` when set). The profile is GET /me?fields=email,first_name,last_name,name,
// picture with the appsecret_proof Facebook asks for (hex HMAC-SHA256 of the access token
// keyed by the app secret); that profile address (without the proof) is the identity's issuer,
// as Supabase Auth records it. Facebook only gives out confirmed addresses. Its Limited Login
// id_tokens (the id_token grant) come from https://www.facebook.com.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth/providers/providers.hpp"

namespace basalt::auth {

namespace json = boost::json;

namespace {

OidcEndpoints endpoints(const OAuthProviderOptions& o) {
  OidcEndpoints e;
  e.authorization = choose_host(o.url, "www.facebook.com") + "/dialog/oauth";
  e.token = choose_host(o.url, "graph.facebook.com") + "/oauth/access_token";
  e.userinfo = choose_host(o.url, "graph.facebook.com") +
               "/me?fields=email,first_name,last_name,name,picture";
  e.issuer = e.userinfo;
  return e;
}

std::string appsecret_proof(std::string_view secret, std::string_view access_token) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(access_token.data()), access_token.size(), mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 0xF];
  }
  return out;
}

std::vector<ApiRequest> requests(const OidcEndpoints& e, const OAuthProviderOptions& o,
                                 std::string_view access_token) {
  const char* joint = e.userinfo.find('?') == std::string::npos ? "?" : "&";
  return {{e.userinfo + joint + "appsecret_proof=" + appsecret_proof(o.secret, access_token), {}}};
}

// A Limited Login id_token, as Supabase Auth reads one: its address counts as verified.
Result<ProviderIdentity> id_token_identity(const json::object& claims) {
  std::vector<ProviderEmail> emails;
  ProviderClaims c;
  c.email = json_text(claims, "email");
  if (!c.email.empty()) emails.push_back({c.email, true, true});
  c.iss = json_text(claims, "iss");
  c.sub = json_text(claims, "sub");
  c.name = json_text(claims, "name");
  c.picture = json_text(claims, "picture");
  c.provider_id = c.sub;
  return provider_identity(std::move(c), emails);
}

Result<ProviderIdentity> identity(std::span<const json::value> replies, const OidcEndpoints& e) {
  const json::object& u = json_object_of(replies[0]);
  const std::string full = full_name_of(json_text(u, "first_name"), json_text(u, "last_name"));
  std::vector<ProviderEmail> emails;
  if (const std::string email = json_text(u, "email"); !email.empty()) {
    emails.push_back({email, true, true});
  }
  ProviderClaims c;
  c.iss = e.issuer;
  c.sub = json_text(u, "id");
  c.name = full;
  c.nickname = json_text(u, "name");
  c.picture = json_text(json_member(json_member(u, "picture"), "data"), "url");
  c.slug = c.nickname;
  c.avatar_url = c.picture;
  c.full_name = full;
  c.provider_id = c.sub;
  return provider_identity(std::move(c), emails);
}

}  // namespace

const OAuthProfile& facebook_profile() {
  static const OAuthProfile p{"facebook", {"email"}, true,     false,
                              endpoints,  requests,  identity, id_token_identity};
  return p;
}

}  // namespace basalt::auth
