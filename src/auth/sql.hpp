// The statements the Auth service sends: calls of the _basalt.auth_* functions
// (src/platform/sql/R_auth_api.sql) and a few small queries. Named constants, also because
// GCC 12 mishandles string literals in the arguments of co_await'ed calls.
#pragma once
#include <string_view>

namespace basalt::auth::sql {

inline constexpr std::string_view signup = "SELECT _basalt.auth_signup($1::jsonb)";
inline constexpr std::string_view sign_in = "SELECT _basalt.auth_sign_in($1::jsonb)";
inline constexpr std::string_view refresh = "SELECT _basalt.auth_refresh($1::jsonb)";
inline constexpr std::string_view password_account =
    "SELECT _basalt.auth_password_account($1, $2, $3)";
inline constexpr std::string_view logout = "SELECT _basalt.auth_logout($1::uuid, $2::uuid, $3, $4)";
inline constexpr std::string_view caller = "SELECT _basalt.auth_caller($1::uuid, $2::uuid)";
inline constexpr std::string_view user = "SELECT _basalt.auth_user($1::uuid)";
inline constexpr std::string_view update_user = "SELECT _basalt.auth_update_user($1::jsonb)";
inline constexpr std::string_view admin_create_user =
    "SELECT _basalt.auth_admin_create_user($1::jsonb)";
inline constexpr std::string_view admin_list_users =
    "SELECT _basalt.auth_admin_list_users($1, $2::int, $3::int, $4)";
inline constexpr std::string_view admin_delete_user =
    "SELECT _basalt.auth_admin_delete_user($1::uuid, $2::boolean, $3, $4)";
inline constexpr std::string_view audit_page =
    "SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'payload', payload, "
    "'created_at', created_at, 'ip_address', ip_address) order by created_at desc), "
    "'[]'::jsonb) FROM (SELECT * FROM auth.audit_log_entries WHERE $3 = '' OR "
    "payload::text ILIKE '%' || $3 || '%' ORDER BY created_at DESC LIMIT $1::bigint "
    "OFFSET $2::bigint) a";
// Whether another account of the audience already has the email ($1) or phone ($2).
inline constexpr std::string_view address_taken =
    "SELECT jsonb_build_object("
    " 'email', exists(select 1 from auth.users where lower(email) = lower($1) and aud = $3"
    "   and id <> $4::uuid and is_sso_user = false),"
    " 'phone', exists(select 1 from auth.users where phone = $2 and aud = $3"
    "   and id <> $4::uuid))";

inline constexpr std::string_view send_token = "SELECT _basalt.auth_send_token($1::jsonb)";
inline constexpr std::string_view email_account = "SELECT _basalt.auth_email_account($1, $2)";
inline constexpr std::string_view start_email_change =
    "SELECT _basalt.auth_start_email_change($1::jsonb)";
inline constexpr std::string_view verify = "SELECT _basalt.auth_verify($1::jsonb)";
// The newest 100 mails of the outbox, optionally for one address.
inline constexpr std::string_view outbox =
    "SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'created_at', created_at, 'kind', "
    "kind, 'to', to_address, 'subject', subject, 'body', body, 'token', token, 'token_hash', "
    "token_hash, 'redirect_to', redirect_to, 'user_id', user_id) order by id desc), '[]'::jsonb) "
    "FROM (SELECT * FROM _basalt.auth_outbox WHERE $1 = '' OR lower(to_address) = lower($1) "
    "ORDER BY id DESC LIMIT 100) m";

inline constexpr std::string_view mfa_enroll = "SELECT _basalt.auth_mfa_enroll($1::jsonb)";
inline constexpr std::string_view mfa_verified = "SELECT _basalt.auth_mfa_verified($1::jsonb)";
inline constexpr std::string_view mfa_unenroll =
    "SELECT _basalt.auth_mfa_unenroll($1::uuid, $2::uuid, $3, $4::boolean, $5)";
inline constexpr std::string_view kTotp = "totp";
inline constexpr std::string_view use_reauthentication =
    "SELECT _basalt.auth_use_reauthentication($1::uuid, $2, $3::int, $4::boolean)";
inline constexpr std::string_view phone_verify_target =
    "SELECT _basalt.auth_phone_verify_target($1, $2, $3)";
inline constexpr std::string_view reauthentication_pending =
    "SELECT _basalt.auth_reauthentication_pending($1::uuid)";
inline constexpr std::string_view flow_state = "SELECT _basalt.auth_flow_state($1)";
inline constexpr std::string_view pkce_sign_in = "SELECT _basalt.auth_pkce_sign_in($1::jsonb)";
inline constexpr std::string_view generate_link = "SELECT _basalt.auth_generate_link($1::jsonb)";
inline constexpr std::string_view oauth1_save = "SELECT _basalt.auth_oauth1_save($1, $2, $3)";
inline constexpr std::string_view oauth1_take = "SELECT _basalt.auth_oauth1_take($1, $2)";
inline constexpr std::string_view oauth_flow_start =
    "SELECT _basalt.auth_oauth_flow_start($1::jsonb)";
inline constexpr std::string_view oauth_sign_in = "SELECT _basalt.auth_oauth_sign_in($1::jsonb)";
inline constexpr std::string_view identity_unlink =
    "SELECT _basalt.auth_identity_unlink($1::jsonb)";
inline constexpr std::string_view rate_take =
    "SELECT to_jsonb(_basalt.auth_rate_take($1, $2, $3::double precision, "
    "$4::double precision, $5::double precision))";

// Phone sign-up, SMS codes and phone MFA (src/platform/sql/R_auth_phone.sql).
inline constexpr std::string_view phone_otp = "SELECT _basalt.auth_phone_otp($1::jsonb)";
inline constexpr std::string_view phone_signup = "SELECT _basalt.auth_phone_signup($1::jsonb)";
inline constexpr std::string_view phone_account = "SELECT _basalt.auth_phone_account($1, $2, $3)";
inline constexpr std::string_view phone_send_token =
    "SELECT _basalt.auth_phone_send_token($1::jsonb)";
inline constexpr std::string_view phone_update_user =
    "SELECT _basalt.auth_phone_update_user($1::jsonb)";
inline constexpr std::string_view phone_verify = "SELECT _basalt.auth_phone_verify($1::jsonb)";
inline constexpr std::string_view mfa_phone_enroll =
    "SELECT _basalt.auth_mfa_phone_enroll($1::jsonb)";
inline constexpr std::string_view mfa_challenge_factor =
    "SELECT _basalt.auth_mfa_challenge_factor($1::jsonb)";
inline constexpr std::string_view mfa_verify_state =
    "SELECT _basalt.auth_mfa_verify_state($1::uuid, $2::uuid, $3::uuid)";
inline constexpr std::string_view mfa_phone_verified =
    "SELECT _basalt.auth_mfa_phone_verified($1::jsonb)";
inline constexpr std::string_view kMfaPhone = "mfa/phone";

// Supabase Auth's answers when a mail cannot be sent (500 unexpected_failure).
inline constexpr std::string_view kConfirmationFailed = "Error sending confirmation email";
inline constexpr std::string_view kInviteFailed = "Error sending invite email";
inline constexpr std::string_view kRecoveryFailed = "Error sending recovery email";
inline constexpr std::string_view kMagicLinkFailed = "Error sending magic link email";
inline constexpr std::string_view kEmailChangeFailed = "Error sending email change email";
inline constexpr std::string_view kReauthenticationFailed = "Error sending reauthentication email";

// Authentication methods (amr) as GoTrue names them.
inline constexpr std::string_view kPassword = "password";
inline constexpr std::string_view kAnonymous = "anonymous";
inline constexpr std::string_view kTokenRefresh = "token_refresh";
inline constexpr std::string_view kOAuth = "oauth";
inline constexpr std::string_view kOtp = "otp";  // /verify of an emailed or texted token

}  // namespace basalt::auth::sql
