// MFA with phone factors, as Supabase Auth (GoTrue) runs it: POST /factors with factor_type
// phone, POST /factors/{id}/challenge (any factor type; a phone factor's code goes out by SMS,
// only its hash is stored on auth.mfa_challenges), and the phone side of
// POST /factors/{id}/verify, which raises the session to aal2 with the 'mfa/phone' method.
#include <fmt/format.h>

#include <algorithm>

#include "auth/auth_error.hpp"
#include "auth/service.hpp"
#include "auth/sql.hpp"
#include "auth/user_json.hpp"

namespace basalt::auth {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// What a challenge stores for its code: GoTrue's token hash of the factor id and the code.
std::string challenge_hash(std::string factor_id, std::string_view code) {
  std::transform(factor_id.begin(), factor_id.end(), factor_id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return token_hash(factor_id, code);
}

constexpr std::string_view kPhoneBlocked = "phone_blocked";

}  // namespace

asio::awaitable<AuthService::Reply> AuthService::mfa_phone_enroll(AuthRequest& rq,
                                                                  const Caller& caller,
                                                                  const json::object& body) {
  if (!options_.mfa_phone_enroll) {
    co_return unprocessable("mfa_phone_enroll_not_enabled", "MFA enroll is disabled for Phone");
  }
  if (caller.session_id.empty()) {
    co_return internal_error(
        "A valid session and a registered user are required to enroll a factor",
        "token without session_id");
  }
  const std::string raw = str(body, "phone");
  if (raw.empty()) {
    co_return bad_request("validation_failed", "Phone number required to enroll Phone factor");
  }
  auto phone = validate_phone(raw);
  if (!phone) co_return std::move(phone).error();
  const std::string name = str(body, "friendly_name");
  json::object p = Obj()("user_id", caller.user_id)("friendly_name", name)("phone", *phone)(
      "max_factors", options_.mfa_max_enrolled_factors)("session_aal", str(caller.session, "aal"))(
      "ip", rq.ip);
  auto row = co_await call_json(sql::mfa_phone_enroll, p);
  if (!row) co_return std::move(row).error();
  if (auto code = row_error(*row)) {
    if (*code == "mfa_verified_factor_exists") {
      co_return unprocessable(*code,
                              "A verified phone factor already exists, unenroll the existing "
                              "factor to continue");
    }
    co_return mfa_error(*code, name);
  }
  // GoTrue echoes the number as the request gave it.
  json::object out = Obj()("id", str(row->as_object(), "id"))("type", "phone")("friendly_name",
                                                                               name)("phone", raw);
  co_return json_response(200, out);
}

asio::awaitable<AuthService::Reply> AuthService::mfa_challenge(AuthRequest& rq,
                                                               const Caller& caller,
                                                               const std::string& factor_id) {
  // Only a phone factor reads the body and needs phone MFA enabled; the SQL function knows the
  // factor's type, so a reason to refuse a phone factor travels with the call.
  std::optional<Error> refuse;
  std::string channel = "sms";
  if (!options_.mfa_phone_verify) {
    refuse =
        unprocessable("mfa_phone_verify_not_enabled", "MFA verification is disabled for Phone");
  } else if (auto body = body_object(rq); !body) {
    refuse = std::move(body).error();
  } else if (auto c = sms_channel(*body); !c) {
    refuse = std::move(c).error();
  } else {
    channel = *c;
  }
  const std::string code = otp_digits(options_.mfa_phone_otp_length);
  json::object p = Obj()("user_id", caller.user_id)("factor_id", factor_id)("ip", rq.ip)(
      "otp_hash", challenge_hash(factor_id, code))("max_frequency",
                                                   options_.mfa_phone_max_frequency);
  if (refuse) p["phone_error"] = kPhoneBlocked;
  SmsPlan plan;
  plan.code = code;
  plan.template_text = options_.mfa_phone_template;
  plan.channel = channel;
  auto row = co_await call_with_sms(sql::mfa_challenge_factor, std::move(p), std::move(plan), rq);
  if (!row) co_return std::move(row).error();
  if (auto err = row_error(*row)) {
    if (*err == kPhoneBlocked && refuse) co_return *refuse;
    if (*err == "over_sms_send_rate_limit") co_return sms_frequency_error(row->as_object());
    co_return mfa_error(*err);
  }
  const auto& o = row->as_object();
  const std::int64_t created = o.at("created_at").as_int64();
  json::object out = Obj()("id", str(o, "id"))("type", str(o, "type"))(
      "expires_at", created + options_.mfa_challenge_expiry);
  co_return json_response(200, out);
}

asio::awaitable<AuthService::Reply> AuthService::mfa_phone_verify(
    AuthRequest& rq, const Caller& caller, const std::string& factor_id,
    const std::string& challenge_id, const std::string& code, const json::object& state) {
  if (!options_.mfa_phone_verify) {
    co_return unprocessable("mfa_phone_verify_not_enabled",
                            "MFA verification is disabled for Phone");
  }
  if (auto err = row_error(json::value(state))) co_return mfa_error(*err);
  const std::string ip = str(state, "ip");
  if (flag(state, "verified") || (ip != rq.ip && !(ip == "0.0.0.0" && rq.ip.empty()))) {
    co_return unprocessable("mfa_ip_address_mismatch",
                            "Challenge and verify IP addresses mismatch.");
  }
  if (state.at("created_at").as_int64() + options_.mfa_challenge_expiry < rq.now) {
    co_return unprocessable("mfa_challenge_expired",
                            "MFA challenge " + challenge_id +
                                " has expired, verify against another challenge or create a new "
                                "challenge.");
  }
  if (sms_checks_codes()) {
    // Twilio Verify sent the challenge's code; it alone knows it.
    auto verdict = co_await provider_code_check(str(state, "phone"), code, "MFA");
    if (!verdict) co_return std::move(verdict).error();
  } else if (!equal_secrets(challenge_hash(factor_id, code), str(state, "otp_code"))) {
    co_return unprocessable("mfa_verification_failed", "Invalid MFA Phone code entered");
  }
  json::object p = Obj()("user_id", caller.user_id)("factor_id", factor_id)(
      "challenge_id", challenge_id)("session_id", caller.session_id)(
      "refresh_token", random_token(12))("ip", rq.ip)("user_agent", rq.user_agent);
  co_return co_await issue_json(sql::mfa_phone_verified, p, sql::kMfaPhone, rq);
}

}  // namespace basalt::auth
