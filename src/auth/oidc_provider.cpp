#include "auth/oidc_provider.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cctype>

#include "auth/azure.hpp"
#include "auth/oauth_profile.hpp"
#include "auth/oauth_urls.hpp"
#include "auth/twitter.hpp"
#include "jwt/jwt.hpp"
#include "jwt/public_jwks.hpp"

namespace basalt::auth {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

std::string text(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::string trim_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return out;
}

Error provider_error(std::string message, std::string internal) {
  Error e = Error::make(502, "provider_error", std::move(message));
  e.internal = std::move(internal);
  return e;
}

Result<json::object> json_object_reply(const HttpReply& reply, std::string_view what) {
  if (reply.status < 200 || reply.status >= 300) {
    return provider_error(std::string(what) + " failed",
                          std::string(what) + ": HTTP " + std::to_string(reply.status));
  }
  boost::system::error_code ec;
  json::value v = json::parse(reply.body, ec);
  if (ec || !v.is_object()) {
    return provider_error(std::string(what) + " failed",
                          std::string(what) + ": the answer is not a JSON object");
  }
  return std::move(v.as_object());
}

Error bad_token(std::string reason) {
  Error e = Error::make(400, "bad_id_token", reason);
  e.internal = std::move(reason);
  return e;
}

}  // namespace

std::string well_known_issuer(std::string_view provider) {
  struct Known {
    std::string_view name;
    std::string_view issuer;
  };
  static constexpr Known kKnown[] = {
      {"google", "https://accounts.google.com"},
      {"apple", "https://appleid.apple.com"},
      {"linkedin_oidc", "https://www.linkedin.com/oauth"},
      {"facebook", "https://www.facebook.com"},
      {"kakao", "https://kauth.kakao.com"},
      {"slack_oidc", "https://slack.com"},
      {"snapchat", "https://accounts.snapchat.com/accounts/oauth2/token"},
  };
  for (const auto& k : kKnown) {
    if (k.name == provider) return std::string(k.issuer);
  }
  return {};
}

std::string configured_issuer(std::string_view provider, const OAuthProviderOptions& o) {
  if (!o.issuer.empty()) return o.issuer;
  // A built-in OAuth 2.0 provider's `url` is where it signs in, not who issues its id_tokens.
  if (!o.url.empty() && oauth_profile(provider) == nullptr && !is_twitter(provider)) {
    return trim_slash(o.url);
  }
  return well_known_issuer(provider);
}

bool needs_discovery(const OAuthProviderOptions& o) {
  return o.authorization_url.empty() || o.token_url.empty() ||
         (o.jwks_url.empty() && o.userinfo_url.empty());
}

Result<OidcEndpoints> endpoints_from(const OAuthProviderOptions& o, const std::string& issuer,
                                     const json::object* discovery) {
  OidcEndpoints e;
  e.issuer = issuer;
  if (discovery != nullptr) {
    const std::string named = text(*discovery, "issuer");
    if (named.empty() || (!issuer.empty() && trim_slash(named) != trim_slash(issuer))) {
      return provider_error(
          "Provider discovery failed",
          "discovery document names issuer \"" + named + "\", expected \"" + issuer + "\"");
    }
    // Tokens carry the issuer exactly as the provider spells it.
    e.issuer = named;
    e.authorization = text(*discovery, "authorization_endpoint");
    e.token = text(*discovery, "token_endpoint");
    e.userinfo = text(*discovery, "userinfo_endpoint");
    e.jwks = text(*discovery, "jwks_uri");
    if (const auto* methods = discovery->if_contains("token_endpoint_auth_methods_supported");
        methods != nullptr && methods->is_array()) {
      bool basic = false;
      bool post = false;
      for (const auto& m : methods->get_array()) {
        if (!m.is_string()) continue;
        basic = basic || m.get_string() == "client_secret_basic";
        post = post || m.get_string() == "client_secret_post";
      }
      e.secret_in_body = post && !basic;
    }
  }
  if (!o.authorization_url.empty()) e.authorization = o.authorization_url;
  if (!o.token_url.empty()) e.token = o.token_url;
  if (!o.userinfo_url.empty()) e.userinfo = o.userinfo_url;
  if (!o.jwks_url.empty()) e.jwks = o.jwks_url;
  if (e.authorization.empty() || e.token.empty()) {
    return provider_error("Provider discovery failed",
                          "no authorization or token endpoint is configured or discovered");
  }
  return e;
}

