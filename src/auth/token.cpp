// POST /token?grant_type=password|refresh_token, POST /logout.
#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include "auth/auth_error.hpp"
#include "auth/password_policy.hpp"
#include "auth/pkce.hpp"
#include "auth/service.hpp"
#include "auth/sql.hpp"
#include "auth/user_json.hpp"

namespace basalt::auth {

namespace asio = boost::asio;
namespace json = boost::json;

asio::awaitable<AuthService::Reply> AuthService::token(AuthRequest& rq) {
  std::string grant = param(rq, "grant_type");
  auto body = body_object(rq);
  if (!body) co_return std::move(body).error();
  if (grant.empty()) grant = str(*body, "grant_type");
  if (grant == "password") co_return co_await password_grant(rq, *body);
  if (grant == "refresh_token") co_return co_await refresh_grant(rq, *body);
  if (grant == "pkce") co_return co_await pkce_grant(rq, *body);
  if (grant == "id_token") co_return co_await id_token_grant(rq, *body);  // oauth.cpp
  co_return bad_request("invalid_credentials", "unsupported_grant_type");
}

asio::awaitable<AuthService::Reply> AuthService::password_grant(AuthRequest& rq,
                                                                const json::object& body) {
  const std::string email = str(body, "email");
  std::string phone = str(body, "phone");
  const std::string password = str(body, "password");
  if (!email.empty() && !phone.empty()) {
    co_return bad_request("validation_failed",
                          "Only an email address or phone number should be provided on login.");
  }
  std::string provider;
  if (!email.empty()) {
    if (!options_.email_enabled) {
      co_return unprocessable("email_provider_disabled", "Email logins are disabled");
    }
    provider = "email";
  } else if (!phone.empty()) {
    if (!options_.phone_enabled) {
      co_return unprocessable("phone_provider_disabled", "Phone logins are disabled");
    }
    // GoTrue's formatPhoneNumber: no leading '+', no spaces.
    if (!phone.empty() && phone.front() == '+') phone.erase(0, 1);
    phone.erase(std::remove(phone.begin(), phone.end(), ' '), phone.end());
    provider = "phone";
  } else {
    co_return bad_request("validation_failed", "missing email or phone");
  }
  const Error invalid = bad_request("invalid_credentials", "Invalid login credentials");

  std::vector<db::Param> lookup{email.empty() ? db::Param() : email,
                                phone.empty() ? db::Param() : phone, options_.aud};
  auto account = co_await call(sql::password_account, std::move(lookup));
  if (!account) co_return std::move(account).error();
  if (!account->is_object()) co_return invalid;
  const auto& a = account->as_object();
  const std::string hash = str(a, "hash");
  if (hash.empty()) co_return invalid;
  if (flag(a, "banned")) co_return bad_request("user_banned", "User is banned");
  const bool ok = co_await hasher_->verify(password, hash);
  if (!ok) co_return invalid;
  if (provider == "email" && !flag(a, "email_confirmed")) {
    co_return bad_request("email_not_confirmed", "Email not confirmed");
  }
  if (provider == "phone" && !flag(a, "phone_confirmed")) {
    co_return bad_request("phone_not_confirmed", "Phone not confirmed");
  }
  json::object in = Obj()("user_id", str(a, "id"))("provider", provider)("method", "password")(
      "refresh_token", random_token(12))("ip", rq.ip)("user_agent", rq.user_agent);
  auto reply = co_await issue_json(sql::sign_in, in, sql::kPassword, rq);
  if (!reply) co_return reply;
  // A correct password that no longer meets the policy still signs in, with a warning.
  if (auto weak = check_password_strength(password, policy_)) {
    boost::system::error_code ec;
    json::value v = json::parse(reply->body(), ec);
    if (!ec && v.is_object()) {
      json::array reasons;
      for (const auto& r : weak->reasons) reasons.emplace_back(r);
      v.as_object()["weak_password"] =
          json::object(Obj()("message", weak->message)("reasons", std::move(reasons)));
      co_return json_response(200, v);
    }
  }
  co_return reply;
}

asio::awaitable<AuthService::Reply> AuthService::pkce_grant(AuthRequest& rq,
                                                            const json::object& body) {
  const std::string code = str(body, "auth_code");
  const std::string verifier = str(body, "code_verifier");
  if (code.empty() || verifier.empty()) {
    co_return bad_request("validation_failed",
                          "invalid request: both auth code and code verifier should be non-empty");
  }
  std::vector<db::Param> lookup{code};
  auto flow = co_await call(sql::flow_state, std::move(lookup));
  if (!flow) co_return std::move(flow).error();
  if (!flow->is_object()) {
    co_return not_found("flow_state_not_found", "invalid flow state, no valid flow state found");
  }
  const auto& f = flow->as_object();
  // GoTrue's FlowStateExpiryDuration: five minutes from the code being issued.
  if (f.at("issued_epoch").as_int64() + 300 < rq.now) {
    co_return unprocessable("flow_state_expired", "invalid flow state, flow state has expired");
  }
  if (auto ok = verify_pkce(str(f, "challenge"), str(f, "method"), verifier); !ok) {
    co_return ok.error();
  }
  const std::string method = str(f, "authentication_method");
  json::object in = Obj()("flow_id", str(f, "id"))("user_id", str(f, "user_id"))("method", method)(
      "refresh_token", random_token(12))("ip", rq.ip)("user_agent", rq.user_agent);
  co_return co_await issue_json(sql::pkce_sign_in, in, method, rq);
}

asio::awaitable<AuthService::Reply> AuthService::refresh_grant(AuthRequest& rq,
                                                               const json::object& body) {
  const std::string token = str(body, "refresh_token");
  if (token.empty()) {
    // An OAuth-style error, as GoTrue sends for this one.
    co_return json_response(400, json::object(Obj()("error", "invalid_request")(
                                     "error_description", "refresh_token required")));
  }
  json::object in = Obj()("token", token)("new_token", random_token(12))(
      "reuse_interval", options_.refresh_token_reuse_interval)(
      "rotation", options_.refresh_token_rotation)("ip", rq.ip)("user_agent", rq.user_agent);
  co_return co_await issue_json(sql::refresh, in, sql::kTokenRefresh, rq);
}

asio::awaitable<AuthService::Reply> AuthService::logout(AuthRequest& rq) {
  auto caller = co_await authenticate(rq);
  if (!caller) co_return std::move(caller).error();
  const std::string scope = param(rq, "scope");
  if (!scope.empty() && scope != "global" && scope != "local" && scope != "others") {
    co_return bad_request("validation_failed", "Unsupported logout scope \"" + scope + "\"");
  }
  std::vector<db::Param> params{caller->user_id,
                                caller->session_id.empty() ? db::Param() : caller->session_id,
                                scope.empty() ? std::string("global") : scope, rq.ip};
  auto r = co_await call(sql::logout, std::move(params));
  if (!r) co_return std::move(r).error();
  co_return http::make_response(http::HttpStatus::no_content, "");
}

}  // namespace basalt::auth
