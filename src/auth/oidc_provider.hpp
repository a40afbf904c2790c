// One OpenID Connect (or plain OAuth 2.0) provider of [auth.external.<name>], as the Auth
// service talks to it: its endpoints (configured, or found by discovery at
// <issuer>/.well-known/openid-configuration and cached), the authorization-code exchange at
// its token endpoint (client_secret_basic, or client_secret_post when that is all the provider
// supports), its userinfo endpoint, and id_token verification against its JWK set (fetched,
// cached for an hour, fetched again when a token names a key the cache lacks). Safe to share
// between threads; the HTTP goes through an HttpClient (oidc_http.hpp).
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "auth/oidc_http.hpp"
#include "auth/options.hpp"
#include "common/error.hpp"
#include "jwt/key_set.hpp"

namespace basalt::auth {

struct OidcEndpoints {
  std::string issuer;  // "" when neither configured nor discovered
  std::string authorization;
  std::string token;
  std::string userinfo;         // may be empty
  std::string jwks;             // may be empty
  bool secret_in_body = false;  // client_secret_post instead of client_secret_basic
};

struct ProviderTokens {
  std::string access_token;
  std::string refresh_token;
  std::string id_token;
  boost::json::object response;  // the whole answer (WorkOS puts the user's profile in it)
};

// How long discovery documents and JWK sets are kept.
inline constexpr std::int64_t kOidcCacheSeconds = 3600;
// Sent with requests that carry a user's access token (GitHub's API refuses requests without
// a User-Agent).
inline constexpr std::string_view kProviderUserAgent = "User-Agent: Basalt";
// How many issuers for_issuer() keeps.
inline constexpr std::size_t kMaxIssuerProviders = 256;
// Clock skew tolerated on id_token exp/nbf/iat.
inline constexpr std::int64_t kIdTokenLeewaySeconds = 30;

// The issuer Supabase Auth uses for a provider it knows by name ("google" ->
// https://accounts.google.com, ...), or "".
std::string well_known_issuer(std::string_view provider);

// The issuer of a provider's configuration: `issuer`, else `url`, else the well-known one.
std::string configured_issuer(std::string_view provider, const OAuthProviderOptions& o);

// Whether the configuration needs a discovery document to know its endpoints.
bool needs_discovery(const OAuthProviderOptions& o);

// The endpoints from the configuration and, when given, a discovery document (configured
// values win). Fails when the document names another issuer than `issuer` (OpenID Connect
// Discovery 1.0 §4.3) or when no authorization or token endpoint is known.
Result<OidcEndpoints> endpoints_from(const OAuthProviderOptions& o, const std::string& issuer,
                                     const boost::json::object* discovery);

// The token endpoint's request for an authorization code: form body and headers.
HttpCall token_request(const OidcEndpoints& e, const OAuthProviderOptions& o, std::string_view code,
                       std::string_view code_verifier);
// Its JSON answer; an Error (internal: the provider's error) when it has no access_token.
Result<ProviderTokens> parse_token_response(const HttpReply& reply);

class OidcProvider {
 public:
  OidcProvider(std::string name, OAuthProviderOptions options, std::shared_ptr<HttpClient> http);

  const std::string& name() const { return name_; }
  const OAuthProviderOptions& options() const { return options_; }
  // The client id Basalt presents (the first of client_id's comma-separated list).
  std::string client_id() const;
  // The issuer tokens must name ("" when unknown before discovery).
  std::string issuer() const { return configured_issuer(name_, options_); }

  // The endpoints of the sign-in flow: a built-in OAuth 2.0 provider's (oauth_profile.hpp), or
  // oidc_endpoints().
  boost::asio::awaitable<Result<OidcEndpoints>> endpoints(std::int64_t now);
  // The OpenID Connect endpoints: configured, or by discovery at the issuer. id_tokens are
  // checked against these (Facebook and Kakao sign in by OAuth 2.0 but issue OIDC id_tokens).
  boost::asio::awaitable<Result<OidcEndpoints>> oidc_endpoints(std::int64_t now);
  boost::asio::awaitable<Result<ProviderTokens>> exchange_code(std::string code,
                                                               std::string code_verifier,
                                                               std::int64_t now);
  boost::asio::awaitable<Result<boost::json::object>> userinfo(std::string access_token,
                                                               std::int64_t now);
  // GET `url` with the user's access token (and `headers`); its JSON (any value) when the
  // status is 2xx.
  boost::asio::awaitable<Result<boost::json::value>> api_get(std::string url,
                                                             std::string access_token,
                                                             std::vector<std::string> headers);
  // A provider for an issuer known only from a token (each Azure tenant issues its own
  // id_tokens): this one's client, that issuer's discovery and keys. Kept for reuse (up to
  // kMaxIssuerProviders, then the oldest is dropped). Callers check the issuer's shape first.
  std::shared_ptr<OidcProvider> for_issuer(const std::string& issuer);
  // Signature (RS256/ES256 by the provider's JWKS), iss and exp/nbf/iat; sub, audience and
  // nonce are the caller's. Errors: 400 with the reason in `message` (logged, not shown).
  // `issuers`, when not empty, replaces the provider's issuer as the accepted `iss` values
  // (Apple's tokens name either of two).
  boost::asio::awaitable<Result<boost::json::object>> verify_id_token(
      std::string id_token, std::int64_t now, std::vector<std::string> issuers = {});
  // Any request to the provider (Twitter's OAuth 1.0a steps): its reply of any status.
  boost::asio::awaitable<Result<HttpReply>> send(HttpCall call);

 private:
  boost::asio::awaitable<Result<std::shared_ptr<const jwt::KeySet>>> keys(std::string url,
                                                                          std::int64_t now,
                                                                          bool refresh);
  void remember(const OidcEndpoints& e, std::int64_t now);
  void remember(std::shared_ptr<const jwt::KeySet> keys, std::int64_t now);

  std::string name_;
  OAuthProviderOptions options_;
  std::shared_ptr<HttpClient> http_;
  std::mutex mu_;  // guards the caches below; never held across a co_await
  std::optional<OidcEndpoints> endpoints_;
  std::int64_t endpoints_at_ = 0;
  std::shared_ptr<const jwt::KeySet> keys_;
  std::int64_t keys_at_ = 0;
  std::optional<bool> secret_in_body_;  // how the token endpoint took the secret, once probed
  std::map<std::string, std::shared_ptr<OidcProvider>> issuers_;  // for_issuer()
  std::deque<std::string> issuer_order_;                          // issuers_'s keys, oldest first
};

// The configured providers by name. `http` may be null when no provider is enabled (only
// enabled providers make requests).
class OidcProviders {
 public:
  OidcProviders(const std::map<std::string, OAuthProviderOptions>& providers,
                std::shared_ptr<HttpClient> http);
  // Case-insensitive, as Supabase Auth lower-cases provider names; nullptr when unknown.
  std::shared_ptr<OidcProvider> find(std::string_view name) const;
  // The enabled provider whose configured issuer is `issuer`, or nullptr.
  std::shared_ptr<OidcProvider> find_by_issuer(std::string_view issuer) const;

 private:
  std::map<std::string, std::shared_ptr<OidcProvider>> providers_;
};

}  // namespace basalt::auth