HttpCall token_request(const OidcEndpoints& e, const OAuthProviderOptions& o, std::string_view code,
                       std::string_view code_verifier) {
  const std::string client_id = o.client_ids.empty() ? std::string() : o.client_ids.front();
  FormParams form{{"grant_type", "authorization_code"},
                  {"code", std::string(code)},
                  {"redirect_uri", o.redirect_uri}};
  if (!code_verifier.empty()) form.emplace_back("code_verifier", std::string(code_verifier));
  HttpCall call;
  call.method = "POST";
  call.url = e.token;
  call.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
  if (e.secret_in_body) {
    form.emplace_back("client_id", client_id);
    form.emplace_back("client_secret", o.secret);
  } else {
    // RFC 6749 §2.3.1: both parts form-encoded before Base64.
    call.headers.push_back("Authorization: Basic " +
                           base64(query_escape(client_id) + ":" + query_escape(o.secret)));
  }
  call.body = form_encode(form);
  return call;
}

Result<ProviderTokens> parse_token_response(const HttpReply& reply) {
  boost::system::error_code ec;
  json::value v = json::parse(reply.body, ec);
  if (ec && reply.body.find('=') != std::string::npos) {
    // RFC 6749 asks for JSON, but some providers (GitHub without Accept) answer with a form.
    json::object form;
    for (const auto& [k, val] : form_decode(reply.body)) form[k] = val;
    v = std::move(form);
    ec = {};
  }
  const json::object* o = !ec && v.is_object() ? &v.as_object() : nullptr;
  if (reply.status < 200 || reply.status >= 300 || o == nullptr) {
    std::string cause = "token endpoint: HTTP " + std::to_string(reply.status);
    if (o != nullptr && !text(*o, "error").empty()) {
      cause += " " + text(*o, "error");
      if (const std::string d = text(*o, "error_description"); !d.empty()) cause += ": " + d;
    }
    return provider_error("Code exchange failed", cause);
  }
  ProviderTokens t;
  t.access_token = text(*o, "access_token");
  t.refresh_token = text(*o, "refresh_token");
  t.id_token = text(*o, "id_token");
  if (t.access_token.empty()) {
    // GitHub reports a bad code with 200 and an error member.
    std::string cause = "token endpoint: no access_token";
    if (const std::string err = text(*o, "error"); !err.empty()) cause += " (" + err + ")";
    return provider_error("Code exchange failed", cause);
  }
  t.response = std::move(v.as_object());  // `o` points into `v`: its last use is above
  return t;
}

// ---------------------------------------------------------------------------------------

OidcProvider::OidcProvider(std::string name, OAuthProviderOptions options,
                           std::shared_ptr<HttpClient> http)
    : name_(std::move(name)), options_(std::move(options)), http_(std::move(http)) {}

std::string OidcProvider::client_id() const {
  return options_.client_ids.empty() ? std::string() : options_.client_ids.front();
}

asio::awaitable<Result<OidcEndpoints>> OidcProvider::endpoints(std::int64_t now) {
  if (const OAuthProfile* profile = oauth_profile(name_); profile != nullptr) {
    co_return profile_endpoints(*profile, options_);
  }
  if (is_azure(name_)) co_return azure_endpoints(options_);
  co_return co_await oidc_endpoints(now);
}

std::shared_ptr<OidcProvider> OidcProvider::for_issuer(const std::string& issuer) {
  std::lock_guard lock(mu_);
  auto it = issuers_.find(issuer);
  if (it != issuers_.end()) return it->second;
  if (issuers_.size() >= kMaxIssuerProviders) {
    // The oldest goes: the tenants signing in now stay cached.
    issuers_.erase(issuer_order_.front());
    issuer_order_.pop_front();
  }
  issuer_order_.push_back(issuer);
  OAuthProviderOptions o = options_;
  o.issuer = issuer;
  o.url.clear();
  o.authorization_url.clear();
  o.token_url.clear();
  o.userinfo_url.clear();
  o.jwks_url.clear();
  auto p = std::make_shared<OidcProvider>(name_, std::move(o), http_);
  issuers_.emplace(issuer, p);
  return p;
}

