// Sign-in with OAuth / OpenID Connect providers ([auth.external.<name>]), as Supabase Auth
// does it: GET /authorize sends the browser to the provider, GET|POST /callback takes the
// provider's code back, exchanges it, reads the user from the verified id_token and/or the
// userinfo endpoint, and ends at the app with tokens in the fragment (implicit flow) or a
// ?code= to exchange (PKCE); POST /token?grant_type=id_token signs in with an id_token the app
// obtained itself (signInWithIdToken). The user and identity are found or created, and the
// session started, by one call of _basalt.auth_oauth_sign_in (R_auth_oauth.sql).
#include <fmt/format.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cctype>

#include "auth/apple.hpp"
#include "auth/auth_error.hpp"
#include "auth/azure.hpp"
#include "auth/oauth1.hpp"
#include "auth/oauth_claims.hpp"
#include "auth/oauth_profile.hpp"
#include "auth/oauth_state.hpp"
#include "auth/oauth_urls.hpp"
#include "auth/oidc_provider.hpp"
#include "auth/pkce.hpp"
#include "auth/service.hpp"
#include "auth/sql.hpp"
#include "auth/twitter.hpp"
#include "auth/user_json.hpp"
#include "common/log.hpp"

namespace basalt::auth {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// Query parameters of /authorize that are Basalt's (or the flow's) own, never forwarded.
constexpr std::string_view kOwnParams[] = {
    "provider", "scopes",        "redirect_to", "code_challenge", "code_challenge_method",
    "apikey",   "invite_token",  "client_id",   "client_secret",  "redirect_uri",
    "scope",    "response_type", "state",       "code_verifier",  "nonce",
};

// Providers Supabase Auth accepts id_tokens from, with their fixed issuers.
constexpr std::string_view kIdTokenProviders[] = {
    "apple", "google", "azure", "facebook", "keycloak", "kakao", "vercel_marketplace", "snapchat",
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

http::Response found(const std::string& location, http::HttpStatus status) {
  auto res = http::make_response(status, "");
  res.erase(http::beast_http::field::content_type);
  res.set(http::beast_http::field::location, location);
  return res;
}

// GoTrue's oauthErrorMap and its special cases: the `error` an error redirect carries.
std::string redirect_error_name(const Error& e) {
  if (is_oauth_error(e)) return e.code;
  if (e.code == "signup_disabled" || e.code == "user_banned" ||
      e.code == "provider_email_needs_verification") {
    return "access_denied";
  }
  switch (e.status) {
    case 400:
      return "invalid_request";
    case 401:
      return "unauthorized_client";
    case 403:
      return "access_denied";
    case 503:
      return "temporarily_unavailable";
    default:
      return "server_error";
  }
}

// The Error for an {"error": code} row of _basalt.auth_oauth_sign_in.
Error sign_in_error(std::string_view code, std::string_view provider) {
  const std::string p(provider);
  if (code == "signup_disabled") {
    return unprocessable("signup_disabled", "Signups not allowed for this instance");
  }
  if (code == "user_banned") return forbidden("user_banned", "User is banned");
  if (code == "provider_email_needs_verification") {
    return unprocessable(
        "provider_email_needs_verification",
        "Unverified email with " + p + ". Verify the email with " + p + " in order to sign in");
  }
  if (code == "email_not_confirmed") {
    return unprocessable(
        "email_not_confirmed",
        "Unverified email with " + p + ". Verify the email with " + p + " in order to sign in");
  }
  if (code == "multiple_accounts") {
    return internal_error(
        "Multiple accounts with the same email address in the same linking domain detected: "
        "default",
        "multiple accounts");
  }
  if (code == "flow_state_not_found") {
    return bad_request("bad_oauth_state", "OAuth state not found or expired");
  }
  if (code == "flow_state_already_used") {
    return bad_request("flow_state_already_used", "State has already been used");
  }
  if (code == "identity_already_linked") {
    return unprocessable("identity_already_exists", "Identity is already linked");
  }
  if (code == "identity_linked_to_other") {
    return unprocessable("identity_already_exists", "Identity is already linked to another user");
  }
  if (code == "email_exists") {
    return bad_request("email_exists",
                       "A user with this email address has already been registered");
  }
  return sql_error(code);
}

std::string text(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

void log_cause(const AuthRequest& rq, std::string_view what, const Error& e) {
  log::warn("request_id={} oauth: {}: {}", rq.ex->request_id, what,
            e.internal.empty() ? e.message : e.internal);
}

// The provider a request names, checked as Supabase Auth's Provider() does.
Result<std::shared_ptr<OidcProvider>> usable_provider(const std::shared_ptr<OidcProviders>& all,
                                                      std::string_view name) {
  auto p = all ? all->find(name) : nullptr;
  if (!p) {
    // Supabase Auth knows its built-in providers even when they are not configured: those are
    // "not enabled"; any other name "could not be found".
    static constexpr std::string_view kBuiltIn[] = {
        "apple",      "azure",         "bitbucket", "discord",  "facebook", "figma",
        "fly",        "github",        "gitlab",    "google",   "kakao",    "keycloak",
        "linkedin",   "linkedin_oidc", "notion",    "snapchat", "spotify",  "slack",
        "slack_oidc", "twitch",        "twitter",   "x",        "workos",   "zoom"};
    const std::string n = lower(name);
    for (std::string_view b : kBuiltIn) {
      if (n == b) {
        return bad_request("validation_failed", "Unsupported provider: provider is not enabled");
      }
    }
    return bad_request("validation_failed",
                       "Unsupported provider: Provider " + n + " could not be found");
  }
  const auto& o = p->options();
  if (!o.enabled)
    return bad_request("validation_failed", "Unsupported provider: provider is not enabled");
  if (o.client_ids.empty()) {
    return bad_request("validation_failed", "Unsupported provider: missing OAuth client ID");
  }
  if (o.secret.empty()) {
    return bad_request("validation_failed", "Unsupported provider: missing OAuth secret");
  }
  return p;
}

Error profile_error(std::string internal) {
  return internal_error("Error getting user profile from external provider", std::move(internal));
}

// The user an OpenID Connect provider names: the id_token, when the provider sends one and
// publishes its keys (signature, issuer, audience and this flow's nonce), and/or userinfo.
asio::awaitable<Result<ProviderIdentity>> oidc_profile(OidcProvider& p, const OidcEndpoints& e,
                                                       const ProviderTokens& tokens,
                                                       const OAuthState& state,
                                                       std::string_view key, std::int64_t now) {
  const OAuthProviderOptions& po = p.options();
  json::object id_claims;
  if (!tokens.id_token.empty() && !e.jwks.empty()) {
    auto verified = co_await p.verify_id_token(tokens.id_token, now);
    if (!verified) co_return profile_error(verified.error().internal);
    id_claims = std::move(*verified);
    if (!audience_accepted(id_claims.if_contains("aud"), po.client_ids)) {
      co_return profile_error("id_token audience " + audience_text(id_claims.if_contains("aud")));
    }
    if (!po.skip_nonce_check && text(id_claims, "nonce") != oauth_nonce(state, key)) {
      co_return profile_error("id_token nonce does not match the flow's");
    }
  }
  json::object info;
  if (!e.userinfo.empty()) {
    auto fetched = co_await p.userinfo(tokens.access_token, now);
    if (fetched) {
      info = std::move(*fetched);
    } else if (id_claims.empty()) {
      co_return profile_error(fetched.error().internal);
    }
  }
  if (id_claims.empty() && info.empty()) {
    co_return profile_error("the provider sent neither a verifiable id_token nor userinfo");
  }
  co_return identity_from_claims(id_claims, info);
}

// What a sign-in flow's verified id_token must also hold: this client as audience, this flow's
// nonce (unless skip_nonce_check), and an at_hash, when it has one, of the access token.
Status check_flow_id_token(const json::object& claims, const OAuthProviderOptions& po,
                           const OAuthState& state, std::string_view key,
                           const std::string& access_token) {
  if (!audience_accepted(claims.if_contains("aud"), po.client_ids)) {
    return profile_error("id_token audience " + audience_text(claims.if_contains("aud")));
  }
  if (!po.skip_nonce_check && text(claims, "nonce") != oauth_nonce(state, key)) {
    return profile_error("id_token nonce does not match the flow's");
  }
  if (!text(claims, "at_hash").empty() && !at_hash_matches(text(claims, "at_hash"), access_token)) {
    return profile_error("id_token at_hash does not match the access token");
  }
  return {};
}

// The user Microsoft names in the id_token of the token response: verified with the keys of
// the tenant that issued it (azure.hpp), for this client and this flow's nonce.
asio::awaitable<Result<ProviderIdentity>> azure_profile(OidcProvider& p,
                                                        const ProviderTokens& tokens,
                                                        const OAuthState& state,
                                                        std::string_view key, std::int64_t now) {
  const OAuthProviderOptions& po = p.options();
  if (tokens.id_token.empty())
    co_return profile_error("azure: no OIDC ID token present in response");
  auto issuer = azure_token_issuer(tokens.id_token, po);
  if (!issuer) co_return std::move(issuer).error();
  // (Held in a local across the co_await: the cache may drop its own reference meanwhile.)
  const std::shared_ptr<OidcProvider> tenant = p.for_issuer(*issuer);
  auto verified = co_await tenant->verify_id_token(tokens.id_token, now);
  if (!verified) co_return profile_error(verified.error().internal);
  const json::object& claims = *verified;
  if (auto checked = check_flow_id_token(claims, po, state, key, tokens.access_token); !checked) {
    co_return std::move(checked).error();
  }
  co_return azure_identity(claims);
}

// The user Apple names in the id_token of the token response (Apple has no userinfo), for this
// client and this flow's nonce; `user_form` is the callback's `user` field (the first sign-in's
// name).
asio::awaitable<Result<ProviderIdentity>> apple_profile(OidcProvider& p,
                                                        const ProviderTokens& tokens,
                                                        const OAuthState& state,
                                                        std::string_view key, std::int64_t now,
                                                        std::string user_form) {
  const OAuthProviderOptions& po = p.options();
  if (tokens.id_token.empty()) co_return profile_error("apple: no id_token in the token response");
  auto verified =
      co_await p.verify_id_token(tokens.id_token, now, apple_accepted_issuers(p.issuer()));
  if (!verified) co_return profile_error(verified.error().internal);
  const json::object& claims = *verified;
  if (auto checked = check_flow_id_token(claims, po, state, key, tokens.access_token); !checked) {
    co_return std::move(checked).error();
  }
  co_return apple_identity(claims, user_form);
}

// The user as a built-in OAuth 2.0 provider's API describes it: its requests, in order, then
// the profile's reading of their answers.
asio::awaitable<Result<ProviderIdentity>> api_profile(OidcProvider& p, const OAuthProfile& profile,
                                                      const OidcEndpoints& e,
                                                      const ProviderTokens& tokens) {
  std::vector<json::value> replies;
  if (profile.profile_in_token) {
    replies.emplace_back(tokens.response);
    co_return profile.identity(replies, e);
  }
  const std::string& access_token = tokens.access_token;
  std::vector<ApiRequest> requests = profile_requests(profile, e, p.options(), access_token);
  for (auto& request : requests) {
    auto reply =
        co_await p.api_get(std::move(request.url), access_token, std::move(request.headers));
    if (!reply) co_return profile_error(reply.error().internal);
    replies.push_back(std::move(*reply));
  }
  co_return profile.identity(replies, e);
}

// Who signed in at the provider, and the provider's tokens (for provider_token).
struct ProviderUser {
  ProviderTokens tokens;
  ProviderIdentity identity;
};

// An OAuth 2.0 / OpenID Connect callback's code: exchanged, then the user as the provider's
// kind tells it (a built-in's API, Microsoft's or Apple's id_token, or OpenID Connect).
asio::awaitable<Result<ProviderUser>> code_flow_user(OidcProvider& p, std::string code,
                                                     const OAuthState& state, std::string key,
                                                     std::int64_t now, std::string user_form) {
  const OAuthProfile* profile = oauth_profile(p.name());
  const bool apple = is_apple(p.name());
  // (Named first: GCC 12 mishandles a conditional's temporary passed into a coroutine.)
  std::string verifier;
  if (profile != nullptr ? profile->pkce : !apple) verifier = provider_code_verifier(state, key);
  auto tokens = co_await p.exchange_code(code, std::move(verifier), now);
  if (!tokens) {
    co_return internal_error("Unable to exchange external code: " + code.substr(0, 4),
                             tokens.error().internal);
  }
  auto endpoints = co_await p.endpoints(now);
  if (!endpoints) {
    co_return internal_error("Error getting user profile from external provider",
                             endpoints.error().internal);
  }
  Result<ProviderIdentity> identity = profile_error("");
  if (profile != nullptr) {
    identity = co_await api_profile(p, *profile, *endpoints, *tokens);
  } else if (is_azure(p.name())) {
    identity = co_await azure_profile(p, *tokens, state, key, now);
  } else if (apple) {
    identity = co_await apple_profile(p, *tokens, state, key, now, std::move(user_form));
  } else {
    identity = co_await oidc_profile(p, *endpoints, *tokens, state, key, now);
  }
  if (!identity) co_return std::move(identity).error();
  co_return ProviderUser{std::move(*tokens), std::move(*identity)};
}

// Twitter's OAuth 1.0a callback: the flow's request token (and its secret) and the verifier
// become an access token, which reads the user (twitter.hpp). GoTrue's errors: 500 "Unable to
// retrieve access token", then "Error getting user email from external provider".
asio::awaitable<Result<ProviderUser>> twitter_user(OidcProvider& p, std::string token,
                                                   std::string secret, std::string verifier,
                                                   std::int64_t now) {
  const OAuthProviderOptions& o = p.options();
  auto reply =
      co_await p.send(twitter_access_token_call(o, token, secret, verifier, random_token(32), now));
  if (!reply) co_return internal_error("Unable to retrieve access token", reply.error().internal);
  auto access = parse_oauth1_token(*reply);
  if (!access) co_return internal_error("Unable to retrieve access token", access.error().internal);
  auto profile = co_await p.send(
      twitter_profile_call(o, access->token, access->secret, random_token(32), now));
  if (!profile) {
    co_return internal_error("Error getting user email from external provider",
                             profile.error().internal);
  }
  auto identity = twitter_identity(*profile, twitter_endpoints(o).profile);
  if (!identity) co_return std::move(identity).error();
  ProviderTokens tokens;
  tokens.access_token = access->token;
  co_return ProviderUser{std::move(tokens), std::move(*identity)};
}

// Twitter's OAuth 1.0a authorization, first step: a request token whose callback carries the
// signed state.
asio::awaitable<Result<OAuth1Token>> twitter_request_token(OidcProvider& p, const OAuthState& state,
                                                           std::string key, std::int64_t now) {
  const OAuthProviderOptions& o = p.options();
  std::string callback = o.redirect_uri;
  callback += callback.find('?') == std::string::npos ? '?' : '&';
  callback += "state=" + oauth1_encode(encode_oauth_state(state, key));
  auto reply = co_await p.send(twitter_request_token_call(o, callback, random_token(32), now));
  if (!reply) co_return internal_error("Error getting request token", reply.error().internal);
  auto token = parse_oauth1_token(*reply, /*confirmed=*/true);
  if (!token) co_return internal_error("Error getting request token", token.error().internal);
  co_return token;
}

// The provider's authorization request: Basalt's parameters, then anything else the app put
// in its query (prompt, login_hint, access_type, ...).
FormParams authorize_params(const OidcProvider& p, const OAuthState& state, std::string_view key,
                            std::string_view query) {
  const FormParams in = form_decode(query);
  FormParams params;
  if (const OAuthProfile* profile = oauth_profile(p.name()); profile != nullptr) {
    // Plain OAuth 2.0 as Supabase Auth talks to this provider: its scopes, no nonce, PKCE only
    // where the provider wants it.
    const std::string scope = oauth_scope(
        p.options().scopes, profile->takes_scopes ? form_value(in, "scopes") : std::string(),
        profile->scopes);
    params = {
        {"client_id", p.client_id()},
        {"redirect_uri", p.options().redirect_uri},
        {"response_type", "code"},
    };
    if (!scope.empty()) params.emplace_back("scope", scope);
    params.emplace_back("state", encode_oauth_state(state, key));
    if (profile->pkce) {
      params.emplace_back("code_challenge",
                          pkce_s256_challenge(provider_code_verifier(state, key)));
      params.emplace_back("code_challenge_method", "S256");
    }
  } else if (is_apple(p.name())) {
    // Apple: its two scopes (the app's `scopes` are not passed on, as in Supabase Auth), the
    // code POSTed back, no PKCE.
    params = {
        {"client_id", p.client_id()},
        {"redirect_uri", p.options().redirect_uri},
        {"response_type", "code"},
        {"scope", oauth_scope(p.options().scopes, "", {"email", "name"})},
        {"response_mode", "form_post"},
        {"state", encode_oauth_state(state, key)},
        {"nonce", oauth_nonce(state, key)},
    };
  } else {
    params = {
        {"client_id", p.client_id()},
        {"redirect_uri", p.options().redirect_uri},
        {"response_type", "code"},
        {"scope",
         oauth_scope(p.options().scopes, form_value(in, "scopes"),
                     is_azure(p.name()) ? std::vector<std::string>{"openid"}
                                        : std::vector<std::string>{"openid", "email", "profile"})},
        {"state", encode_oauth_state(state, key)},
        {"nonce", oauth_nonce(state, key)},
        {"code_challenge", pkce_s256_challenge(provider_code_verifier(state, key))},
        {"code_challenge_method", "S256"},
    };
  }
  // Apple's request is exactly Supabase Auth's: nothing of the app's is passed on.
  if (is_apple(p.name())) return params;
  for (const auto& [k, v] : in) {
    const std::string lk = lower(k);
    if (std::find(std::begin(kOwnParams), std::end(kOwnParams), lk) != std::end(kOwnParams)) {
      continue;
    }
    // WorkOS's own `provider` (GoogleOAuth, ...) travels as workos_provider, as in Supabase Auth.
    if (k == "workos_provider" && p.name() == "workos") {
      params.emplace_back("provider", v);
      continue;
    }
    params.emplace_back(k, v);
  }
  return params;
}

// The argument of _basalt.auth_oauth_sign_in for an identity (see R_auth_oauth.sql): the
// address a new user gets and the addresses that may link it to an existing one, as
// linking_emails() picks them; identity_data keeps its own address for manual linking.
json::object sign_in_arg(std::string_view provider, const ProviderIdentity& identity,
                         const AuthOptions& options, bool email_optional, const AuthRequest& rq) {
  const LinkingEmails linking = linking_emails(identity.emails, options.mailer_autoconfirm);
  json::array linkable;
  for (const auto& e : linking.linkable) linkable.emplace_back(e);
  return Obj()("provider", provider)("sub", identity.sub)("identity_data", identity.data)(
      "email", linking.candidate)("email_verified", linking.candidate_verified)(
      "linking_emails", std::move(linkable))("aud", options.aud)(
      "autoconfirm", options.mailer_autoconfirm)("enable_signup", options.enable_signup)(
      "email_optional", email_optional)("refresh_token", random_token(12))("ip", rq.ip)(
      "user_agent", rq.user_agent);
}

}  // namespace

std::shared_ptr<OidcProviders> make_oidc_providers(const AuthOptions& options) {
  if (options.oauth_providers.empty()) return nullptr;
  // Disabled providers never make requests: without an enabled one, no worker threads.
  const bool any_enabled =
      std::any_of(options.oauth_providers.begin(), options.oauth_providers.end(),
                  [](const auto& kv) { return kv.second.enabled; });
  return std::make_shared<OidcProviders>(
      options.oauth_providers, any_enabled ? std::make_shared<CurlHttpClient>() : nullptr);
}

// ---------------------------------------------------------------------------------------
// GET /authorize?provider=&redirect_to=&scopes=&code_challenge=&code_challenge_method=

asio::awaitable<Result<std::string>> AuthService::provider_redirect(AuthRequest& rq,
                                                                    std::string link_user) {
  auto provider = usable_provider(oidc_, param(rq, "provider"));
  if (!provider) co_return std::move(provider).error();
  const std::shared_ptr<OidcProvider> p = *provider;
  const std::string redirect = redirect_param(rq, redirects_);
  const std::string challenge = param(rq, "code_challenge");
  auto pkce = validate_pkce_params(param(rq, "code_challenge_method"), challenge);
  if (!pkce) co_return std::move(pkce).error();

  const bool twitter = is_twitter(p->name());
  Result<OidcEndpoints> endpoints = OidcEndpoints{};
  if (!twitter) {
    endpoints = co_await p->endpoints(rq.now);
    if (!endpoints) {
      Error e = bad_request("validation_failed",
                            "Unsupported provider: could not load the provider's configuration");
      e.internal = endpoints.error().internal;
      co_return e;
    }
  }

  std::string flow_state_id;
  if (*pkce) {
    json::object arg = Obj()("provider", p->name())("challenge", challenge)(
        "method", pkce_method_name(**pkce))("referrer", redirect);
    auto row = co_await call_json(sql::oauth_flow_start, arg);
    if (!row) co_return std::move(row).error();
    if (!row->is_object()) co_return internal_error("Error creating flow state", "no flow row");
    flow_state_id = text(row->as_object(), "id");
  }

  const std::string key = oauth_state_key(options_.jwt_secret);
  OAuthState state = new_oauth_state(p->name(), redirect, flow_state_id, rq.now);
  state.link_user = std::move(link_user);
  if (twitter) {
    // The request token waits in Postgres for this flow's callback, on whichever node.
    auto token = co_await twitter_request_token(*p, state, key, rq.now);
    if (!token) co_return std::move(token).error();
    std::vector<db::Param> save{state.id, token->token, token->secret};
    auto saved = co_await call(sql::oauth1_save, std::move(save));
    if (!saved) co_return std::move(saved).error();
    co_return twitter_endpoints(p->options()).authenticate +
        "?oauth_token=" + oauth1_encode(token->token);
  }
  const FormParams params = authorize_params(*p, state, key, rq.ex->query);
  co_return authorization_url(endpoints->authorization, params);
}

asio::awaitable<AuthService::Reply> AuthService::authorize(AuthRequest& rq) {
  auto url = co_await provider_redirect(rq, "");
  if (!url) co_return std::move(url).error();
  co_return found(*url, http::HttpStatus::found);
}

// ---------------------------------------------------------------------------------------
// GET /user/identities/authorize?provider=... (manual linking): the same trip to the provider
// for the signed-in user, whose account gets the identity at /callback. With
// skip_http_redirect=true the URL comes back as JSON (supabase-js linkIdentity).

asio::awaitable<AuthService::Reply> AuthService::link_identity(AuthRequest& rq) {
  auto caller = co_await authenticate(rq);
  if (!caller) co_return std::move(caller).error();
  if (!options_.enable_manual_linking) {
    co_return not_found("manual_linking_disabled", "Manual linking is disabled");
  }
  auto url = co_await provider_redirect(rq, caller->user_id);
  if (!url) co_return std::move(url).error();
  if (param(rq, "skip_http_redirect") == "true") {
    co_return json_response(200, json::object(Obj()("url", *url)));
  }
  co_return found(*url, http::HttpStatus::found);
}

// DELETE /user/identities/{identity_id}

asio::awaitable<AuthService::Reply> AuthService::unlink_identity(AuthRequest& rq,
                                                                 std::string_view identity_id) {
  auto caller = co_await authenticate(rq);
  if (!caller) co_return std::move(caller).error();
  if (!options_.enable_manual_linking) {
    co_return not_found("manual_linking_disabled", "Manual linking is disabled");
  }
  if (!is_uuid(identity_id))
    co_return not_found("validation_failed", "identity_id must be an UUID");
  if (!audience_accepted(caller->claims.if_contains("aud"), {options_.aud})) {
    co_return forbidden("unexpected_audience", "Token audience doesn't match request audience");
  }
  json::object arg = Obj()("user_id", caller->user_id)("identity_id", std::string(identity_id))(
      "ip", rq.ip)("autoconfirm", options_.mailer_autoconfirm);
  auto row = co_await call_json(sql::identity_unlink, arg);
  if (!row) co_return std::move(row).error();
  if (auto code = row_error(*row)) {
    if (*code == "single_identity_not_deletable") {
      co_return unprocessable("single_identity_not_deletable",
                              "User must have at least 1 identity after unlinking");
    }
    if (*code == "email_conflict") {
      co_return unprocessable("email_conflict_identity_not_deletable",
                              "Unable to unlink identity due to email conflict");
    }
    if (*code == "user_not_found") co_return not_found("user_not_found", "User not found");
    co_return unprocessable("identity_not_found", "Identity doesn't exist");
  }
  co_return json_response(200, json::object());
}

// ---------------------------------------------------------------------------------------
// GET|POST /callback?code=&state= (or error=&error_description= from the provider)

asio::awaitable<AuthService::Reply> AuthService::callback(AuthRequest& rq) {
  FormParams in = form_decode(rq.ex->query);
  if (rq.method == "POST") {
    // form_post (Apple and others): the body's values first, the query's after them.
    FormParams body = form_decode(rq.ex->request.body());
    body.insert(body.end(), in.begin(), in.end());
    in = std::move(body);
  }
  const std::string key = oauth_state_key(options_.jwt_secret);

  // A state that cannot be trusted sends the browser to the site URL (303, query only).
  auto bad_state = [&](const Error& e) {
    return found(error_redirect(options_.site_url, redirect_error_name(e), e.code, e.message,
                                /*fragment=*/false),
                 http::HttpStatus::see_other);
  };
  const std::string state_text = form_value(in, "state");
  if (state_text.empty()) {
    co_return bad_state(bad_request("bad_oauth_callback", "OAuth state parameter missing"));
  }
  auto state = decode_oauth_state(state_text, key, rq.now);
  if (!state) co_return bad_state(state.error());

  const std::string target = state->referrer.empty() ? options_.site_url : state->referrer;
  auto fail = [&](const Error& e) {
    if (e.status >= 500) log_cause(rq, "callback failed", e);
    return found(
        error_redirect(target, redirect_error_name(e), is_oauth_error(e) ? "" : e.code, e.message),
        http::HttpStatus::found);
  };

  if (const std::string error = form_value(in, "error"); !error.empty()) {
    co_return fail(oauth_error(error, form_value(in, "error_description")));
  }
  const std::string code = form_value(in, "code");
  // Twitter's OAuth 1.0a returns oauth_token and oauth_verifier instead of a code.
  if (code.empty() && !is_twitter(state->provider)) {
    co_return fail(bad_request("bad_oauth_callback",
                               "OAuth callback with missing authorization code missing"));
  }
  auto provider = usable_provider(oidc_, state->provider);
  if (!provider) {
    Error e = provider.error();
    e.code = "oauth_provider_not_supported";
    co_return fail(e);
  }
  const std::shared_ptr<OidcProvider> p = *provider;
  const OAuthProviderOptions& po = p->options();

  // (co_await is kept out of the conditional operator: GCC 12 miscompiles it there.)
  Result<ProviderUser> user = profile_error("");
  if (is_twitter(p->name())) {
    // Any callback uses its flow's request token up; only the token that flow got (and
    // Twitter's verifier for it) goes on to Twitter, signed with the token's secret.
    const std::string oauth_token = form_value(in, "oauth_token");
    const std::string verifier = form_value(in, "oauth_verifier");
    std::vector<db::Param> take{state->id, oauth_token};
    auto taken = co_await call(sql::oauth1_take, std::move(take));
    if (!taken) co_return fail(taken.error());
    if (!taken->is_object() || oauth_token.empty() || verifier.empty()) {
      co_return fail(internal_error("Unable to retrieve access token",
                                    "the callback's oauth_token is not its flow's, or was used"));
    }
    const std::string secret = text(taken->as_object(), "secret");
    user = co_await twitter_user(*p, oauth_token, secret, verifier, rq.now);
  } else {
    user = co_await code_flow_user(*p, code, *state, key, rq.now, form_value(in, "user"));
  }
  if (!user) co_return fail(user.error());
  const ProviderTokens& tokens = user->tokens;
  const ProviderIdentity& identity = user->identity;
  if (identity.emails.empty() && !po.email_optional) {
    co_return fail(internal_error("Error getting user email from external provider",
                                  "the provider gave no email"));
  }

  json::object arg = sign_in_arg(p->name(), identity, options_, po.email_optional, rq);
  arg["provider_access_token"] = tokens.access_token;
  arg["provider_refresh_token"] = tokens.refresh_token;
  if (!state->flow_state_id.empty()) arg["flow_state_id"] = state->flow_state_id;
  if (!state->link_user.empty()) arg["link_user_id"] = state->link_user;
  auto signed_in = co_await oauth_sign_in(std::move(arg), rq);
  if (!signed_in) co_return fail(signed_in.error());
  if (text(*signed_in, "status") == "pkce") {
    co_return found(with_query_param(target, "code", text(*signed_in, "auth_code")),
                    http::HttpStatus::found);
  }
  co_return found(session_redirect(target, *signed_in, tokens.access_token, tokens.refresh_token),
                  http::HttpStatus::found);
}

// ---------------------------------------------------------------------------------------
// POST /token?grant_type=id_token {provider | client_id+issuer, id_token, access_token?,
//                                  nonce?, link_identity?}

asio::awaitable<AuthService::Reply> AuthService::id_token_grant(AuthRequest& rq,
                                                                const json::object& body) {
  auto oauth_reply = [](const Error& e) { return json_response(400, oauth_error_body(e)); };
  const std::string id_token = str(body, "id_token");
  const std::string provider_name = str(body, "provider");
  const std::string issuer = str(body, "issuer");
  if (id_token.empty()) co_return oauth_reply(oauth_error("invalid request", "id_token required"));
  if (provider_name.empty() && (str(body, "client_id").empty() || issuer.empty())) {
    co_return oauth_reply(
        oauth_error("invalid request", "provider or client_id and issuer required"));
  }
  std::string link_user_id;
  if (flag(body, "link_identity")) {
    if (rq.ex->request.find(http::beast_http::field::authorization) == rq.ex->request.end()) {
      co_return oauth_reply(oauth_error(
          "invalid request", "Linking requires a valid user access token in Authorization"));
    }
    auto caller = co_await authenticate(rq);
    if (!caller) co_return std::move(caller).error();
    link_user_id = caller->user_id;
  }

  std::shared_ptr<OidcProvider> p;
  if (oidc_) p = provider_name.empty() ? oidc_->find_by_issuer(issuer) : oidc_->find(provider_name);
  // Any Microsoft tenant's issuer means the azure provider, either of Apple's the apple one,
  // as in Supabase Auth.
  if (oidc_ && !p && provider_name.empty() && is_azure_issuer(issuer)) p = oidc_->find("azure");
  if (oidc_ && !p && provider_name.empty() && is_apple_issuer(issuer)) p = oidc_->find("apple");
  if (!p) {
    const std::string name = lower(provider_name);
    if (std::find(std::begin(kIdTokenProviders), std::end(kIdTokenProviders), name) !=
        std::end(kIdTokenProviders)) {
      co_return bad_request("provider_disabled",
                            "Provider (issuer \"" + well_known_issuer(name) + "\") is not enabled");
    }
    co_return bad_request("validation_failed",
                          "Custom OIDC provider \"" + provider_name + "\" not allowed");
  }
  // The built-in OAuth 2.0 providers have no id_tokens to offer, bar Facebook's and Kakao's.
  const OAuthProfile* profile = oauth_profile(p->name());
  if ((profile != nullptr && profile->id_token_identity == nullptr) || is_twitter(p->name())) {
    co_return bad_request("validation_failed",
                          "Custom OIDC provider \"" + provider_name + "\" not allowed");
  }
  const OAuthProviderOptions& po = p->options();
  if (!po.enabled) {
    co_return bad_request("provider_disabled",
                          "Provider (issuer \"" + p->issuer() + "\") is not enabled");
  }

  // Microsoft's tokens are verified with the keys of the tenant that issued them.
  std::shared_ptr<OidcProvider> verifier = p;
  if (is_azure(p->name())) {
    const std::string detected = unverified_issuer(id_token);
    if (detected.empty()) {
      co_return bad_request("validation_failed",
                            "Unable to detect issuer in ID token for Azure provider");
    }
    if (!is_azure_issuer(detected) && !is_azure_v1_issuer(detected)) {
      co_return bad_request("validation_failed",
                            "Detected ID token issuer is not an Azure ID token issuer");
    }
    if (!issuer.empty() && issuer != detected) {
      co_return bad_request("validation_failed", "Provided issuer does not match ID token issuer");
    }
    verifier = p->for_issuer(detected);
  }
  // Apple's tokens name either of its issuers (unless a test or proxy issuer is configured).
  std::vector<std::string> issuers;
  if (is_apple(p->name())) {
    issuers = apple_accepted_issuers(p->issuer());
    const std::string detected = unverified_issuer(id_token);
    if (detected.empty()) {
      co_return bad_request("validation_failed",
                            "Unable to detect issuer in ID token for Apple provider");
    }
    if (std::find(issuers.begin(), issuers.end(), detected) == issuers.end()) {
      co_return bad_request("validation_failed",
                            "Detected ID token issuer is not an Apple ID token issuer");
    }
    if (!issuer.empty() && issuer != detected) {
      co_return bad_request("validation_failed", "Provided issuer does not match ID token issuer");
    }
  }
  auto verified = co_await verifier->verify_id_token(id_token, rq.now, std::move(issuers));
  if (!verified) {
    if (verified.error().status != 400) {
      // The provider's configuration or keys could not be fetched.
      log_cause(rq, "id_token grant", verified.error());
      co_return internal_error("Unexpected failure, please check server logs for more information",
                               verified.error().internal);
    }
    log::info("request_id={} oauth: id_token rejected: {}", rq.ex->request_id,
              verified.error().internal);
    co_return oauth_reply(oauth_error("invalid request", "Bad ID token"));
  }
  const json::object& claims = *verified;
  if (const std::string access_token = str(body, "access_token");
      !access_token.empty() && !text(claims, "at_hash").empty() &&
      !at_hash_matches(text(claims, "at_hash"), access_token)) {
    co_return oauth_reply(oauth_error("invalid request", "Bad ID token"));
  }
  if (text(claims, "sub").empty()) {
    co_return oauth_reply(oauth_error("invalid request", "Missing sub claim in id_token"));
  }
  if (!audience_accepted(claims.if_contains("aud"), po.client_ids)) {
    co_return oauth_reply(oauth_error(
        "invalid request",
        "Unacceptable audience in id_token: " + audience_text(claims.if_contains("aud"))));
  }
  // Facebook's Limited Login tokens carry a nonce Supabase Auth does not check.
  const bool skip_nonce = po.skip_nonce_check || p->name() == "facebook";
  if (auto nonce = check_id_token_nonce(text(claims, "nonce"), str(body, "nonce"), skip_nonce);
      !nonce) {
    co_return oauth_reply(nonce.error());
  }
  Result<ProviderIdentity> identity = profile_error("");
  if (is_azure_issuer(text(claims, "iss"))) {
    identity = azure_identity(claims);
  } else if (is_apple(p->name())) {
    identity = apple_identity(claims, "");
    if (!identity) {
      // Claims Apple's shape does not allow: GoTrue cannot parse such a token.
      log::info("request_id={} oauth: apple id_token rejected: {}", rq.ex->request_id,
                identity.error().internal);
      co_return oauth_reply(oauth_error("invalid request", "Bad ID token"));
    }
  } else if (profile != nullptr) {
    identity = profile->id_token_identity(claims);
  } else {
    identity = identity_from_claims(claims, json::object{});
  }
  if (!identity) co_return std::move(identity).error();

  json::object arg = sign_in_arg(p->name(), *identity, options_, po.email_optional, rq);
  if (!link_user_id.empty()) arg["link_user_id"] = link_user_id;
  auto signed_in = co_await oauth_sign_in(std::move(arg), rq);
  if (!signed_in) co_return std::move(signed_in).error();
  co_return json_response(200, *signed_in);
}

// ---------------------------------------------------------------------------------------
// The one SQL call, with the custom access token hook in its transaction when configured.
// Returns the session JSON, or {status: "pkce", auth_code} for a PKCE flow.

asio::awaitable<Result<json::object>> AuthService::oauth_sign_in(json::object arg,
                                                                 const AuthRequest& rq) {
  const std::string provider = text(arg, "provider");
  std::vector<db::Param> params;
  params.emplace_back(json_text(arg));
  // A PKCE flow's row is the answer itself: its user stands, the session comes later.
  auto pkce = [](const json::value& row) {
    return row.is_object() && text(row.as_object(), "status") == "pkce";
  };
  auto r = co_await sign_row(sql::oauth_sign_in, std::move(params), sql::kOAuth, rq, +pkce);
  if (!r) co_return std::move(r).error();
  if (auto code = row_error(r->row)) {
    const json::object& row = r->row.as_object();
    const auto* confirm = row.if_contains("confirm");
    if (confirm == nullptr || !confirm->is_object()) co_return sign_in_error(*code, provider);
    // An address the provider did not verify: as Supabase Auth, mail the user a confirmation
    // link (the account's writes above are committed either way) and say so.
    const json::object& c = confirm->as_object();
    const json::object metadata = c.contains("metadata") && c.at("metadata").is_object()
                                      ? c.at("metadata").as_object()
                                      : json::object();
    auto sent = co_await send_email_token(rq, text(c, "user_id"), text(c, "email"), metadata,
                                          MailKind::confirmation);
    if (!sent) co_return std::move(sent).error();
    co_return unprocessable(*code, "Unverified email with " + provider +
                                       ". A confirmation email has been sent to your " + provider +
                                       " email");
  }
  if (r->session) co_return std::move(*r->session);
  if (!r->row.is_object()) co_return internal_error("Database error", "oauth sign-in row");
  co_return std::move(r->row.as_object());
}

}  // namespace basalt::auth
