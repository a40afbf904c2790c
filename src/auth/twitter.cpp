#include "auth/twitter.hpp"

#include <boost/json/parse.hpp>

#include "auth/auth_error.hpp"
#include "auth/oauth1.hpp"
#include "auth/oauth_profile.hpp"
#include "auth/oauth_urls.hpp"
#include "auth/oidc_provider.hpp"

namespace basalt::auth {

namespace json = boost::json;

namespace {

// The query the profile request carries, as Supabase Auth sends it.
const OAuth1Params& profile_query() {
  static const OAuth1Params q = {
      {"include_entities", "false"}, {"skip_status", "true"}, {"include_email", "true"}};
  return q;
}

OAuth1Request signed_by(const OAuthProviderOptions& o, std::string method, std::string url,
                        const std::string& nonce, long long now) {
  OAuth1Request r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.consumer_key = o.client_ids.empty() ? std::string() : o.client_ids.front();
  r.consumer_secret = o.secret;
  r.nonce = nonce;
  r.timestamp = now;
  return r;
}

HttpCall call_for(const OAuth1Request& r, std::string url) {
  HttpCall c;
  c.method = r.method;
  c.url = std::move(url);
  c.headers = {"Authorization: " + oauth1_authorization(r), "Accept: application/json",
               std::string(kProviderUserAgent)};
  return c;
}

}  // namespace

bool is_twitter(std::string_view provider) {
  return provider == "twitter";
}

TwitterEndpoints twitter_endpoints(const OAuthProviderOptions& o) {
  const std::string host = choose_host(o.url, "api.twitter.com");
  return {host + "/oauth/request_token", host + "/oauth/authenticate", host + "/oauth/access_token",
          host + "/1.1/account/verify_credentials.json"};
}

HttpCall twitter_request_token_call(const OAuthProviderOptions& o, const std::string& callback,
                                    const std::string& nonce, long long now) {
  const std::string url = twitter_endpoints(o).request_token;
  OAuth1Request r = signed_by(o, "POST", url, nonce, now);
  r.extra_oauth = {{"oauth_callback", callback}};
  return call_for(r, url);
}

HttpCall twitter_access_token_call(const OAuthProviderOptions& o, const std::string& token,
                                   const std::string& token_secret, const std::string& verifier,
                                   const std::string& nonce, long long now) {
  const std::string url = twitter_endpoints(o).access_token;
  OAuth1Request r = signed_by(o, "POST", url, nonce, now);
  r.token = token;
  r.token_secret = token_secret;
  r.extra_oauth = {{"oauth_verifier", verifier}};
  return call_for(r, url);
}

HttpCall twitter_profile_call(const OAuthProviderOptions& o, const std::string& token,
                              const std::string& token_secret, const std::string& nonce,
                              long long now) {
  const std::string url = twitter_endpoints(o).profile;
  OAuth1Request r = signed_by(o, "GET", url, nonce, now);
  r.token = token;
  r.token_secret = token_secret;
  r.query_or_form = profile_query();
  std::string full = url;
  char sep = '?';
  for (const auto& [k, v] : profile_query()) {
    full += sep + oauth1_encode(k) + '=' + oauth1_encode(v);
    sep = '&';
  }
  return call_for(r, full);
}

Result<OAuth1Token> parse_oauth1_token(const HttpReply& reply, bool confirmed) {
  if (reply.status < 200 || reply.status >= 300) {
    return internal_error("OAuth 1.0a token request failed",
                          "token endpoint: HTTP " + std::to_string(reply.status));
  }
  const FormParams form = form_decode(reply.body);
  OAuth1Token t;
  t.token = form_value(form, "oauth_token");
  t.secret = form_value(form, "oauth_token_secret");
  if (t.token.empty()) {
    return internal_error("OAuth 1.0a token request failed", "token endpoint: no oauth_token");
  }
  if (confirmed && form_value(form, "oauth_callback_confirmed") != "true") {
    return internal_error("OAuth 1.0a token request failed",
                          "token endpoint: the callback was not confirmed");
  }
  return t;
}

Result<ProviderIdentity> twitter_identity(const HttpReply& reply, const std::string& profile_url) {
  if (reply.status < 200 || reply.status >= 300) {
    return internal_error(
        "Error getting user email from external provider",
        "a " + std::to_string(reply.status) + " error occurred with retrieving user from twitter");
  }
  boost::system::error_code ec;
  const json::value v = json::parse(reply.body, ec);
  static const json::object kEmpty;
  const json::object& u = !ec && v.is_object() ? v.as_object() : kEmpty;
  std::vector<ProviderEmail> emails;
  if (const std::string email = json_text(u, "email"); !email.empty()) {
    emails.push_back({email, true, true});
  }
  ProviderClaims c;
  c.iss = profile_url;
  c.sub = json_text(u, "id_str");
  c.name = json_text(u, "name");
  c.picture = json_text(u, "profile_image_url_https");
  c.preferred_username = json_text(u, "screen_name");
  c.user_name = c.preferred_username;
  c.full_name = c.name;
  c.avatar_url = c.picture;
  c.provider_id = c.sub;
  return provider_identity(std::move(c), emails);
}

}  // namespace basalt::auth