asio::awaitable<Result<OidcEndpoints>> OidcProvider::oidc_endpoints(std::int64_t now) {
  std::optional<OidcEndpoints> cached;
  {
    std::lock_guard lock(mu_);
    if (endpoints_ && now - endpoints_at_ < kOidcCacheSeconds) cached = endpoints_;
  }
  if (cached) co_return std::move(*cached);
  const std::string expected = issuer();
  if (!needs_discovery(options_)) {
    auto e = endpoints_from(options_, expected, nullptr);
    if (!e) co_return std::move(e).error();
    remember(*e, now);
    co_return e;
  }
  if (expected.empty()) {
    co_return provider_error("Provider discovery failed",
                             "no issuer, url or endpoints are configured for " + name_);
  }
  HttpCall call;
  call.url = trim_slash(expected) + "/.well-known/openid-configuration";
  call.headers = {"Accept: application/json"};
  auto reply = co_await send(std::move(call));
  if (!reply) co_return std::move(reply).error();
  auto doc = json_object_reply(*reply, "OpenID Connect discovery");
  if (!doc) co_return std::move(doc).error();
  auto e = endpoints_from(options_, expected, &*doc);
  if (!e) co_return std::move(e).error();
  remember(*e, now);
  co_return e;
}

asio::awaitable<Result<HttpReply>> OidcProvider::send(HttpCall call) {
  if (!http_) co_return provider_error("Provider request failed", "no HTTP client");
  co_return co_await http_->send(std::move(call));
}

void OidcProvider::remember(const OidcEndpoints& e, std::int64_t now) {
  std::lock_guard lock(mu_);
  endpoints_ = e;
  endpoints_at_ = now;
}

void OidcProvider::remember(std::shared_ptr<const jwt::KeySet> keys, std::int64_t now) {
  std::lock_guard lock(mu_);
  keys_ = std::move(keys);
  keys_at_ = now;
}

asio::awaitable<Result<ProviderTokens>> OidcProvider::exchange_code(std::string code,
                                                                    std::string code_verifier,
                                                                    std::int64_t now) {
  auto e = co_await endpoints(now);
  if (!e) co_return std::move(e).error();
  std::optional<bool> learned;
  {
    std::lock_guard lock(mu_);
    learned = secret_in_body_;
  }
  // Discovery (or the provider's profile) may name how the client authenticates; otherwise
  // HTTP Basic is tried first and then the form body, as Go's oauth2 package (which Supabase
  // Auth uses) probes, and what worked is kept.
  const bool probe = !e->secret_in_body && !learned;
  if (learned) e->secret_in_body = *learned;
  auto reply = co_await send(token_request(*e, options_, code, code_verifier));
  if (!reply) co_return std::move(reply).error();
  auto tokens = parse_token_response(*reply);
  if (probe && !tokens) {
    e->secret_in_body = true;
    auto again = co_await send(token_request(*e, options_, code, code_verifier));
    if (!again) co_return std::move(again).error();
    auto second = parse_token_response(*again);
    if (!second) co_return tokens;  // the first answer says more about what is wrong
    tokens = std::move(second);
  }
  if (probe && tokens) {
    std::lock_guard lock(mu_);
    secret_in_body_ = e->secret_in_body;
  }
  co_return tokens;
}

asio::awaitable<Result<json::object>> OidcProvider::userinfo(std::string access_token,
                                                             std::int64_t now) {
  auto e = co_await endpoints(now);
  if (!e) co_return std::move(e).error();
  if (e->userinfo.empty()) co_return json::object{};
  HttpCall call;
  call.url = e->userinfo;
  call.headers = {"Accept: application/json", "Authorization: Bearer " + access_token,
                  std::string(kProviderUserAgent)};
  auto reply = co_await send(std::move(call));
  if (!reply) co_return std::move(reply).error();
  co_return json_object_reply(*reply, "userinfo");
}

asio::awaitable<Result<json::value>> OidcProvider::api_get(std::string url,
                                                           std::string access_token,
                                                           std::vector<std::string> headers) {
  HttpCall call;
  call.url = std::move(url);
  call.headers = {"Accept: application/json", "Authorization: Bearer " + access_token,
                  std::string(kProviderUserAgent)};
  for (auto& h : headers) call.headers.push_back(std::move(h));
  auto reply = co_await send(std::move(call));
  if (!reply) co_return std::move(reply).error();
  if (reply->status < 200 || reply->status >= 300) {
    co_return provider_error("Provider request failed",
                             "provider API: HTTP " + std::to_string(reply->status));
  }
  boost::system::error_code ec;
  json::value v = json::parse(reply->body, ec);
  if (ec) co_return provider_error("Provider request failed", "provider API: not JSON");
  co_return v;
}

