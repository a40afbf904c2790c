// One-time tokens by email: POST /otp (magic link or code), /magiclink, /recover, /resend,
// GET|POST /verify, and the outbox developers and tests read (GET /basalt/v1/mail). Their
// phone (SMS) variants are phone.cpp's.
#include <fmt/format.h>
#include <openssl/evp.h>

#include <boost/json/array.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <chrono>
#include <set>

#include "auth/auth_error.hpp"
#include "auth/service.hpp"
#include "auth/sql.hpp"
#include "auth/user_json.hpp"
#include "common/random.hpp"
#include "config/config.hpp"
#include "jwt/jwt.hpp"

namespace basalt::auth {

namespace asio = boost::asio;
namespace json = boost::json;

std::string token_hash(std::string_view address, std::string_view otp) {
  const std::string input = std::string(address) + std::string(otp);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), md, &len, EVP_sha224(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

std::string otp_digits(int length) {
  std::string out;
  const std::string hexs = random_hex(static_cast<std::size_t>(length) * 2);
  for (int i = 0; i < length; ++i) {
    // Four random bytes per digit keep the modulo bias negligible.
    const unsigned long v =
        std::stoul(hexs.substr(4 * static_cast<std::size_t>(i), 4), nullptr, 16);
    out += static_cast<char>('0' + v % 10);
  }
  return out;
}

namespace {

// 303 See Other to `location`, as Go's http.Redirect answers a GET.
http::Response redirect_to(const std::string& location) {
  auto res = http::make_response(http::HttpStatus::see_other, "");
  res.erase(http::beast_http::field::content_type);
  res.set(http::beast_http::field::location, location);
  return res;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& kv) {
  std::string out;
  for (const auto& [k, v] : kv) {
    if (!out.empty()) out += '&';
    out += url_encode(k);
    out += '=';
    out += url_encode(v);
  }
  return out;
}

}  // namespace

double AuthService::max_frequency_seconds() const {
  auto d = config::parse_duration(options_.email_max_frequency);
  return d ? std::chrono::duration<double>(*d).count() : 60.0;
}

Error AuthService::link_error(const json::value& row) const {
  const auto& o = row.as_object();
  const std::string code = str(o, "error");
  if (code == "over_email_send_rate_limit") {
    const auto seconds = static_cast<long long>(o.at("seconds").to_number<double>());
    return auth_error(429, code,
                      fmt::format("For security purposes, you can only request this after {} "
                                  "seconds.",
                                  seconds));
  }
  if (code == "otp_expired") return forbidden(code, str(o, "message"));
  if (code == "user_banned_verify") return forbidden("user_banned", "User is banned");
  return sql_error(code);
}

asio::awaitable<Result<void>> AuthService::send_email_token(
    const AuthRequest& rq, const std::string& user_id, const std::string& email,
    const json::object& metadata, MailKind kind, const json::object* pkce) {
  const std::string otp = otp_digits(options_.email_otp_length);
  const std::string hash = (pkce ? "pkce_" : "") + token_hash(email, otp);
  const std::string redirect = redirect_param(rq, redirects_);
  std::string_view link_type = "signup";
  std::string_view store = "confirmation";
  if (kind == MailKind::reauthentication) {
    link_type = "reauthentication";
    store = "reauthentication";
  } else if (kind == MailKind::magic_link) {
    link_type = "magiclink";
    store = "magic_link";
  } else if (kind == MailKind::recovery) {
    link_type = "recovery";
    store = "recovery";
  } else if (kind == MailKind::invite) {
    link_type = "invite";
  }
  MailData d;
  d.confirmation_url = verify_url(options_, hash, link_type, redirect);
  d.token = otp;
  d.token_hash = hash;
  d.redirect_to = redirect;
  d.email = email;
  d.data = metadata;
  auto mail = render_mail(kind, email, std::move(d));
  if (!mail) co_return std::move(mail).error();
  const std::string_view failure = kind == MailKind::recovery     ? sql::kRecoveryFailed
                                   : kind == MailKind::magic_link ? sql::kMagicLinkFailed
                                   : kind == MailKind::reauthentication
                                       ? sql::kReauthenticationFailed
                                       : sql::kConfirmationFailed;
  json::object p =
      Obj()("user_id", user_id)("kind", store)("token_hash", hash)("relates_to", email)(
          "mail", std::move(mail).value())("max_frequency", max_frequency_seconds())("ip", rq.ip);
  if (pkce) p["pkce"] = *pkce;
  auto row = co_await call_with_mail(sql::send_token, std::move(p), failure, rq);
  if (!row) co_return std::move(row).error();
  if (row_error(*row)) co_return link_error(*row);
  co_return Result<void>{};
}

asio::awaitable<AuthService::Reply> AuthService::otp(AuthRequest& rq) {
  auto body = body_object(rq);
  if (!body) co_return std::move(body).error();
  const json::object& b = *body;
  std::string email = str(b, "email");
  const std::string phone = str(b, "phone");
  if (!email.empty() && !phone.empty()) {
    co_return bad_request("validation_failed",
                          "Only an email address or phone number should be provided");
  }
  if (!email.empty() && !str(b, "channel").empty()) {
    co_return bad_request("validation_failed", "Channel should only be specified with Phone OTP");
  }
  if (!phone.empty()) co_return co_await phone_otp(rq, b);
  if (email.empty())
    co_return bad_request("validation_failed", "One of email or phone must be set");
  if (!options_.email_enabled) {
    co_return unprocessable("email_provider_disabled", "Email logins are disabled");
  }
  auto v = validate_email(email);
  if (!v) co_return std::move(v).error();
  email = *v;
  const bool create_user = !b.contains("create_user") || flag(b, "create_user");
  const json::object data = object_field(b, "data");
  std::vector<db::Param> lookup{email, options_.aud};
  auto account = co_await call(sql::email_account, std::move(lookup));
  if (!account) co_return std::move(account).error();
  const bool exists = account->is_object();
  const bool confirmed = exists && flag(account->as_object(), "confirmed");
  if (!confirmed) {
    if (!create_user && !exists) {
      co_return unprocessable("otp_disabled", "Signups not allowed for otp");
    }
    if (!options_.enable_signup && !exists) {
      co_return unprocessable("signup_disabled", "Signups not allowed for this instance");
    }
    // A new (or unconfirmed) address signs up with a random password first.
    std::string hash = co_await hasher_->hash(random_token(32));
    json::object p = Obj()("aud", options_.aud)("ip", rq.ip)("user_agent", rq.user_agent)(
        "data", data)("refresh_token", random_token(12))("provider", "email")("email", email)(
        "autoconfirm", options_.mailer_autoconfirm)("password_hash", hash);
    if (!options_.mailer_autoconfirm) {
      const std::string code = otp_digits(options_.email_otp_length);
      const std::string th = token_hash(email, code);
      auto mail = confirmation_mail(email, data, code, th, redirect_param(rq, redirects_));
      if (!mail) co_return std::move(mail).error();
      p["confirmation_token_hash"] = th;
      p["mail"] = std::move(mail).value();
    }
    auto row = co_await call_with_mail(sql::signup, std::move(p), sql::kConfirmationFailed, rq);
    if (!row) co_return std::move(row).error();
    if (auto code = row_error(*row); code && *code != "user_already_exists") {
      co_return sql_error(*code);
    }
    if (!options_.mailer_autoconfirm) co_return json_response(200, json::object());
    std::vector<db::Param> again{email, options_.aud};
    account = co_await call(sql::email_account, std::move(again));
    if (!account) co_return std::move(account).error();
    if (!account->is_object()) co_return internal_error("Database error", "new user not found");
  }
  const auto& a = account->as_object();
  const json::object metadata = object_field(a, "metadata");
  auto pkce = pkce_params(b, "magiclink");
  if (!pkce) co_return std::move(pkce).error();
  const json::object* pkce_ptr = *pkce ? &**pkce : nullptr;
  auto sent =
      co_await send_email_token(rq, str(a, "id"), email, metadata, MailKind::magic_link, pkce_ptr);
  if (!sent) co_return std::move(sent).error();
  co_return json_response(200, json::object());
}

asio::awaitable<AuthService::Reply> AuthService::reauthenticate(AuthRequest& rq) {
  auto caller = co_await authenticate(rq);
  if (!caller) co_return std::move(caller).error();
  const std::string email = str(caller->user, "email");
  if (email.empty() && !str(caller->user, "phone").empty()) {
    co_return co_await phone_reauthenticate(rq, *caller);
  }
  if (email.empty()) {
    co_return bad_request("validation_failed",
                          "Reauthentication requires the user to have an email or a phone number");
  }
  if (str(caller->user, "email_confirmed_at").empty()) {
    co_return unprocessable("email_not_confirmed", "Please verify your email first.");
  }
  const json::object metadata = object_field(caller->user, "raw_user_meta_data");
  auto sent =
      co_await send_email_token(rq, caller->user_id, email, metadata, MailKind::reauthentication);
  if (!sent) co_return std::move(sent).error();
  co_return json_response(200, json::object());
}

asio::awaitable<AuthService::Reply> AuthService::recover(AuthRequest& rq) {
  auto body = body_object(rq);
  if (!body) co_return std::move(body).error();
  std::string email = str(*body, "email");
  if (email.empty())
    co_return bad_request("validation_failed", "Password recovery requires an email");
  auto v = validate_email(email);
  if (!v) co_return std::move(v).error();
  email = *v;
  std::vector<db::Param> lookup{email, options_.aud};
  auto account = co_await call(sql::email_account, std::move(lookup));
  if (!account) co_return std::move(account).error();
  // No account: the same answer, so the endpoint does not reveal which addresses exist.
  if (!account->is_object()) co_return json_response(200, json::object());
  const auto& a = account->as_object();
  const json::object metadata = object_field(a, "metadata");
  auto pkce = pkce_params(*body, "recovery");
  if (!pkce) co_return std::move(pkce).error();
  const json::object* pkce_ptr = *pkce ? &**pkce : nullptr;
  auto sent =
      co_await send_email_token(rq, str(a, "id"), email, metadata, MailKind::recovery, pkce_ptr);
  if (!sent) co_return std::move(sent).error();
  co_return json_response(200, json::object());
}

asio::awaitable<AuthService::Reply> AuthService::resend(AuthRequest& rq) {
  auto body = body_object(rq);
  if (!body) co_return std::move(body).error();
  const std::string type = str(*body, "type");
  std::string email = str(*body, "email");
  std::string phone = str(*body, "phone");
  if (type != "signup" && type != "email_change" && type != "sms" && type != "phone_change") {
    co_return bad_request("validation_failed",
                          "Missing one of these types: signup, email_change, sms, phone_change");
  }
  if (email.empty() && type == "signup") {
    co_return bad_request("validation_failed", "Type provided requires an email address");
  }
  if (phone.empty() && type == "sms") {
    co_return bad_request("validation_failed", "Type provided requires a phone number");
  }
  if (!email.empty() && !phone.empty()) {
    co_return bad_request("validation_failed",
                          "Only an email address or phone number should be provided.");
  }
  if (!email.empty()) {
    if (!options_.email_enabled) {
      co_return bad_request("email_provider_disabled", "Email logins are disabled");
    }
    auto v = validate_email(email);
    if (!v) co_return std::move(v).error();
    email = *v;
  } else if (!phone.empty()) {
    if (!options_.phone_enabled) {
      co_return bad_request("phone_provider_disabled", "Phone logins are disabled");
    }
    auto v = validate_phone(phone);
    if (!v) co_return std::move(v).error();
    phone = *v;
  } else {
    co_return bad_request("validation_failed", "Missing email address or phone number");
  }
  if (type == "sms" || type == "phone_change" || !phone.empty()) {
    co_return co_await phone_resend(rq, type, email, phone);
  }
  std::vector<db::Param> lookup{email, options_.aud};
  auto account = co_await call(sql::email_account, std::move(lookup));
  if (!account) co_return std::move(account).error();
  if (!account->is_object()) co_return json_response(200, json::object());
  const auto& a = account->as_object();
  const json::object metadata = object_field(a, "metadata");
  if (type == "signup") {
    if (flag(a, "confirmed")) co_return json_response(200, json::object());
    auto sent =
        co_await send_email_token(rq, str(a, "id"), email, metadata, MailKind::confirmation);
    if (!sent) co_return std::move(sent).error();
    co_return json_response(200, json::object());
  }
  // email_change: send the codes again for the pending address.
  const std::string pending = str(a, "email_change");
  if (pending.empty()) co_return json_response(200, json::object());
  auto started = co_await start_email_change(rq, str(a, "id"), email, pending, metadata);
  if (!started) co_return std::move(started).error();
  co_return json_response(200, json::object());
}

asio::awaitable<Result<json::value>> AuthService::start_email_change(const AuthRequest& rq,
                                                                     const std::string& user_id,
                                                                     const std::string& current,
                                                                     const std::string& new_email,
                                                                     const json::object& metadata) {
  const std::string redirect = redirect_param(rq, redirects_);
  // One copy of the change mail, addressed to `to` with a code of its own (hash set to it).
  auto mail_to = [&](const std::string& to, std::string& hash) -> Result<json::object> {
    const std::string otp = otp_digits(options_.email_otp_length);
    hash = token_hash(to, otp);
    MailData d;
    d.confirmation_url = verify_url(options_, hash, "email_change", redirect);
    d.token = otp;
    d.token_hash = hash;
    d.redirect_to = redirect;
    d.email = current;
    d.new_email = new_email;
    d.sending_to = to;
    d.data = metadata;
    return render_mail(MailKind::email_change, to, std::move(d));
  };
  json::array mails;
  std::string hash_new;
  auto mail_new = mail_to(new_email, hash_new);
  if (!mail_new) co_return std::move(mail_new).error();
  mails.push_back(std::move(mail_new).value());
  json::object p = Obj()("user_id", user_id)("new_email", new_email)("token_hash_new", hash_new)(
      "max_frequency", max_frequency_seconds())("ip", rq.ip);
  if (options_.double_confirm_changes && !current.empty()) {
    std::string hash_cur;
    auto mail_cur = mail_to(current, hash_cur);
    if (!mail_cur) co_return std::move(mail_cur).error();
    mails.push_back(std::move(mail_cur).value());
    p["token_hash_current"] = hash_cur;
  }
  p["mails"] = std::move(mails);
  auto row =
      co_await call_with_mail(sql::start_email_change, std::move(p), sql::kEmailChangeFailed, rq);
  if (!row) co_return std::move(row).error();
  if (row_error(*row)) co_return link_error(*row);
  co_return row;
}

asio::awaitable<AuthService::Reply> AuthService::verify(AuthRequest& rq) {
  const bool get = rq.method == "GET";
  std::string type, token, hash, email;
  std::string redirect;
  if (get) {
    type = param(rq, "type");
    token = param(rq, "token");
    redirect = redirect_param(rq, redirects_);
    if (type.empty()) {
      co_return bad_request("validation_failed", "Verify requires a verification type");
    }
    if (token.empty()) {
      co_return bad_request("validation_failed", "Verify requires a token or a token hash");
    }
    hash = token;
  } else {
    auto body = body_object(rq);
    if (!body) co_return std::move(body).error();
    type = str(*body, "type");
    token = str(*body, "token");
    hash = str(*body, "token_hash");
    email = str(*body, "email");
    if (type.empty()) {
      co_return bad_request("validation_failed", "Verify requires a verification type");
    }
    if (token.empty() == hash.empty()) {
      co_return bad_request("validation_failed", "Verify requires either a token or a token hash");
    }
    if (!token.empty()) {
      const std::string phone = str(*body, "phone");
      if (!phone.empty() && email.empty()) {
        auto v = validate_phone(phone);
        if (!v) co_return std::move(v).error();
        co_return co_await phone_verify(rq, type, token, *v);
      }
      if (email.empty() || !phone.empty()) {
        co_return bad_request("validation_failed",
                              "Only an email address or phone number should be provided on "
                              "verify");
      }
      if (type == "sms" || type == "phone_change") {
        // GoTrue looks the user up by the request's (empty) phone: never found.
        co_return forbidden("otp_expired", "Token has expired or is invalid");
      }
      auto v = validate_email(email);
      if (!v) co_return unprocessable("validation_failed", "Invalid email format");
      email = *v;
      hash = token_hash(email, token);
    } else if (!email.empty() || !str(*body, "phone").empty() ||
               !str(*body, "redirect_to").empty()) {
      co_return bad_request("validation_failed", "Only the token_hash and type should be provided");
    }
  }
  static const std::set<std::string> kTypes = {"signup",    "invite",       "recovery",
                                               "magiclink", "email_change", "email"};
  if (!kTypes.count(type)) {
    co_return bad_request("validation_failed", get || email.empty()
                                                   ? "Invalid email verification type"
                                                   : "Unsupported verification type");
  }
  json::object p = Obj()("type", type)("token_hash", hash)("aud", options_.aud)(
      "otp_expiry", options_.email_otp_expiry)("double_confirm", options_.double_confirm_changes)(
      "refresh_token", random_token(12))("ip", rq.ip)("user_agent", rq.user_agent);
  if (!email.empty()) p["email"] = email;
  if (get) p["get"] = true;

  auto fail = [&](const Error& e) -> http::Response {
    if (!get) return error_response(e, rq.version);
    // GET: back to the app with the error in the fragment, as GoTrue redirects.
    std::string oauth = e.status == 403   ? "access_denied"
                        : e.status >= 500 ? "server_error"
                                          : "invalid_request";
    const std::string target = redirect + "#" +
                               form_encode({{"error", oauth},
                                            {"error_code", e.code},
                                            {"error_description", e.message},
                                            {"sb", ""}});
    return redirect_to(target);
  };
  // The session (when the token grants one) goes through the custom access token hook like
  // every other; PKCE codes and the first half of a double confirmation are answers without one.
  auto answer_without_session = +[](const json::value& r) {
    return r.is_object() &&
           (!str(r.as_object(), "code").empty() || flag(r.as_object(), "single_confirmation"));
  };
  std::vector<db::Param> params{json_text(p)};
  auto signed_row =
      co_await sign_row(sql::verify, std::move(params), sql::kOtp, rq, answer_without_session);
  if (!signed_row) co_return fail(signed_row.error());
  const json::value* row = &signed_row->row;
  if (row_error(*row)) co_return fail(link_error(*row));
  if (const std::string code = str(row->as_object(), "code"); !code.empty()) {
    // PKCE: back to the app with ?code=, which it exchanges at /token?grant_type=pkce.
    auto parsed = boost::urls::parse_uri_reference(redirect);
    if (!parsed) co_return redirect_to(redirect + "?code=" + url_encode(code));
    boost::urls::url target(*parsed);
    target.params().set("code", code);
    co_return redirect_to(std::string(target.buffer()));
  }
  if (flag(row->as_object(), "single_confirmation")) {
    static constexpr std::string_view kSingle =
        "Confirmation link accepted. Please proceed to confirm link sent to the other email";
    if (!get) {
      co_return json_response(200, json::object(Obj()("msg", kSingle)("code", "200")));
    }
    co_return redirect_to(redirect + "#" +
                          form_encode({{"message", std::string(kSingle)}, {"sb", ""}}));
  }
  if (!signed_row->session) co_return fail(internal_error("Database error", "no session issued"));
  if (!get) co_return json_response(200, *signed_row->session);
  const auto& s = *signed_row->session;
  const std::string target =
      redirect + "#" +
      form_encode({{"access_token", str(s, "access_token")},
                   {"expires_at", std::to_string(s.at("expires_at").as_int64())},
                   {"expires_in", std::to_string(s.at("expires_in").as_int64())},
                   {"refresh_token", str(s, "refresh_token")},
                   {"sb", ""},
                   {"token_type", "bearer"},
                   {"type", str(row->as_object(), "type")}});
  co_return redirect_to(target);
}

asio::awaitable<http::Response> AuthService::outbox(http::Exchange& ex) {
  AuthRequest rq;
  rq.ex = &ex;
  rq.now = std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count();
  auto admin_role = require_admin(rq);
  if (!admin_role) co_return error_response(admin_role.error(), "");
  std::vector<db::Param> params{param(rq, "to")};
  auto rows = co_await call(sql::outbox, std::move(params));
  if (!rows) co_return error_response(rows.error(), "");
  json::array out;
  if (rows->is_array()) {
    for (const auto& m : rows->as_array()) {
      json::object o = m.as_object();
      o["created_at"] = rfc3339(str(o, "created_at"));
      out.push_back(std::move(o));
    }
  }
  co_return json_response(200, out);
}

}  // namespace basalt::auth
