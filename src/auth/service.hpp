// The Auth service (/auth/v1): Supabase Auth's (GoTrue's) HTTP API in front of the `auth`
// schema. Each handler validates the request, does the CPU work (bcrypt on the hasher's worker
// pool, token signing) in C++, and makes its writes with one call of a _basalt.auth_* SQL
// function run as supabase_auth_admin, so the app's triggers on auth.users fire inside the
// same transaction and any number of Basalt nodes can share the database.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/mail_template.hpp"
#include "auth/options.hpp"
#include "auth/password_hasher.hpp"
#include "auth/password_policy.hpp"
#include "auth/phone.hpp"
#include "auth/redirect.hpp"
#include "auth/sms.hpp"
#include "auth/smtp.hpp"
#include "auth/tokens.hpp"
#include "db/pool.hpp"
#include "db/transaction.hpp"
#include "http/exchange.hpp"

namespace basalt::auth {

class OidcProviders;  // auth/oidc_provider.hpp
// The [auth.external.*] providers of `options` (oauth.cpp); null when none is configured.
std::shared_ptr<OidcProviders> make_oidc_providers(const AuthOptions& options);

// One request on its way through the service.
struct AuthRequest {
  http::Exchange* ex = nullptr;
  std::string method;
  std::string path;     // below /auth/v1, without a trailing slash ("" for the root)
  std::string version;  // X-Supabase-Api-Version in effect ("" = initial)
  std::int64_t now = 0;
  std::string ip;  // the client: the peer, or X-Forwarded-For behind a trusted proxy
  std::string user_agent;
  double now_precise = 0;  // unix seconds with a fraction, for the rate limiter
};

// The signed-in caller of an endpoint that requires a user token.
struct Caller {
  boost::json::object claims;
  std::string user_id;
  std::string session_id;       // "" when the token names none
  boost::json::object user;     // _basalt.auth_user() row
  boost::json::object session;  // empty when none
  std::string password_hash;
};

class AuthService {
 public:
  // Fails when the options are inconsistent (e.g. an unknown password_requirements value).
  static Result<std::shared_ptr<AuthService>> create(AuthOptions options,
                                                     std::shared_ptr<db::Pool> pool);
  // Sends mail over SMTP instead of keeping it in the outbox ([auth.email.smtp]).
  void use_smtp(SmtpConfig config);
  // Sends SMS through `sender` instead of the one [auth.sms] configures (tests).
  void use_sms(std::unique_ptr<SmsSender> sender);
  AuthService(AuthOptions options, std::shared_ptr<db::Pool> pool, PasswordPolicy policy);

  boost::asio::awaitable<http::Response> handle(http::Exchange& ex);
  // GET /basalt/v1/mail[?to=address]: the outbox (service_role only).
  boost::asio::awaitable<http::Response> outbox(http::Exchange& ex);

 private:
  using Reply = Result<http::Response>;
  boost::asio::awaitable<Reply> route(AuthRequest& rq);

  // Handlers (one file per area: signup.cpp, token.cpp, user.cpp, admin.cpp).
  Reply settings() const;
  boost::asio::awaitable<Reply> signup(AuthRequest& rq);
  boost::asio::awaitable<Reply> token(AuthRequest& rq);
  boost::asio::awaitable<Reply> password_grant(AuthRequest& rq, const boost::json::object& body);
  boost::asio::awaitable<Reply> pkce_grant(AuthRequest& rq, const boost::json::object& body);
  boost::asio::awaitable<Reply> refresh_grant(AuthRequest& rq, const boost::json::object& body);
  boost::asio::awaitable<Reply> logout(AuthRequest& rq);
  boost::asio::awaitable<Reply> get_user(AuthRequest& rq);
  boost::asio::awaitable<Reply> update_user(AuthRequest& rq);
  boost::asio::awaitable<Reply> reauthenticate(AuthRequest& rq);
  boost::asio::awaitable<Reply> otp(AuthRequest& rq);
  boost::asio::awaitable<Reply> recover(AuthRequest& rq);
  boost::asio::awaitable<Reply> resend(AuthRequest& rq);
  boost::asio::awaitable<Reply> verify(AuthRequest& rq);
  boost::asio::awaitable<Reply> factors(AuthRequest& rq);  // /factors[/{id}[/...]]
  boost::asio::awaitable<Reply> admin(AuthRequest& rq);
  boost::asio::awaitable<Reply> admin_list_users(AuthRequest& rq);
  boost::asio::awaitable<Reply> admin_create_user(AuthRequest& rq, const std::string& actor);
  boost::asio::awaitable<Reply> admin_generate_link(AuthRequest& rq, const std::string& actor,
                                                    bool invite_endpoint);
  boost::asio::awaitable<Reply> admin_user(AuthRequest& rq, const std::string& id,
                                           const std::string& actor);

