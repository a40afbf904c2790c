// POST /signup: email or phone with a password, or an anonymous user (no email/phone).
#include <openssl/evp.h>

#include <boost/json/array.hpp>

#include "auth/auth_error.hpp"
#include "auth/password_policy.hpp"
#include "auth/service.hpp"
#include "auth/sql.hpp"
#include "auth/user_json.hpp"
#include "common/random.hpp"

namespace basalt::auth {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

json::array one_element_array(const std::string& v) {
  json::array a;
  a.emplace_back(v);
  return a;
}

}  // namespace

asio::awaitable<AuthService::Reply> AuthService::signup(AuthRequest& rq) {
  if (!options_.enable_signup) {
    co_return unprocessable("signup_disabled", "Signups not allowed for this instance");
  }
  auto body = body_object(rq);
  if (!body) co_return std::move(body).error();
  std::string email = str(*body, "email");
  std::string phone = str(*body, "phone");
  const std::string password = str(*body, "password");
  const json::object data = object_field(*body, "data");

  json::object p;
  p["aud"] = options_.aud;
  p["ip"] = rq.ip;
  p["user_agent"] = rq.user_agent;
  p["data"] = data;
  p["refresh_token"] = random_token(12);

  if (email.empty() && phone.empty()) {
    if (!options_.enable_anonymous_sign_ins) {
      co_return unprocessable("anonymous_provider_disabled", "Anonymous sign-ins are disabled");
    }
    p["provider"] = "anonymous";
    p["autoconfirm"] = true;
    co_return co_await issue_json(sql::signup, p, sql::kAnonymous, rq);
  }

  if (password.empty()) {
    co_return bad_request("validation_failed", "Signup requires a valid password");
  }
  if (auto max = check_password_max_length(password); !max) co_return max.error();
  if (auto weak = check_password_strength(password, policy_)) {
    co_return weak_password(weak->message, weak->reasons);
  }
  if (!email.empty() && !phone.empty()) {
    co_return bad_request("validation_failed",
                          "Only an email address or phone number should be provided on signup.");
  }
  std::string channel = "sms";
  if (email.empty()) {
    auto c = sms_channel(*body);
    if (!c) co_return std::move(c).error();
    channel = *c;
    // A phone sign-up already answers with the session; GoTrue refuses PKCE for it.
    if (!str(*body, "code_challenge").empty()) {
      co_return bad_request("validation_failed", "PKCE not supported for phone signups");
    }
  }
  std::string provider;
  bool autoconfirm = false;
  if (!email.empty()) {
    if (!options_.email_enabled) {
      co_return bad_request("email_provider_disabled", "Email signups are disabled");
    }
    auto v = validate_email(email);
    if (!v) co_return std::move(v).error();
    email = *v;
    provider = "email";
    autoconfirm = options_.mailer_autoconfirm;
    p["email"] = email;
  } else {
    if (!options_.phone_enabled) {
      co_return bad_request("phone_provider_disabled", "Phone signups are disabled");
    }
    auto v = validate_phone(phone);
    if (!v) co_return std::move(v).error();
    phone = *v;
    provider = "phone";
    autoconfirm = options_.sms_autoconfirm;
    p["phone"] = phone;
    p["channel"] = channel;
  }
  p["provider"] = provider;
  p["autoconfirm"] = autoconfirm;

  std::string hash = co_await hasher_->hash(password);
  if (hash.empty()) {
    co_return password.size() > kMaxPasswordBytes
        ? bad_request("validation_failed", "Password cannot be longer than 72 characters")
        : internal_error("Database error creating user", "bcrypt failed");
  }
  p["password_hash"] = hash;

  auto pkce = pkce_params(*body, "email/signup");
  if (!pkce) co_return std::move(pkce).error();
  if (!autoconfirm && provider == "email") {
    const std::string otp = otp_digits(options_.email_otp_length);
    // A PKCE flow marks its token so the link's /verify answers with a code, not a session.
    const std::string th = (*pkce ? "pkce_" : "") + token_hash(email, otp);
    if (*pkce) p["pkce"] = **pkce;
    p["confirmation_token_hash"] = th;
    auto mail = confirmation_mail(email, data, otp, th, redirect_param(rq, redirects_));
    if (!mail) co_return std::move(mail).error();
    p["mail"] = std::move(mail).value();
  }

  // Without confirmations a session at once; an address that is taken answers "User already
  // registered". With them, a code goes out by mail (or SMS, phone.cpp).
  const std::string_view signup_sql = provider == "phone" ? sql::phone_signup : sql::signup;
  if (autoconfirm) co_return co_await issue_json(signup_sql, p, sql::kPassword, rq);

  Result<json::value> row = json::value(nullptr);
  if (provider == "phone") {
    row = co_await phone_signup(rq, std::move(p), phone, channel);
  } else {
    row = co_await call_with_mail(sql::signup, std::move(p), sql::kConfirmationFailed, rq);
  }
  if (!row) co_return std::move(row).error();
  const auto& o = row->as_object();
  if (str(o, "status") == "exists_confirmed") {
    // Confirmations on: answer as for a new user, so the endpoint does not reveal accounts.
    json::object fake;
    fake["id"] = random_uuid();
    fake["aud"] = options_.aud;
    fake["role"] = "";
    fake["email"] = email;
    fake["phone"] = phone;
    fake["confirmation_sent_at"] = rfc3339_now(rq.now);
    fake["app_metadata"] =
        json::object(Obj()("provider", provider)("providers", one_element_array(provider)));
    fake["user_metadata"] = data;
    fake["identities"] = json::array();
    fake["created_at"] = rfc3339_now(rq.now);
    fake["updated_at"] = rfc3339_now(rq.now);
    fake["is_anonymous"] = false;
    co_return json_response(200, fake);
  }
  auto u = o.find("user");
  if (u == o.end() || !u->value().is_object()) {
    co_return internal_error("Database error saving new user", "signup returned no user");
  }
  co_return json_response(200, user_json(u->value().as_object()));
}

}  // namespace basalt::auth
