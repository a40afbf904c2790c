// MFA with TOTP authenticator apps: POST /factors (enrol), POST /factors/{id}/challenge,
// POST /factors/{id}/verify (raises the session to aal2), DELETE /factors/{id}. Phone factors
// are phone_mfa.cpp's.
#include <boost/url/parse.hpp>

#include "auth/auth_error.hpp"
#include "auth/service.hpp"
#include "auth/sql.hpp"
#include "auth/totp.hpp"
#include "auth/user_json.hpp"

namespace basalt::auth {

namespace asio = boost::asio;
namespace json = boost::json;

Error mfa_error(std::string_view code, const std::string& name) {
  if (code == "mfa_factor_name_conflict") {
    return unprocessable(
        code, "A factor with the friendly name \"" + name + "\" for this user already exists");
  }
  if (code == "too_many_enrolled_mfa_factors") {
    return unprocessable(code, "Maximum number of verified factors reached, unenroll to continue");
  }
  if (code == "insufficient_aal_enroll") {
    return forbidden("insufficient_aal", "AAL2 required to enroll a new factor");
  }
  if (code == "insufficient_aal_unenroll") {
    return unprocessable("insufficient_aal", "AAL2 required to unenroll verified factor");
  }
  if (code == "mfa_challenge_not_found") {
    return unprocessable("mfa_factor_not_found",
                         "MFA factor with the provided challenge ID not found");
  }
  if (code == "mfa_factor_not_found") return not_found(code, "Factor not found");
  return sql_error(code);
}

asio::awaitable<AuthService::Reply> AuthService::factors(AuthRequest& rq) {
  auto caller = co_await authenticate(rq);
  if (!caller) co_return std::move(caller).error();
  if (flag(caller->claims, "is_anonymous")) {
    co_return forbidden("no_authorization", "Anonymous user not allowed to perform these actions");
  }
  const std::string session_aal = str(caller->session, "aal");

  if (rq.path == "/factors") {
    if (rq.method != "POST") co_return auth_error(405, "method_not_allowed", "Method Not Allowed");
    auto body = body_object(rq);
    if (!body) co_return std::move(body).error();
    const std::string type = str(*body, "factor_type");
    if (type == "phone") co_return co_await mfa_phone_enroll(rq, *caller, *body);
    if (type == "webauthn") {
      co_return unprocessable("mfa_webauthn_enroll_not_enabled",
                              "MFA enroll is disabled for WebAuthn");
    }
    if (type != "totp") {
      co_return bad_request("validation_failed",
                            "factor_type needs to be totp, phone, or webauthn");
    }
    if (!options_.mfa_totp_enroll) {
      co_return unprocessable("mfa_totp_enroll_not_enabled", "MFA enroll is disabled for TOTP");
    }
    if (caller->session_id.empty()) {
      co_return internal_error(
          "A valid session and a registered user are required to enroll a "
          "factor",
          "token without session_id");
    }
    std::string issuer = str(*body, "issuer");
    if (issuer.empty()) {
      auto host = default_totp_issuer(options_.site_url);
      if (!host) co_return std::move(host).error();
      issuer = *host;
    }
    const std::string name = str(*body, "friendly_name");
    const std::string secret = base32_encode(new_totp_secret());
    const std::string uri = otpauth_uri(issuer, str(caller->user, "email"), secret);
    auto qr = totp_qr_svg(uri);
    if (!qr) co_return std::move(qr).error();
    json::object p = Obj()("user_id", caller->user_id)("friendly_name", name)("secret", secret)(
        "factor_type", "totp")("max_factors", options_.mfa_max_enrolled_factors)(
        "session_aal", session_aal)("ip", rq.ip);
    auto row = co_await call_json(sql::mfa_enroll, p);
    if (!row) co_return std::move(row).error();
    if (auto code = row_error(*row)) co_return mfa_error(*code, name);
    json::object totp = Obj()("qr_code", std::move(qr).value())("secret", secret)("uri", uri);
    json::object out = Obj()("id", str(row->as_object(), "id"))("type", "totp")(
        "friendly_name", name)("totp", std::move(totp));
    co_return json_response(200, out);
  }

  // /factors/{id}[/challenge|/verify]
  std::string rest = rq.path.substr(9);
  const auto slash = rest.find('/');
  const std::string factor_id = rest.substr(0, slash);
  const std::string action = slash == std::string::npos ? "" : rest.substr(slash);
  if (!is_uuid(factor_id)) co_return not_found("validation_failed", "factor_id must be an UUID");

  if (action.empty() && rq.method == "DELETE") {
    const std::string admin_flag = "false";
    std::vector<db::Param> params{caller->user_id, factor_id, session_aal, admin_flag, rq.ip};
    auto row = co_await call(sql::mfa_unenroll, std::move(params));
    if (!row) co_return std::move(row).error();
    if (auto code = row_error(*row)) co_return mfa_error(*code);
    co_return json_response(200, *row);
  }
  if (action == "/challenge" && rq.method == "POST") {
    co_return co_await mfa_challenge(rq, *caller, factor_id);
  }
  if (action == "/verify" && rq.method == "POST") {
    auto body = body_object(rq);
    if (!body) co_return std::move(body).error();
    const std::string challenge_id = str(*body, "challenge_id");
    const std::string code = str(*body, "code");
    if (code.empty()) co_return bad_request("validation_failed", "Code needs to be non-empty");
    if (!is_uuid(challenge_id)) {
      co_return bad_request("bad_json", "Could not parse request body as JSON: invalid UUID");
    }
    if (caller->session_id.empty()) {
      co_return internal_error("Cannot read SessionId claim as UUID", "token without session_id");
    }
    std::vector<db::Param> lookup{caller->user_id, factor_id, challenge_id};
    auto state = co_await call(sql::mfa_verify_state, std::move(lookup));
    if (!state) co_return std::move(state).error();
    if (!state->is_object()) co_return internal_error("Database error", "challenge state");
    if (str(state->as_object(), "factor_type") == "phone") {
      co_return co_await mfa_phone_verify(rq, *caller, factor_id, challenge_id, code,
                                          state->as_object());
    }
    if (!options_.mfa_totp_verify) {
      co_return unprocessable("mfa_totp_verify_not_enabled",
                              "MFA verification is disabled for TOTP");
    }
    if (auto err = row_error(*state)) co_return mfa_error(*err);
    const auto& st = state->as_object();
    if (str(st, "ip") != rq.ip && !(str(st, "ip") == "0.0.0.0" && rq.ip.empty())) {
      co_return unprocessable("mfa_ip_address_mismatch",
                              "Challenge and verify IP addresses mismatch.");
    }
    if (flag(st, "verified") ||
        st.at("created_at").as_int64() + options_.mfa_challenge_expiry < rq.now) {
      co_return unprocessable("mfa_challenge_expired",
                              "MFA challenge " + challenge_id +
                                  " has expired, verify against another challenge or create a "
                                  "new challenge.");
    }
    auto secret = base32_decode(str(st, "secret"));
    if (!secret) co_return internal_error("Database error verifying MFA TOTP secret", "secret");
    if (!verify_totp(*secret, code, rq.now)) {
      co_return unprocessable("mfa_verification_failed", "Invalid TOTP code entered");
    }
    json::object p = Obj()("user_id", caller->user_id)("factor_id", factor_id)(
        "challenge_id", challenge_id)("session_id", caller->session_id)(
        "refresh_token", random_token(12))("ip", rq.ip)("user_agent", rq.user_agent);
    co_return co_await issue_json(sql::mfa_verified, p, sql::kTotp, rq);
  }
  co_return not_found("not_found", "Not Found");
}

}  // namespace basalt::auth