  // OAuth / OpenID Connect providers (oauth.cpp): GET /authorize, GET|POST /callback,
  // POST /token?grant_type=id_token, and their one SQL call (find-or-create, then a session or
  // the PKCE code) with the custom access token hook when one is configured.
  boost::asio::awaitable<Reply> authorize(AuthRequest& rq);
  // The provider's authorization URL for /authorize and manual linking (link_user: the
  // signed-in user who gets the identity).
  boost::asio::awaitable<Result<std::string>> provider_redirect(AuthRequest& rq,
                                                                std::string link_user);
  boost::asio::awaitable<Reply> link_identity(AuthRequest& rq);
  boost::asio::awaitable<Reply> unlink_identity(AuthRequest& rq, std::string_view identity_id);
  boost::asio::awaitable<Reply> callback(AuthRequest& rq);
  boost::asio::awaitable<Reply> id_token_grant(AuthRequest& rq, const boost::json::object& body);
  boost::asio::awaitable<Result<boost::json::object>> oauth_sign_in(boost::json::object arg,
                                                                    const AuthRequest& rq);

  // The [auth.rate_limit] bucket a request counts against, if any (service.cpp).
  const std::optional<RateLimit>* rate_limit_for(const AuthRequest& rq,
                                                 std::string_view* bucket) const;
  boost::asio::awaitable<Status> check_rate(const AuthRequest& rq);

  // Shared steps.
  boost::asio::awaitable<Result<Caller>> authenticate(AuthRequest& rq);
  Result<std::string> require_admin(const AuthRequest& rq) const;  // the admin role
  // Runs `SELECT <fn>($1::jsonb)` (or the given SQL) and returns its one JSON value: one
  // autocommit statement when the pool logs in as supabase_auth_admin (no BEGIN, context or
  // COMMIT to run), else in a transaction that switches to that role.
  boost::asio::awaitable<Result<boost::json::value>> call(std::string_view sql,
                                                          std::vector<db::Param> params);
  // The same call inside `tx`: its JSON result (null when it returned no value).
  static boost::asio::awaitable<Result<boost::json::value>> tx_call(db::Transaction& tx,
                                                                    std::string_view sql,
                                                                    std::vector<db::Param> params);
  // Runs a session-issuing call and signs the session its row describes, running the custom
  // access token hook in the same transaction when one is configured. A row with an error
  // code, or one `is_answer` picks (e.g. a PKCE flow's code instead of a session), is kept as
  // it stands (committed) and returned as `row` without a session.
  struct Signed {
    boost::json::value row;
    std::optional<boost::json::object> session;
  };
  boost::asio::awaitable<Result<Signed>> sign_row(
      std::string_view sql, std::vector<db::Param> params, std::string_view method,
      const AuthRequest& rq, bool (*is_answer)(const boost::json::value&) = nullptr);
  // sign_row, answered with the session JSON or the row's error.
  boost::asio::awaitable<Reply> issue(std::string_view sql, std::vector<db::Param> params,
                                      std::string_view method, const AuthRequest& rq);
  // The same with one jsonb argument (not coroutines: they build the argument list).
  boost::asio::awaitable<Result<boost::json::value>> call_json(std::string_view sql,
                                                               const boost::json::object& arg);
  boost::asio::awaitable<Reply> issue_json(std::string_view sql, const boost::json::object& arg,
                                           std::string_view method, const AuthRequest& rq);
  Result<boost::json::object> session_from(const boost::json::value& row, const AuthRequest& rq);
  // One-time tokens by mail (links.cpp).
  boost::asio::awaitable<Result<void>> send_email_token(const AuthRequest& rq,
                                                        const std::string& user_id,
                                                        const std::string& email,
                                                        const boost::json::object& metadata,
                                                        MailKind kind,
                                                        const boost::json::object* pkce = nullptr);
  boost::asio::awaitable<Result<boost::json::value>> start_email_change(
      const AuthRequest& rq, const std::string& user_id, const std::string& current,
      const std::string& new_email, const boost::json::object& metadata);
  Error link_error(const boost::json::value& row) const;
  // A call whose argument carries "mail" (or "mails"): without SMTP the function keeps them in
  // the outbox; with SMTP they are sent inside the call's transaction, which rolls back when
  // sending fails (500 `failure`), as Supabase Auth does. Counts [auth.rate_limit] email_sent.
  boost::asio::awaitable<Result<boost::json::value>> call_with_mail(std::string_view sql,
                                                                    boost::json::object arg,
                                                                    std::string_view failure,
                                                                    const AuthRequest& rq);
  double max_frequency_seconds() const;

