#include "auth/service.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <chrono>
#include <regex>

#include "auth/auth_error.hpp"
#include "auth/jwks.hpp"
#include "auth/pkce.hpp"
#include "auth/rate_limit.hpp"
#include "auth/sql.hpp"
#include "auth/user_json.hpp"
#include "common/json.hpp"
#include "common/log.hpp"
#include "jwt/jwt.hpp"
#include "jwt/wire_errors.hpp"

namespace basalt::auth {

namespace asio = boost::asio;
namespace json = boost::json;

// ---------------------------------------------------------------------------------------
// Helpers

http::Response json_response(int status, const json::value& body) {
  return http::make_response(static_cast<http::HttpStatus>(status), json::serialize(body));
}

std::string json_text(const json::value& v) {
  return json::serialize(v);
}

std::string url_encode(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

std::string verify_url(const AuthOptions& o, std::string_view token_hash, std::string_view type,
                       std::string_view redirect_to) {
  return fmt::format("{}/auth/v1/verify?token={}&type={}&redirect_to={}", o.api_url, token_hash,
                     type, url_encode(redirect_to));
}

Result<json::object> body_object(const AuthRequest& rq) {
  const std::string& body = rq.ex->request.body();
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return json::object{};
  boost::system::error_code ec;
  json::value v = parse_json(body, ec);
  if (ec) {
    return bad_request("bad_json", "Could not parse request body as JSON: " + ec.message());
  }
  if (!v.is_object()) {
    return bad_request("bad_json", "Could not parse request body as JSON: json: cannot unmarshal " +
                                       std::string(v.is_array()    ? "array"
                                                   : v.is_string() ? "string"
                                                   : v.is_bool()   ? "bool"
                                                   : v.is_null()   ? "null"
                                                                   : "number") +
                                       " into Go value of type object");
  }
  return std::move(v.as_object());
}

std::string param(const AuthRequest& rq, std::string_view name) {
  return http::query_param(rq.ex->query, name);
}

Result<std::optional<json::object>> pkce_params(const json::object& body,
                                                std::string_view authentication_method) {
  auto method =
      validate_pkce_params(str(body, "code_challenge_method"), str(body, "code_challenge"));
  if (!method) return std::move(method).error();
  if (!*method) return std::optional<json::object>{};
  json::object o;
  o["challenge"] = str(body, "code_challenge");
  o["method"] = pkce_method_name(**method);
  o["authentication_method"] = authentication_method;
  return std::optional<json::object>(std::move(o));
}

std::string redirect_param(const AuthRequest& rq, const RedirectPolicy& policy) {
  std::string referer;
  if (auto it = rq.ex->request.find(http::beast_http::field::referer); it != rq.ex->request.end()) {
    referer = std::string(it->value());
  }
  return policy.resolve(param(rq, "redirect_to"), referer);
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

Result<std::string> validate_email(std::string_view email) {
  if (email.empty()) return bad_request("validation_failed", "An email address is required");
  if (email.size() > 255) return bad_request("validation_failed", "An email address is too long");
  static const std::regex pattern(
      R"(^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)"
      R"((?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$)");
  const std::string e(email);
  if (!std::regex_match(e, pattern)) {
    return bad_request("validation_failed", "Unable to validate email address: invalid format");
  }
  std::string lower = e;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

Result<std::string> validate_phone(std::string_view phone) {
  std::string p(phone);
  // GoTrue strips a leading '+' and surrounding spaces, then wants E.164 digits.
  while (!p.empty() && std::isspace(static_cast<unsigned char>(p.front()))) p.erase(0, 1);
  while (!p.empty() && std::isspace(static_cast<unsigned char>(p.back()))) p.pop_back();
  if (!p.empty() && p.front() == '+') p.erase(0, 1);
  p.erase(std::remove(p.begin(), p.end(), ' '), p.end());  // GoTrue drops inner spaces too
  static const std::regex e164(R"(^[1-9]\d{1,14}$)");
  if (!std::regex_match(p, e164)) {
    return bad_request("validation_failed", "Invalid phone number format (E.164 required)");
  }
  return p;
}

std::string random_token(std::size_t length) {
  static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::string out(length, 'a');
  std::vector<unsigned char> bytes(length);
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) return {};
  for (std::size_t i = 0; i < length; ++i) out[i] = alphabet[bytes[i] & 31];
  return out;
}

Error sql_error(std::string_view code) {
  struct Known {
    std::string_view code;
    int status;
    std::string_view message;
  };
  static constexpr Known known[] = {
      {"refresh_token_not_found", 400, "Invalid Refresh Token: Refresh Token Not Found"},
      {"user_banned", 400, "Invalid Refresh Token: User Banned"},
      {"session_not_found", 400, "Invalid Refresh Token: No Valid Session Found"},
      {"session_expired", 400, "Invalid Refresh Token: Session Expired"},
      {"refresh_token_already_used", 400, "Invalid Refresh Token: Already Used"},
      {"user_already_exists", 422, "User already registered"},
      {"email_exists", 422, "A user with this email address has already been registered"},
      {"phone_exists", 422, "Phone number already registered by another user"},
      {"user_not_found", 404, "User not found"},
      {"flow_state_not_found", 404, "invalid flow state, no valid flow state found"},
  };
  for (const auto& k : known) {
    if (k.code == code) return auth_error(k.status, k.code, std::string(k.message));
  }
  return internal_error("Database error", "unknown function error " + std::string(code));
}

std::optional<std::string> row_error(const json::value& row) {
  if (!row.is_object()) return std::nullopt;
  auto it = row.as_object().find("error");
  if (it == row.as_object().end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().as_string());
}

namespace {

std::string quote_ident(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string bearer_token(const http::Request& req) {
  auto it = req.find(http::beast_http::field::authorization);
  if (it == req.end()) return {};
  std::string_view v(it->value().data(), it->value().size());
  if (v.size() < 7) return {};
  std::string scheme(v.substr(0, 7));
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "bearer ") return {};
  std::string_view token = v.substr(7);
  if (token.empty() || token.find_first_of(" \t") != std::string_view::npos) return {};
  return std::string(token);
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Service

Result<std::shared_ptr<AuthService>> AuthService::create(AuthOptions options,
                                                         std::shared_ptr<db::Pool> pool) {
  auto policy =
      make_password_policy(options.minimum_password_length, options.password_requirements);
  if (!policy) return std::move(policy).error();
  return std::make_shared<AuthService>(std::move(options), std::move(pool),
                                       std::move(policy).value());
}

AuthService::AuthService(AuthOptions options, std::shared_ptr<db::Pool> pool, PasswordPolicy policy)
    : options_(std::move(options)),
      pool_(std::move(pool)),
      hasher_(std::make_unique<PasswordHasher>(options_.bcrypt_cost)),
      policy_(std::move(policy)),
      redirects_(options_.site_url, options_.additional_redirect_urls) {
  for (const auto& e : redirects_.pattern_errors()) {
    log::warn("auth.additional_redirect_urls: {}", e.message);
  }
  ctx_.role = "supabase_auth_admin";
  ctx_.search_path = "auth";
  setup_sms();
  if (options_.custom_access_token_hook) {
    hook_sql_ = fmt::format("SELECT {}.{}($1::jsonb)",
                            quote_ident(options_.custom_access_token_hook->schema),
                            quote_ident(options_.custom_access_token_hook->function));
  }
}

asio::awaitable<http::Response> AuthService::handle(http::Exchange& ex) {
  AuthRequest rq;
  rq.ex = &ex;
  rq.method = std::string(ex.request.method_string());
  rq.path = ex.subpath;
  while (!rq.path.empty() && rq.path.back() == '/') rq.path.pop_back();
  rq.version = api_version(ex.request);
  rq.now_precise =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  rq.now = static_cast<std::int64_t>(rq.now_precise);  // one clock reading for both
  {
    std::string forwarded;
    if (auto it = ex.request.find("X-Forwarded-For"); it != ex.request.end()) {
      forwarded = std::string(it->value());
    }
    rq.ip = client_key(ex.client_ip, forwarded, options_.trusted_proxies);
  }
  if (auto it = ex.request.find(http::beast_http::field::user_agent); it != ex.request.end()) {
    rq.user_agent = std::string(it->value());
  }
  auto r = co_await route(rq);
  if (r) co_return std::move(r).value();
  const Error& e = r.error();
  if (!e.internal.empty()) {
    log::warn("request_id={} auth error {}: {}", ex.request_id, e.code, e.internal);
  }
  co_return error_response(e, rq.version);
}

const std::optional<RateLimit>* AuthService::rate_limit_for(const AuthRequest& rq,
                                                            std::string_view* bucket) const {
  const std::string& p = rq.path;
  const std::string& m = rq.method;
  const auto& l = options_.rate_limits;
  if (p == "/token" && m == "POST") {
    *bucket = "token_refresh";
    return &l.token_refresh;
  }
  if (p == "/verify" && (m == "GET" || m == "POST")) {
    *bucket = "token_verifications";
    return &l.token_verifications;
  }
  if (p == "/signup" && m == "POST") {
    // Anonymous sign-ins (no email, no phone) have their own hourly limit.
    auto body = body_object(rq);
    if (body && str(*body, "email").empty() && str(*body, "phone").empty()) {
      *bucket = "anonymous_users";
      return &l.anonymous_users;
    }
    *bucket = "sign_in_sign_ups";
    return &l.sign_in_sign_ups;
  }
  if ((m == "POST" && (p == "/otp" || p == "/magiclink" || p == "/recover" || p == "/resend")) ||
      (m == "PUT" && p == "/user")) {
    *bucket = "sign_in_sign_ups";
    return &l.sign_in_sign_ups;
  }
  return nullptr;
}

asio::awaitable<Status> AuthService::check_rate(const AuthRequest& rq) {
  std::string_view bucket;
  const std::optional<RateLimit>* limit = rate_limit_for(rq, &bucket);
  if (limit == nullptr || !limit->has_value()) co_return Status{};
  std::vector<db::Param> params{std::string(bucket), rq.ip, fmt::format("{:.3f}", rq.now_precise),
                                fmt::format("{}", (*limit)->per_second),
                                fmt::format("{}", (*limit)->burst)};
  auto r = co_await call(sql::rate_take, std::move(params));
  if (!r) co_return std::move(r).error();
  if (r->is_bool() && !r->as_bool()) {
    co_return auth_error(429, "over_request_rate_limit", "Request rate limit reached");
  }
  co_return Status{};
}

asio::awaitable<AuthService::Reply> AuthService::route(AuthRequest& rq) {
  const std::string& p = rq.path;
  const std::string& m = rq.method;
  auto allowed = co_await check_rate(rq);
  if (!allowed) co_return allowed.error();
  if (p == "/health" && (m == "GET" || m == "HEAD")) {
    co_return json_response(200, json::object(Obj()("version", "basalt")("name", "GoTrue")(
                                     "description", "Basalt's Supabase Auth API")));
  }
  if (p == "/settings" && (m == "GET" || m == "HEAD")) co_return settings();
  if (p == "/.well-known/jwks.json" && m == "GET") co_return jwks_response(options_);
  if (p == "/signup" && m == "POST") co_return co_await signup(rq);
  if (p == "/token" && m == "POST") co_return co_await token(rq);
  if (p == "/logout" && m == "POST") co_return co_await logout(rq);
  if ((p == "/otp" || p == "/magiclink") && m == "POST") co_return co_await otp(rq);
  if (p == "/recover" && m == "POST") co_return co_await recover(rq);
  if (p == "/resend" && m == "POST") co_return co_await resend(rq);
  if (p == "/verify" && (m == "GET" || m == "POST")) co_return co_await verify(rq);
  if (p == "/authorize" && m == "GET") co_return co_await authorize(rq);
  if (p == "/callback" && (m == "GET" || m == "POST")) co_return co_await callback(rq);
  if (p == "/reauthenticate" && m == "GET") co_return co_await reauthenticate(rq);
  if (p == "/user" && m == "GET") co_return co_await get_user(rq);
  if (p == "/user" && m == "PUT") co_return co_await update_user(rq);
  if (p == "/user/identities/authorize" && m == "GET") co_return co_await link_identity(rq);
  if (p.starts_with("/user/identities/") && m == "DELETE") {
    co_return co_await unlink_identity(rq, std::string_view(p).substr(17));
  }
  if (p == "/factors" || p.starts_with("/factors/")) co_return co_await factors(rq);
  if (p == "/invite" && m == "POST") {
    auto actor = require_admin(rq);
    if (!actor) co_return std::move(actor).error();
    co_return co_await admin_generate_link(rq, *actor, /*invite_endpoint=*/true);
  }
  if (p == "/admin" || p.starts_with("/admin/")) co_return co_await admin(rq);
  co_return not_found("not_found", "Not Found");  // GoTrue's 404 for unknown routes
}

AuthService::Reply AuthService::settings() const {
  json::object external;
  external["anonymous_users"] = options_.enable_anonymous_sign_ins;
  for (const char* name :
       {"apple",      "azure",    "bitbucket",     "discord", "facebook", "snapchat",
        "figma",      "fly",      "github",        "gitlab",  "google",   "keycloak",
        "kakao",      "linkedin", "linkedin_oidc", "notion",  "spotify",  "slack",
        "slack_oidc", "workos",   "twitch",        "twitter"}) {
    auto it = options_.external_providers.find(name);
    external[name] = it != options_.external_providers.end() && it->second;
  }
  external["email"] = options_.email_enabled;
  external["phone"] = options_.phone_enabled;
  {
    auto it = options_.external_providers.find("zoom");
    external["zoom"] = it != options_.external_providers.end() && it->second;
  }
  json::object s;
  s["external"] = std::move(external);
  s["disable_signup"] = !options_.enable_signup;
  s["mailer_autoconfirm"] = options_.mailer_autoconfirm;
  s["phone_autoconfirm"] = options_.sms_autoconfirm;
  s["sms_provider"] = options_.sms_provider;
  s["saml_enabled"] = false;
  s["saml_private_key_next_configured"] = false;
  s["passkeys_enabled"] = false;
  return json_response(200, s);
}

namespace {

// The one JSON value a function call returned (null for no row, NULL or a void function).
Result<json::value> result_json(Result<db::PgResult> r) {
  if (!r) {
    Error e = std::move(r).error();
    if (db::is_connection_error(e)) {
      return auth_error(503, "unexpected_failure", "Database unavailable");
    }
    return internal_error("Database error", e.code + " " + e.message);
  }
  if (r->rows() < 1 || r->columns() < 1 || r->is_null(0, 0) || r->get(0, 0).empty()) {
    return json::value(nullptr);  // no row, NULL, or a void function
  }
  boost::system::error_code ec;
  json::value v = parse_json(r->get(0, 0), ec);
  if (ec) return internal_error("Database error", "function result is not JSON");
  return v;
}

}  // namespace

asio::awaitable<Result<json::value>> AuthService::call(std::string_view sql,
                                                       std::vector<db::Param> params) {
  if (options_.db_login_is_auth_admin) {
    // Already the role Supabase Auth runs as, with nothing to set: the one statement is its
    // own transaction, as each of Supabase Auth's is.
    auto r = co_await pool_->query(sql, params);
    co_return result_json(std::move(r));
  }
  auto r = co_await db::run_as(*pool_, ctx_, sql, std::move(params));
  co_return result_json(std::move(r));
}

asio::awaitable<Result<json::value>> AuthService::call_json(std::string_view sql,
                                                            const json::object& arg) {
  std::vector<db::Param> params;
  params.emplace_back(json_text(arg));
  return call(sql, std::move(params));
}

asio::awaitable<AuthService::Reply> AuthService::issue_json(std::string_view sql,
                                                            const json::object& arg,
                                                            std::string_view method,
                                                            const AuthRequest& rq) {
  std::vector<db::Param> params;
  params.emplace_back(json_text(arg));
  return issue(sql, std::move(params), method, rq);
}

Result<json::object> AuthService::session_from(const json::value& row, const AuthRequest& rq) {
  auto s = issued_session(row);
  if (!s) return std::move(s).error();
  return session_response(*s, access_claims(*s, options_, rq.now), options_, rq.now);
}

asio::awaitable<Result<json::value>> AuthService::tx_call(db::Transaction& tx, std::string_view sql,
                                                          std::vector<db::Param> params) {
  auto r = co_await tx.exec(sql, std::move(params));
  if (!r) co_return internal_error("Database error", r.error().code + " " + r.error().message);
  if (r->rows() == 0 || r->is_null(0, 0) || r->get(0, 0).empty()) co_return json::value(nullptr);
  boost::system::error_code ec;
  json::value row = parse_json(r->get(0, 0), ec);
  if (ec) co_return internal_error("Database error", "function result is not JSON");
  co_return row;
}

asio::awaitable<Result<AuthService::Signed>> AuthService::sign_row(
    std::string_view sql, std::vector<db::Param> params, std::string_view method,
    const AuthRequest& rq, bool (*is_answer)(const json::value&)) {
  auto answered = [&](const json::value& row) {
    return row_error(row).has_value() || (is_answer != nullptr && is_answer(row));
  };
  if (hook_sql_.empty()) {
    auto row = co_await call(sql, std::move(params));
    if (!row) co_return std::move(row).error();
    if (answered(*row)) co_return Signed{std::move(*row), std::nullopt};
    auto body = session_from(*row, rq);
    if (!body) co_return std::move(body).error();
    co_return Signed{std::move(*row), std::move(*body)};
  }
  // With a custom access token hook the claims go through the app's function in the same
  // transaction as the session it describes.
  auto tx = co_await db::Transaction::begin(*pool_, ctx_);
  if (!tx) co_return internal_error("Database error", tx.error().message);
  auto row = co_await tx_call(*tx, sql, std::move(params));
  if (!row) co_return std::move(row).error();
  if (answered(*row)) {
    // What the function did (e.g. revoking a reused token's family) stands.
    auto committed = co_await tx->commit();
    if (!committed) co_return internal_error("Database error", committed.error().message);
    co_return Signed{std::move(*row), std::nullopt};
  }
  auto s = issued_session(*row);
  if (!s) co_return std::move(s).error();
  const json::object claims = access_claims(*s, options_, rq.now);
  std::vector<db::Param> hook_params{json_text(hook_input(*s, claims, method))};
  auto h = co_await tx->exec(hook_sql_, std::move(hook_params));
  if (!h) {
    co_return internal_error(
        "Error running hook URI: " + options_.custom_access_token_hook->function,
        h.error().code + " " + h.error().message);
  }
  boost::system::error_code ec;
  json::value out =
      h->rows() > 0 && !h->is_null(0, 0) ? parse_json(h->get(0, 0), ec) : json::value(nullptr);
  if (ec) co_return internal_error("Error running hook URI", "hook output is not JSON");
  auto final_claims = hook_claims(out);
  if (!final_claims) co_return std::move(final_claims).error();
  auto committed = co_await tx->commit();
  if (!committed) co_return internal_error("Database error", committed.error().message);
  co_return Signed{std::move(*row), session_response(*s, *final_claims, options_, rq.now)};
}

asio::awaitable<AuthService::Reply> AuthService::issue(std::string_view sql,
                                                       std::vector<db::Param> params,
                                                       std::string_view method,
                                                       const AuthRequest& rq) {
  auto r = co_await sign_row(sql, std::move(params), method, rq);
  if (!r) co_return std::move(r).error();
  if (!r->session) co_return sql_error(*row_error(r->row));
  co_return json_response(200, *r->session);
}

asio::awaitable<Result<Caller>> AuthService::authenticate(AuthRequest& rq) {
  const std::string token = bearer_token(rq.ex->request);
  if (token.empty()) {
    co_return auth_error(401, "no_authorization", "This endpoint requires a valid Bearer token");
  }
  jwt::VerifyOptions vo;
  vo.secret = options_.jwt_secret;
  vo.keys = options_.signing_keys.get();
  vo.now = rq.now;
  auto verified = jwt::verify(token, vo);
  if (!verified) co_return jwt::to_gotrue_error(verified.error());
  Caller c;
  c.claims = std::move(verified->claims);
  c.user_id = str(c.claims, "sub");
  if (c.user_id.empty()) co_return forbidden("bad_jwt", "invalid claim: missing sub claim");
  if (!is_uuid(c.user_id)) {
    co_return bad_request("bad_jwt", "invalid claim: sub claim must be a UUID");
  }
  c.session_id = str(c.claims, "session_id");
  if (c.session_id == "00000000-0000-0000-0000-000000000000") c.session_id.clear();
  if (!c.session_id.empty() && !is_uuid(c.session_id)) {
    co_return forbidden("bad_jwt", "invalid claim: session_id claim must be a UUID");
  }
  std::vector<db::Param> params{c.user_id, c.session_id.empty() ? db::Param() : c.session_id};
  auto row = co_await call(sql::caller, std::move(params));
  if (!row) co_return std::move(row).error();
  if (!row->is_object()) co_return internal_error("Database error", "caller row");
  const auto& o = row->as_object();
  auto u = o.find("user");
  if (u == o.end() || !u->value().is_object()) {
    co_return forbidden("user_not_found", "User from sub claim in JWT does not exist");
  }
  c.user = u->value().as_object();
  if (!c.session_id.empty()) {
    auto s = o.find("session");
    if (s == o.end() || !s->value().is_object()) {
      co_return forbidden("session_not_found",
                          "Session from session_id claim in JWT does not exist");
    }
    c.session = s->value().as_object();
  }
  c.password_hash = str(o, "hash");
  if (flag(o, "banned")) co_return forbidden("user_banned", "User is banned");
  co_return c;
}

Result<std::string> AuthService::require_admin(const AuthRequest& rq) const {
  const std::string token = bearer_token(rq.ex->request);
  if (token.empty()) {
    return auth_error(401, "no_authorization", "This endpoint requires a valid Bearer token");
  }
  jwt::VerifyOptions vo;
  vo.secret = options_.jwt_secret;
  vo.keys = options_.signing_keys.get();
  vo.now = rq.now;
  auto verified = jwt::verify(token, vo);
  if (!verified) return jwt::to_gotrue_error(verified.error());
  const std::string role = str(verified->claims, "role");
  for (const auto& r : options_.admin_roles) {
    if (r == role) return role;
  }
  return forbidden("not_admin", "User not allowed");
}

}  // namespace basalt::auth
