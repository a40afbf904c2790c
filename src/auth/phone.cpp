// Phone flows with SMS one-time codes, as Supabase Auth (GoTrue) runs them: POST /otp with a
// phone, POST /signup with a phone and password, POST /verify types sms and phone_change,
// POST /resend types sms and phone_change, GET /reauthenticate for phone-only users and the
// phone change of PUT /user. Codes are hashed like the email ones (GoTrue's hash of number and
// code) and each step is one _basalt.auth_phone_* call (R_auth_phone.sql) in a transaction
// that also sends the SMS, so a failed send leaves nothing behind. Codes never reach a log.
#include <fmt/format.h>
#include <openssl/crypto.h>

#include <boost/json/parse.hpp>

#include "auth/auth_error.hpp"
#include "auth/service.hpp"
#include "auth/sql.hpp"
#include "auth/user_json.hpp"
#include "common/log.hpp"

namespace basalt::auth {

namespace asio = boost::asio;
namespace json = boost::json;

Error invalid_channel() {
  return bad_request("validation_failed",
                     "Invalid channel, supported values are 'sms' or 'whatsapp'. 'whatsapp' is "
                     "only supported if Twilio or Twilio Verify is used as the provider.");
}

Error sms_frequency_error(const json::object& row) {
  long long seconds = 0;
  if (auto it = row.find("seconds"); it != row.end() && it->value().is_number()) {
    seconds = static_cast<long long>(it->value().to_number<double>());
  }
  return auth_error(
      429, "over_sms_send_rate_limit",
      fmt::format("For security purposes, you can only request this after {} seconds.", seconds));
}

bool equal_secrets(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {

constexpr std::string_view kTestMessageId = "test-otp";  // GoTrue's message_id for test numbers

// The Error for an {error} row of a phone function.
Error phone_row_error(const json::value& row) {
  const json::object& o = row.as_object();
  const std::string code = str(o, "error");
  if (code == "over_sms_send_rate_limit") return sms_frequency_error(o);
  if (code == "otp_disabled") return unprocessable(code, "Signups not allowed for otp");
  if (code == "signup_disabled") {
    return unprocessable(code, "Signups not allowed for this instance");
  }
  if (code == "otp_expired") return forbidden(code, str(o, "message"));
  if (code == "user_banned_verify") return forbidden("user_banned", "User is banned");
  return sql_error(code);
}

// {} or, for a test number, {"message_id": "test-otp"} (GoTrue answers real sends with {}).
http::Response message_response(bool test) {
  json::object out;
  if (test) out["message_id"] = kTestMessageId;
  return json_response(200, out);
}

}  // namespace

void AuthService::setup_sms() {
  if (options_.sms_sender) {
    sms_ = std::make_unique<HttpSmsSender>(*options_.sms_sender);
  } else if (!options_.sms_provider.empty()) {
    log::warn(
        "auth.sms.{}: Basalt cannot send through this provider (Twilio, Twilio Verify, "
        "MessageBird, Textlocal and Vonage are supported); codes go only to [auth.sms.test_otp] "
        "numbers",
        options_.sms_provider);
  }
}

void AuthService::use_sms(std::unique_ptr<SmsSender> sender) {
  sms_ = std::move(sender);
}

bool AuthService::sms_checks_codes() const {
  return sms_ != nullptr && sms_->checks_codes();
}

asio::awaitable<Status> AuthService::provider_code_check(std::string phone, std::string code,
                                                         std::string_view what) {
  auto verdict = co_await sms_->check(std::move(phone), std::move(code));
  if (verdict) co_return verdict;
  log::info("auth: the SMS provider refused a {} code: {}", what, verdict.error().message);
  co_return forbidden("otp_expired", "Token has expired or is invalid");
}

std::optional<std::string> AuthService::test_otp(const std::string& phone) const {
  auto it = options_.sms_test_otp.find(phone);
  if (it == options_.sms_test_otp.end()) return std::nullopt;
  return it->second;
}

Result<std::string> AuthService::sms_channel(const json::object& body) const {
  std::string channel = str(body, "channel");
  if (channel.empty()) channel = "sms";
  if (channel == "sms") return channel;
  if (channel == "whatsapp" &&
      (options_.sms_provider == "twilio" || options_.sms_provider == "twilio_verify")) {
    return channel;
  }
  return invalid_channel();
}

asio::awaitable<Result<json::value>> AuthService::call_with_sms(std::string_view sql,
                                                                json::object arg, SmsPlan plan,
                                                                const AuthRequest& rq) {
  auto tx = co_await db::Transaction::begin(*pool_, ctx_);
  if (!tx) co_return internal_error("Database error", tx.error().message);
  std::vector<db::Param> params;
  params.emplace_back(json_text(arg));
  auto called = co_await tx_call(*tx, sql, std::move(params));
  if (!called) co_return std::move(called).error();
  json::value row = std::move(called).value();
  if (row_error(row)) {
    co_await tx->abandon();
    co_return row;
  }
  const std::string to = row.is_object() ? str(row.as_object(), "sms_to") : std::string();
  if (!to.empty() && !plan.test) {
    const bool mfa = plan.otp_type.empty();
    if (!sms_) {
      co_await tx->abandon();
      co_return internal_error(mfa ? "Failed to get SMS provider" : "Unable to get SMS provider",
                               "no SMS sender: enable a provider under [auth.sms]");
    }
    if (plan.count && options_.sms_sent) {
      const std::string bucket = "sms_sent";
      const std::string key = "project";
      std::vector<db::Param> take{bucket, key, fmt::format("{:.3f}", rq.now_precise),
                                  fmt::format("{}", options_.sms_sent->per_second),
                                  fmt::format("{}", options_.sms_sent->burst)};
      auto allowed = co_await tx->exec(sql::rate_take, std::move(take));
      if (!allowed) {
        co_return internal_error("Database error",
                                 allowed.error().code + " " + allowed.error().message);
      }
      if (allowed->rows() > 0 && allowed->get(0, 0) == "false") {
        co_await tx->abandon();
        co_return auth_error(429, "over_sms_send_rate_limit", "SMS rate limit exceeded");
      }
    }
    auto text = render_sms_template(plan.template_text, plan.code);
    if (!text) {
      co_await tx->abandon();
      co_return internal_error("error generating sms template", text.error().message);
    }
    SmsMessage message;
    message.phone = to;
    message.body = std::move(text).value();
    message.channel = plan.channel;
    auto sent = co_await sms_->send(std::move(message));
    if (!sent) {
      co_await tx->abandon();
      if (mfa) co_return internal_error("error sending message", sent.error().message);
      co_return unprocessable("sms_send_failed", fmt::format("Error sending {} OTP to provider: {}",
                                                             plan.otp_type, sent.error().message));
    }
  }
  auto committed = co_await tx->commit();
  if (!committed) co_return internal_error("Database error", committed.error().message);
  co_return row;
}

asio::awaitable<AuthService::Reply> AuthService::phone_otp(AuthRequest& rq,
                                                           const json::object& body) {
  const bool create_user = !body.contains("create_user") || flag(body, "create_user");
  std::string phone = str(body, "phone");
  if (!create_user) {
    auto v = validate_phone(phone);
    if (!v) co_return std::move(v).error();
  }
  if (!options_.phone_enabled) {
    co_return bad_request("phone_provider_disabled", "Unsupported phone provider");
  }
  auto v = validate_phone(phone);
  if (!v) co_return std::move(v).error();
  phone = *v;
  auto channel = sms_channel(body);
  if (!channel) co_return std::move(channel).error();

  // A number without a confirmed account signs up first, with a random password.
  std::vector<db::Param> lookup{phone, std::string(), options_.aud};
  auto account = co_await call(sql::phone_account, std::move(lookup));
  if (!account) co_return std::move(account).error();
  const auto test = test_otp(phone);
  const std::string code = test ? *test : otp_digits(options_.sms_otp_length);
  json::object p = Obj()("phone", phone)("aud", options_.aud)("data", object_field(body, "data"))(
      "create_user", create_user)("signup_allowed", options_.enable_signup)(
      "autoconfirm", options_.sms_autoconfirm)("token_hash", token_hash(phone, code))(
      "max_frequency", options_.sms_max_frequency)("channel", *channel)("ip", rq.ip);
  if (!account->is_object()) {
    std::string hash = co_await hasher_->hash(random_token(32));
    if (hash.empty()) co_return internal_error("error creating user", "bcrypt failed");
    p["password_hash"] = std::move(hash);
  }
  SmsPlan plan;
  plan.code = code;
  plan.template_text = options_.sms_template;
  plan.channel = *channel;
  plan.test = test.has_value();
  plan.count = !options_.sms_autoconfirm;
  plan.otp_type = "confirmation";
  auto row = co_await call_with_sms(sql::phone_otp, std::move(p), std::move(plan), rq);
  if (!row) co_return std::move(row).error();
  if (row_error(*row)) co_return phone_row_error(*row);
  // A sign-up that waits for its confirmation answers {} (GoTrue's Signup path).
  if (str(row->as_object(), "status") == "signup") co_return json_response(200, json::object());
  co_return message_response(test.has_value());
}

asio::awaitable<Result<json::value>> AuthService::phone_signup(AuthRequest& rq, json::object p,
                                                               const std::string& phone,
                                                               const std::string& channel) {
  const auto test = test_otp(phone);
  const std::string code = test ? *test : otp_digits(options_.sms_otp_length);
  p["token_hash"] = token_hash(phone, code);
  p["max_frequency"] = options_.sms_max_frequency;
  p["channel"] = channel;
  SmsPlan plan;
  plan.code = code;
  plan.template_text = options_.sms_template;
  plan.channel = channel;
  plan.test = test.has_value();
  plan.count = !options_.sms_autoconfirm;
  plan.otp_type = "confirmation";
  auto row = co_await call_with_sms(sql::phone_signup, std::move(p), std::move(plan), rq);
  if (!row) co_return std::move(row).error();
  if (row_error(*row)) co_return phone_row_error(*row);
  co_return row;
}

asio::awaitable<AuthService::Reply> AuthService::phone_verify(AuthRequest& rq,
                                                              const std::string& type,
                                                              const std::string& token,
                                                              const std::string& phone) {
  // GoTrue looks an email type up by the (empty) email of the request: never found.
  if (type != "sms" && type != "phone_change") {
    co_return forbidden("otp_expired", "Token has expired or is invalid");
  }
  const auto test = test_otp(phone);
  bool checked = test && equal_secrets(*test, token);
  if (!checked && sms_checks_codes()) {
    // Twilio Verify made and sent the code, so only it can say whether the code is right; it is
    // asked only about a number a user waits at (GoTrue's order: user, ban, then Twilio).
    std::vector<db::Param> target{type, phone, options_.aud};
    auto found = co_await call(sql::phone_verify_target, std::move(target));
    if (!found) co_return std::move(found).error();
    if (row_error(*found)) co_return phone_row_error(*found);
    auto verdict = co_await provider_code_check(phone, token, type);
    if (!verdict) co_return std::move(verdict).error();
    checked = true;
  }
  json::object p = Obj()("type", type)("phone", phone)("token_hash", token_hash(phone, token))(
      "checked", checked)("aud", options_.aud)("otp_expiry", options_.sms_otp_expiry)(
      "refresh_token", random_token(12))("ip", rq.ip)("user_agent", rq.user_agent);
  std::vector<db::Param> params{json_text(p)};
  auto r = co_await sign_row(sql::phone_verify, std::move(params), sql::kOtp, rq);
  if (!r) co_return std::move(r).error();
  if (row_error(r->row)) co_return phone_row_error(r->row);
  co_return json_response(200, *r->session);
}

asio::awaitable<AuthService::Reply> AuthService::phone_resend(AuthRequest& rq,
                                                              const std::string& type,
                                                              const std::string& email,
                                                              const std::string& phone) {
  std::vector<db::Param> lookup{phone, email, options_.aud};
  auto account = co_await call(sql::phone_account, std::move(lookup));
  if (!account) co_return std::move(account).error();
  if (!account->is_object()) co_return json_response(200, json::object());
  const json::object& a = account->as_object();
  if (type == "email_change") {
    // A phone naming the account of a pending email change: the mails go out again.
    const std::string pending = str(a, "email_change");
    if (pending.empty()) co_return json_response(200, json::object());
    const std::string user_id = str(a, "id");
    const std::string current = str(a, "email");
    const json::object metadata = object_field(a, "metadata");
    auto started = co_await start_email_change(rq, user_id, current, pending, metadata);
    if (!started) co_return std::move(started).error();
    co_return json_response(200, json::object());
  }
  std::string target;
  json::object p =
      Obj()("user_id", str(a, "id"))("max_frequency", options_.sms_max_frequency)("ip", rq.ip);
  SmsPlan plan;
  if (type == "sms") {
    if (flag(a, "phone_confirmed")) co_return json_response(200, json::object());
    target = phone;
    p["kind"] = "confirmation";
    p["action"] = "user_recovery_requested";
    plan.otp_type = "confirmation";
  } else {  // phone_change
    target = str(a, "phone_change");
    if (target.empty()) co_return json_response(200, json::object());
    p["kind"] = "phone_change";
    plan.otp_type = "phone_change";
  }
  if (target.empty()) co_return json_response(200, json::object());
  const auto test = test_otp(target);
  const std::string code = test ? *test : otp_digits(options_.sms_otp_length);
  p["phone"] = target;
  p["token_hash"] = token_hash(target, code);
  plan.code = code;
  plan.template_text = options_.sms_template;
  plan.test = test.has_value();
  plan.count = !options_.sms_autoconfirm;
  auto row = co_await call_with_sms(sql::phone_send_token, std::move(p), std::move(plan), rq);
  if (!row) co_return std::move(row).error();
  if (row_error(*row)) co_return phone_row_error(*row);
  co_return message_response(test.has_value());
}

asio::awaitable<AuthService::Reply> AuthService::phone_reauthenticate(AuthRequest& rq,
                                                                      const Caller& caller) {
  const std::string phone = str(caller.user, "phone");
  if (str(caller.user, "phone_confirmed_at").empty()) {
    co_return unprocessable("phone_not_confirmed", "Please verify your phone first.");
  }
  const auto test = test_otp(phone);
  const std::string code = test ? *test : otp_digits(options_.sms_otp_length);
  json::object p = Obj()("user_id", caller.user_id)("kind", "reauthentication")(
      "token_hash", token_hash(phone, code))("phone", phone)(
      "max_frequency", options_.sms_max_frequency)("ip", rq.ip)("action",
                                                                "user_reauthenticate_requested");
  SmsPlan plan;
  plan.code = code;
  plan.template_text = options_.sms_template;
  plan.test = test.has_value();
  plan.count = !options_.sms_autoconfirm;
  plan.otp_type = "reauthentication";
  auto row = co_await call_with_sms(sql::phone_send_token, std::move(p), std::move(plan), rq);
  if (!row) co_return std::move(row).error();
  if (row_error(*row)) co_return phone_row_error(*row);
  co_return message_response(test.has_value());
}

asio::awaitable<Result<json::value>> AuthService::phone_update_user(AuthRequest& rq, json::object p,
                                                                    const std::string& phone,
                                                                    const std::string& channel) {
  const auto test = test_otp(phone);
  const std::string code = test ? *test : otp_digits(options_.sms_otp_length);
  p["phone_change"] = json::object(Obj()("phone", phone)("token_hash", token_hash(phone, code))(
      "max_frequency", options_.sms_max_frequency));
  SmsPlan plan;
  plan.code = code;
  plan.template_text = options_.sms_template;
  plan.channel = channel;
  plan.test = test.has_value();
  plan.count = true;  // only reached with confirmations on
  plan.otp_type = "phone_change";
  auto row = co_await call_with_sms(sql::phone_update_user, std::move(p), std::move(plan), rq);
  if (!row) co_return std::move(row).error();
  if (row_error(*row)) co_return phone_row_error(*row);
  co_return row;
}

}  // namespace basalt::auth