  // Phone sign-up, SMS one-time codes and phone MFA (phone.cpp, phone_mfa.cpp).
  void setup_sms();  // the sender [auth.sms] configures
  // Runs a _basalt.auth_phone_* call in a transaction and, when its result names a number
  // ("sms_to") and the plan is not a test number, sends the code there before committing; a
  // failed send (or an {error} row) rolls the call back.
  boost::asio::awaitable<Result<boost::json::value>> call_with_sms(std::string_view sql,
                                                                   boost::json::object arg,
                                                                   SmsPlan plan,
                                                                   const AuthRequest& rq);
  // The fixed code of an [auth.sms.test_otp] number; a channel checked as GoTrue does.
  std::optional<std::string> test_otp(const std::string& phone) const;
  // Whether the SMS provider checks codes itself (Twilio Verify), as SmsSender::check().
  bool sms_checks_codes() const;
  // Asks that provider whether `code` is the one it sent to `phone`; its refusal is GoTrue's
  // 403 otp_expired (the provider's reason goes to the log, `what` naming the code's use).
  boost::asio::awaitable<Status> provider_code_check(std::string phone, std::string code,
                                                     std::string_view what);
  Result<std::string> sms_channel(const boost::json::object& body) const;  // "sms" by default
  boost::asio::awaitable<Reply> phone_otp(AuthRequest& rq, const boost::json::object& body);
  // POST /signup with a phone (the password hash and common fields already in `p`).
  boost::asio::awaitable<Result<boost::json::value>> phone_signup(AuthRequest& rq,
                                                                  boost::json::object p,
                                                                  const std::string& phone,
                                                                  const std::string& channel);
  boost::asio::awaitable<Reply> phone_verify(AuthRequest& rq, const std::string& type,
                                             const std::string& token, const std::string& phone);
  boost::asio::awaitable<Reply> phone_resend(AuthRequest& rq, const std::string& type,
                                             const std::string& email, const std::string& phone);
  boost::asio::awaitable<Reply> phone_reauthenticate(AuthRequest& rq, const Caller& caller);
  // PUT /user changing the phone with confirmations on: the update and the code, together.
  boost::asio::awaitable<Result<boost::json::value>> phone_update_user(AuthRequest& rq,
                                                                       boost::json::object p,
                                                                       const std::string& phone,
                                                                       const std::string& channel);
  boost::asio::awaitable<Reply> mfa_phone_enroll(AuthRequest& rq, const Caller& caller,
                                                 const boost::json::object& body);
  // POST /factors/{id}/challenge for any factor type (a phone factor gets its code by SMS).
  boost::asio::awaitable<Reply> mfa_challenge(AuthRequest& rq, const Caller& caller,
                                              const std::string& factor_id);
  boost::asio::awaitable<Reply> mfa_phone_verify(AuthRequest& rq, const Caller& caller,
                                                 const std::string& factor_id,
                                                 const std::string& challenge_id,
                                                 const std::string& code,
                                                 const boost::json::object& state);

