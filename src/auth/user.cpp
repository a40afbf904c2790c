// GET /user and PUT /user: the signed-in user reads and changes their own account.
#include "auth/auth_error.hpp"
#include "auth/password_policy.hpp"
#include "auth/service.hpp"
#include "auth/sql.hpp"
#include "auth/user_json.hpp"

namespace basalt::auth {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

bool has_verified_factor(const json::object& user) {
  auto it = user.find("factors");
  if (it == user.end() || !it->value().is_array()) return false;
  for (const auto& f : it->value().as_array()) {
    if (f.is_object() && str(f.as_object(), "status") == "verified") return true;
  }
  return false;
}

}  // namespace

asio::awaitable<AuthService::Reply> AuthService::get_user(AuthRequest& rq) {
  auto caller = co_await authenticate(rq);
  if (!caller) co_return std::move(caller).error();
  auto aud = caller->claims.find("aud");
  const bool aud_ok = aud != caller->claims.end() &&
                      ((aud->value().is_string() && !aud->value().as_string().empty()) ||
                       (aud->value().is_array() && !aud->value().as_array().empty()));
  if (!aud_ok) {
    co_return bad_request("validation_failed", "Token audience doesn't match request audience");
  }
  co_return json_response(200, user_json(caller->user));
}

asio::awaitable<AuthService::Reply> AuthService::update_user(AuthRequest& rq) {
  auto caller = co_await authenticate(rq);
  if (!caller) co_return std::move(caller).error();
  auto body = body_object(rq);
  if (!body) co_return std::move(body).error();
  const json::object& b = *body;

  std::string email = str(b, "email");
  std::string phone = str(b, "phone");
  std::optional<std::string> password;
  if (auto it = b.find("password"); it != b.end() && it->value().is_string()) {
    password = std::string(it->value().as_string());
  }
  if (!email.empty()) {
    auto v = validate_email(email);
    if (!v) co_return std::move(v).error();
    email = *v;
  }
  std::string channel = "sms";
  if (!phone.empty()) {
    auto v = validate_phone(phone);
    if (!v) co_return std::move(v).error();
    phone = *v;
    auto c = sms_channel(b);
    if (!c) co_return std::move(c).error();
    channel = *c;
  }
  if (password) {
    if (auto max = check_password_max_length(*password); !max) co_return max.error();
    if (auto weak = check_password_strength(*password, policy_)) {
      co_return weak_password(weak->message, weak->reasons);
    }
  }
  if (b.contains("app_metadata") && !b.at("app_metadata").is_null()) {
    co_return forbidden("not_admin", "Updating app_metadata requires admin privileges");
  }
  const json::object& user = caller->user;
  const bool changing_email = !email.empty() && email != str(user, "email");
  const bool changing_phone = !phone.empty() && phone != str(user, "phone");
  if (has_verified_factor(user) && str(caller->session, "aal") != "aal2" &&
      ((password && !password->empty()) || changing_email || changing_phone)) {
    co_return auth_error(401, "insufficient_aal",
                         "AAL2 session is required to update email or password when MFA is "
                         "enabled.");
  }
  const bool anonymous = flag(user, "is_anonymous");
  if (anonymous && password && !password->empty() && email.empty() && phone.empty()) {
    co_return unprocessable(
        "validation_failed",
        "Updating password of an anonymous user without an email or phone is not allowed");
  }

  // secure_password_change: a session older than a day needs the code GET /reauthenticate sent.
  if (password && options_.secure_password_change) {
    const auto created = caller->session.find("created_epoch");
    const bool recent = created != caller->session.end() && created->value().is_int64() &&
                        created->value().as_int64() + 24 * 3600 >= rq.now;
    if (!recent) {
      const std::string nonce = str(b, "nonce");
      if (nonce.empty()) {
        co_return bad_request("reauthentication_needed",
                              "Password update requires reauthentication");
      }
      // The code GET /reauthenticate sent: by mail, or by SMS to a phone-only user.
      const bool by_sms = str(user, "email").empty() && !str(user, "phone").empty();
      const bool checked = by_sms && sms_checks_codes();
      if (checked) {
        // Twilio Verify sent the code, so it checks it, once a code is pending at all.
        std::vector<db::Param> who{caller->user_id};
        auto pending = co_await call(sql::reauthentication_pending, std::move(who));
        if (!pending) co_return std::move(pending).error();
        if (!pending->is_bool() || !pending->as_bool()) {
          co_return unprocessable("reauthentication_not_valid", "Nonce has expired or is invalid");
        }
        auto verdict = co_await provider_code_check(str(user, "phone"), nonce, "reauthentication");
        if (!verdict) co_return std::move(verdict).error();
      }
      std::vector<db::Param> check{
          caller->user_id, token_hash(str(user, by_sms ? "phone" : "email"), nonce),
          std::to_string(by_sms ? options_.sms_otp_expiry : options_.email_otp_expiry),
          std::string(checked ? "true" : "false")};
      auto ok = co_await call(sql::use_reauthentication, std::move(check));
      if (!ok) co_return std::move(ok).error();
      if (!ok->is_bool() || !ok->as_bool()) {
        co_return unprocessable("reauthentication_not_valid", "Nonce has expired or is invalid");
      }
    }
  }

  json::object p = Obj()("user_id", caller->user_id)("ip", rq.ip);
  if (!caller->session_id.empty()) p["session_id"] = caller->session_id;
  if (password) {
    if (!password->empty() && !caller->password_hash.empty()) {
      const bool same = co_await hasher_->verify(*password, caller->password_hash);
      if (same) {
        co_return unprocessable("same_password",
                                "New password should be different from the old password.");
      }
    }
    std::string hash = co_await hasher_->hash(*password);
    if (hash.empty()) {
      co_return bad_request("validation_failed", "Password cannot be longer than 72 characters");
    }
    p["password_hash"] = hash;
  }
  if (auto it = b.find("data"); it != b.end() && it->value().is_object()) p["data"] = it->value();
  // An anonymous user adding an email with confirmations off is confirmed at once; everyone
  // else confirms the new address (and, with double_confirm_changes, the old one) by mail.
  const bool direct_email = changing_email && anonymous && options_.mailer_autoconfirm;
  if (direct_email) {
    p["email"] = email;
    p["email_confirm"] = true;
  }
  // A new phone is confirmed at once without SMS confirmations; with them it waits for the
  // code PUT /user sends (phone.cpp) and POST /verify type phone_change.
  const bool direct_phone = changing_phone && options_.sms_autoconfirm;
  if (direct_phone) {
    p["phone"] = phone;
    p["phone_confirm"] = true;
  }
  if (changing_email || changing_phone) {
    std::vector<db::Param> check{changing_email ? db::Param(email) : db::Param(),
                                 changing_phone ? db::Param(phone) : db::Param(), options_.aud,
                                 caller->user_id};
    auto dup = co_await call(sql::address_taken, std::move(check));
    if (!dup) co_return std::move(dup).error();
    if (flag(dup->as_object(), "email")) co_return sql_error("email_exists");
    if (flag(dup->as_object(), "phone")) {
      co_return unprocessable("phone_exists",
                              "A user with this phone number has already been registered");
    }
  }
  Result<json::value> row = json::value(nullptr);
  if (changing_phone && !direct_phone) {
    row = co_await phone_update_user(rq, p, phone, channel);
  } else {
    row = co_await call_json(sql::update_user, p);
  }
  if (!row) co_return std::move(row).error();
  if (auto code = row_error(*row)) co_return sql_error(*code);
  if (changing_email && !direct_email) {
    const json::object metadata = object_field(user, "raw_user_meta_data");
    auto started =
        co_await start_email_change(rq, caller->user_id, str(user, "email"), email, metadata);
    if (!started) co_return std::move(started).error();
    co_return json_response(200, user_json(started->as_object().at("user").as_object()));
  }
  co_return json_response(200, user_json(row->as_object().at("user").as_object()));
}

}  // namespace basalt::auth
