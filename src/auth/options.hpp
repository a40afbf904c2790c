// What the Auth service needs from supabase/config.toml ([auth] and its sub-tables), resolved
// once at start: the values Supabase Auth would read from its GOTRUE_* environment.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "auth/rate_limit.hpp"
#include "auth/sms_config.hpp"
#include "config/config.hpp"
#include "jwt/key_set.hpp"

namespace basalt::auth {

// A Postgres function named by [auth.hook.*] uri = "pg-functions://postgres/<schema>/<fn>".
struct PgFunctionHook {
  std::string schema;
  std::string function;
};

// One [auth.external.<name>] table: the CLI's keys plus Basalt's generic-OIDC extensions.
// Endpoints left empty come from OpenID Connect discovery on the issuer.
struct OAuthProviderOptions {
  bool enabled = false;
  std::vector<std::string> client_ids;  // client_id, comma-separated; the first is ours
  std::string secret;                   // never logged
  std::string redirect_uri;             // default <api_url>/auth/v1/callback
  std::string url;                      // issuer base (keycloak, azure, workos, any OIDC)
  bool skip_nonce_check = false;
  bool email_optional = false;
  std::string issuer;  // Basalt: the issuer when it differs from `url`
  std::string authorization_url;
  std::string token_url;
  std::string userinfo_url;
  std::string jwks_url;
  std::vector<std::string> scopes;  // Basalt: scopes asked for besides openid email profile
};

struct AuthOptions {
  std::string jwt_secret;
  std::shared_ptr<const jwt::KeySet> signing_keys;  // [auth] signing_keys_path; null: HS256
  std::string api_url;  // how clients reach Basalt, e.g. http://127.0.0.1:54321
  std::string issuer;   // iss claim: [auth] jwt_issuer, else <API URL>/auth/v1
  std::string aud = "authenticated";
  std::vector<std::string> admin_roles{"service_role", "supabase_admin"};
  int jwt_expiry = 3600;
  // The pool logs in as supabase_auth_admin (embedded Postgres), so a lookup needs no role
  // switch; with DATABASE_URL every statement runs in a transaction that switches roles.
  bool db_login_is_auth_admin = false;

  std::string site_url = "http://127.0.0.1:3000";
  std::vector<std::string> additional_redirect_urls;

  bool enable_signup = true;  // [auth] enable_signup (false: disable_signup)
  bool enable_anonymous_sign_ins = false;
  bool enable_manual_linking = false;   // GET /user/identities/authorize, DELETE /user/identities
  bool email_enabled = true;            // [auth.email] enable_signup: the email provider
  bool mailer_autoconfirm = true;       // ! [auth.email] enable_confirmations
  bool secure_password_change = false;  // [auth.email] secure_password_change
  bool double_confirm_changes = true;   // [auth.email] double_confirm_changes
  std::string email_max_frequency = "1s";  // [auth.email] max_frequency (Go duration)
  int email_otp_length = 6;                // [auth.email] otp_length
  int email_otp_expiry = 3600;             // [auth.email] otp_expiry (seconds)
  bool mfa_totp_enroll = false;            // [auth.mfa.totp] enroll_enabled
  bool mfa_totp_verify = false;            // [auth.mfa.totp] verify_enabled
  int mfa_max_enrolled_factors = 10;       // [auth.mfa] max_enrolled_factors
  int mfa_challenge_expiry = 300;          // seconds a challenge stays valid
  bool phone_enabled = false;              // [auth.sms] enable_signup
  bool sms_autoconfirm = true;             // ! [auth.sms] enable_confirmations
  std::string sms_provider;                // "twilio", ... or "" when none is enabled
  // Phone OTPs (phone.cpp). GoTrue's values as the Supabase CLI sets them.
  std::string sms_template = "Your code is {{ .Code }}";  // [auth.sms] template
  double sms_max_frequency = 5;                           // [auth.sms] max_frequency, seconds
  int sms_otp_length = 6;                                 // the CLI's GOTRUE_SMS_OTP_LENGTH
  int sms_otp_expiry = 6000;                              // the CLI's GOTRUE_SMS_OTP_EXP
  std::map<std::string, std::string> sms_test_otp;  // [auth.sms.test_otp]: number (no '+') -> code
  // The enabled provider's sender settings (none for twilio_verify, which Basalt lacks).
  std::optional<SmsProviderConfig> sms_sender;
  std::optional<RateLimit> sms_sent;  // [auth.rate_limit] sms_sent, per hour for the project
  bool mfa_phone_enroll = false;      // [auth.mfa.phone] enroll_enabled
  bool mfa_phone_verify = false;      // [auth.mfa.phone] verify_enabled
  int mfa_phone_otp_length = 6;       // [auth.mfa.phone] otp_length
  std::string mfa_phone_template = "Your code is {{ .Code }}";  // [auth.mfa.phone] template
  double mfa_phone_max_frequency = 5;  // [auth.mfa.phone] max_frequency, seconds

  bool refresh_token_rotation = true;
  int refresh_token_reuse_interval = 10;  // seconds

  int minimum_password_length = 6;
  std::string password_requirements;  // config.toml names

  std::optional<PgFunctionHook> custom_access_token_hook;
  std::map<std::string, bool> external_providers;  // [auth.external.<name>] enabled
  // [auth.external.<name>] in full, for the OAuth / OpenID Connect flows (oauth.cpp).
  std::map<std::string, OAuthProviderOptions> oauth_providers;

  int bcrypt_cost = 10;

  RateLimits rate_limits;                    // [auth.rate_limit]
  std::vector<std::string> trusted_proxies;  // BASALT_TRUSTED_PROXIES: peers whose
                                             // X-Forwarded-For names the client

  // [auth.email.template.<kind>]: subject and body (content_path read at start); absent kinds
  // use the defaults of mail_template.hpp.
  struct EmailTemplate {
    std::string subject;
    std::string body;
  };
  std::map<std::string, EmailTemplate> email_templates;
};

// Reads the options from a loaded config. `api_url` is how clients reach Basalt
// (e.g. http://127.0.0.1:54321). A malformed hook uri is an Error naming the key.
Result<AuthOptions> auth_options(const config::Config& config, const std::string& api_url,
                                 const std::string& jwt_secret);

}  // namespace basalt::auth