  // Mails (mail.cpp): a kind's configured or default template rendered for `to`, as the JSON
  // _basalt.auth_queue_mail() stores.
  Result<boost::json::object> render_mail(MailKind kind, const std::string& to,
                                          MailData data) const;
  Result<boost::json::object> confirmation_mail(const std::string& email,
                                                const boost::json::object& user_metadata,
                                                const std::string& otp,
                                                const std::string& token_hash,
                                                const std::string& redirect_to) const;

  AuthOptions options_;
  std::shared_ptr<db::Pool> pool_;
  std::unique_ptr<PasswordHasher> hasher_;
  PasswordPolicy policy_;
  RedirectPolicy redirects_;
  std::unique_ptr<SmtpSender> smtp_;  // null: mail goes to the outbox
  std::unique_ptr<SmsSender> sms_;    // null: only [auth.sms.test_otp] numbers get codes
  db::RequestContext ctx_;
  std::string hook_sql_;  // SELECT "schema"."fn"($1::jsonb), when a hook is configured
  std::shared_ptr<OidcProviders> oidc_ = make_oidc_providers(options_);
};

// Builds a JSON object key by key: GCC 12 miscompiles brace-initialised objects with string
// literals inside coroutines ("array used as initializer"), so coroutines use this instead.
class Obj {
 public:
  template <class T>
  Obj& operator()(std::string_view key, T&& v) {
    o_[key] = std::forward<T>(v);
    return *this;
  }
  boost::json::object take() { return std::move(o_); }
  operator boost::json::object() { return std::move(o_); }  // NOLINT implicit; moves out

 private:
  boost::json::object o_;
};

// PKCE parameters of a request body: nullopt for the implicit flow, else the flow-state JSON
// {challenge, method, authentication_method} the SQL functions store (service.cpp).
Result<std::optional<boost::json::object>> pkce_params(const boost::json::object& body,
                                                       std::string_view authentication_method);

// Small shared helpers (service.cpp).
http::Response json_response(int status, const boost::json::value& body);
Result<boost::json::object> body_object(const AuthRequest& rq);
std::string param(const AuthRequest& rq, std::string_view name);  // query-string value
// The redirect target a request asks for: ?redirect_to=, else the Referer header.
std::string redirect_param(const AuthRequest& rq, const RedirectPolicy& policy);
bool is_uuid(std::string_view s);
Result<std::string> validate_email(std::string_view email);
Result<std::string> validate_phone(std::string_view phone);
std::string random_token(std::size_t length);  // lower-case base32, as GoTrue's
std::string json_text(const boost::json::value& v);
// Percent-encoding that keeps only RFC 3986 unreserved characters.
std::string url_encode(std::string_view s);
// The link a mail carries to GET /verify (GoTrue's ConfirmationURL and action_link).
std::string verify_url(const AuthOptions& o, std::string_view token_hash, std::string_view type,
                       std::string_view redirect_to);
// GoTrue's token hash: hex SHA-224 of the address followed by the one-time code.
std::string token_hash(std::string_view address, std::string_view otp);
std::string otp_digits(int length);  // a random numeric one-time code
// The Error for an {"error": code} row of a _basalt.auth_* function.
Error sql_error(std::string_view code);
// A row's {"error": code}, if it has one.
std::optional<std::string> row_error(const boost::json::value& row);

}  // namespace basalt::auth