asio::awaitable<Result<std::shared_ptr<const jwt::KeySet>>> OidcProvider::keys(std::string url,
                                                                               std::int64_t now,
                                                                               bool refresh) {
  std::shared_ptr<const jwt::KeySet> cached;
  {
    std::lock_guard lock(mu_);
    const bool fresh = keys_ && now - keys_at_ < kOidcCacheSeconds;
    // A forced refresh (unknown kid) at most once a minute, so tokens naming made-up kids
    // cannot make Basalt hammer the provider.
    const bool may_refresh = !keys_ || now - keys_at_ >= 60;
    if (fresh && !(refresh && may_refresh)) cached = keys_;
  }
  if (cached) co_return cached;
  HttpCall call;
  call.url = url;
  call.headers = {"Accept: application/json"};
  auto reply = co_await send(std::move(call));
  if (!reply) co_return std::move(reply).error();
  if (reply->status < 200 || reply->status >= 300) {
    co_return provider_error("Fetching the provider's keys failed",
                             "jwks: HTTP " + std::to_string(reply->status));
  }
  auto parsed = jwt::parse_public_jwks(reply->body);
  if (!parsed) {
    co_return provider_error("Fetching the provider's keys failed",
                             "jwks: " + parsed.error().message);
  }
  auto set = std::make_shared<const jwt::KeySet>(std::move(parsed->keys));
  remember(set, now);
  co_return set;
}

asio::awaitable<Result<json::object>> OidcProvider::verify_id_token(
    std::string id_token, std::int64_t now, std::vector<std::string> issuers) {
  auto e = co_await oidc_endpoints(now);
  if (!e) co_return std::move(e).error();
  if (e->jwks.empty()) co_return bad_token("the provider publishes no JWK set");
  auto set = co_await keys(e->jwks, now, false);
  if (!set) co_return std::move(set).error();
  auto verified = jwt::verify_with_jwks(id_token, **set, now, kIdTokenLeewaySeconds);
  if (!verified) {
    // The provider may have rotated its keys since they were cached.
    const auto kind = jwt::verify_error_kind(verified.error());
    if (kind == jwt::VerifyError::bad_signature || kind == jwt::VerifyError::unsupported_alg) {
      auto again = co_await keys(e->jwks, now, true);
      if (!again) co_return std::move(again).error();
      if (again->get() != set->get()) {
        verified = jwt::verify_with_jwks(id_token, **again, now, kIdTokenLeewaySeconds);
      }
    }
  }
  if (!verified) co_return bad_token("id_token: " + verified.error().message);
  json::object claims = std::move(verified->claims);
  if (e->issuer.empty()) co_return bad_token("id_token: no issuer is known for the provider");
  if (issuers.empty()) issuers.push_back(e->issuer);
  const std::string iss = text(claims, "iss");
  if (std::none_of(issuers.begin(), issuers.end(),
                   [&](const std::string& i) { return trim_slash(iss) == trim_slash(i); })) {
    co_return bad_token("id_token: issuer \"" + iss + "\" is not \"" + e->issuer + "\"");
  }
  if (!claims.contains("exp")) co_return bad_token("id_token: no exp claim");
  co_return claims;
}

// ---------------------------------------------------------------------------------------

OidcProviders::OidcProviders(const std::map<std::string, OAuthProviderOptions>& providers,
                             std::shared_ptr<HttpClient> http) {
  for (const auto& [name, options] : providers) {
    providers_[lower(name)] = std::make_shared<OidcProvider>(lower(name), options, http);
  }
}

std::shared_ptr<OidcProvider> OidcProviders::find(std::string_view name) const {
  auto it = providers_.find(lower(name));
  return it == providers_.end() ? nullptr : it->second;
}

std::shared_ptr<OidcProvider> OidcProviders::find_by_issuer(std::string_view issuer) const {
  if (issuer.empty()) return nullptr;
  for (const auto& [name, p] : providers_) {
    // Built-in OAuth 2.0 providers that issue no id_tokens are never the answer.
    if (const OAuthProfile* profile = oauth_profile(name);
        (profile != nullptr && profile->id_token_identity == nullptr) || is_twitter(name)) {
      continue;
    }
    if (p->options().enabled && !p->issuer().empty() &&
        trim_slash(p->issuer()) == trim_slash(std::string(issuer))) {
      return p;
    }
  }
  return nullptr;
}

}  // namespace basalt::auth
