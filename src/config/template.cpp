// The config.toml that `basalt init` writes. Keys, sections and values mirror what
// `supabase init` writes so either tool can own the project; the comments are Basalt's.
// load() also uses this text as the defaults layer, as the CLI does with its template.
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace basalt::config {
namespace {

constexpr std::string_view kHead =
    R"toml(# Project settings, read by Basalt and by the Supabase CLI (same keys, same defaults).
# A string value written as "env(NAME)" is replaced by the environment variable NAME.

# Names this project; defaults to the project folder's name.
project_id = ")toml";

constexpr std::string_view kBody = R"toml("

[api]
enabled = true
# Port of the HTTP API (REST, Auth, Storage, Realtime).
port = 54321
# Schemas served by the REST API.
schemas = ["public", "graphql_public"]
# Schemas added to each request's search_path.
extra_search_path = ["public", "extensions"]
# Upper bound on the rows one REST response returns.
max_rows = 1000
# Whether new objects in `public` become reachable by anon/authenticated/service_role without
# explicit GRANTs. Unset keeps the current behaviour.
# auto_expose_new_tables = false

[api.tls]
# Serve HTTPS instead of HTTP.
enabled = false
# Certificate and key, relative to this folder.
# cert_path = "../certs/my-cert.pem"
# key_path = "../certs/my-key.pem"

[db]
# Port of the local Postgres.
port = 54322
# Port of the scratch database used to diff schemas.
shadow_port = 54320
# How long to wait for the database to become healthy on start.
health_timeout = "2m"
# Postgres major version; keep it equal to the hosted project's.
major_version = 17

[db.pooler]
enabled = false
# Port of the connection pooler.
port = 54329
# "transaction" or "session".
pool_mode = "transaction"
# Server connections per user/database pair.
default_pool_size = 20
# Client connections accepted in total.
max_client_conn = 100

# Secrets stored in Vault, by name.
# [db.vault]
# secret_key = "env(SECRET_VALUE)"

[db.migrations]
# Apply supabase/migrations on push and reset.
enabled = true
# Declarative schema files, in order (globs relative to this folder, e.g. "./schemas/*.sql").
schema_paths = []

[db.seed]
# Load seed data after migrations on reset.
enabled = true
# Seed files, in order (globs relative to this folder).
sql_paths = ["./seed.sql"]

[db.network_restrictions]
# Manage which addresses may connect to the hosted database.
enabled = false
# Allowed IPv4 ranges; an empty list blocks all.
allowed_cidrs = ["0.0.0.0/0"]
# Allowed IPv6 ranges; an empty list blocks all.
allowed_cidrs_v6 = ["::/0"]

# Require TLS for database connections.
# [db.ssl_enforcement]
# enabled = true

[realtime]
enabled = true
# "IPv4" or "IPv6".
# ip_version = "IPv6"
# Largest HTTP request header accepted, in bytes.
# max_header_length = 4096

[studio]
enabled = true
# Port of the dashboard.
port = 54323
# API address the dashboard talks to.
api_url = "http://127.0.0.1"
# Key for the dashboard's AI assistant.
openai_api_key = "env(OPENAI_API_KEY)"

# Local mail catcher: outgoing auth emails land here instead of being delivered.
[inbucket]
enabled = true
# Port of its web interface.
port = 54324
# Extra ports for apps that send mail themselves.
# smtp_port = 54325
# pop3_port = 54326
# admin_email = "admin@email.com"
# sender_name = "Admin"

[storage]
enabled = true
# Largest upload accepted, e.g. "50MiB", "5MB", "500KB" (units are 1024-based).
file_size_limit = "50MiB"

# Buckets to create, by name.
# [storage.buckets.images]
# public = false
# file_size_limit = "50MiB"
# allowed_mime_types = ["image/png", "image/jpeg"]
# objects_path = "./images"

# S3-compatible access to storage.
[storage.s3_protocol]
enabled = true

# On-the-fly image resizing.
# [storage.image_transformation]
# enabled = true

# Iceberg analytics buckets (hosted only).
[storage.analytics]
enabled = false
max_namespaces = 5
max_tables = 10
max_catalogs = 2

# [storage.analytics.buckets.my-warehouse]

# Vector buckets (hosted only).
[storage.vector]
enabled = false
max_buckets = 10
max_indexes = 5

# [storage.vector.buckets.documents-openai]

[auth]
enabled = true
# Your app's URL: the default redirect target and the base of links in emails.
site_url = "http://127.0.0.1:3000"
# Public URL of the auth API; defaults to the API URL + /auth/v1.
# external_url = ""
# Other exact URLs that redirects may go to.
additional_redirect_urls = ["https://127.0.0.1:3000"]
# Access token lifetime in seconds (at most 604800, one week).
jwt_expiry = 3600
# Issuer claim of access tokens; defaults to external_url.
# jwt_issuer = ""
# JSON file with asymmetric signing keys. Keep it out of git.
# signing_keys_path = "./signing_keys.json"
# Issue a new refresh token on every refresh.
enable_refresh_token_rotation = true
# Seconds during which a just-rotated refresh token is still accepted.
refresh_token_reuse_interval = 10
# Allow new users to sign up.
enable_signup = true
# Allow anonymous sign-ins.
enable_anonymous_sign_ins = false
# Allow users to link identities manually.
enable_manual_linking = false
# Shortest accepted password (6 or more).
minimum_password_length = 6
# Characters a password must contain: "", "letters_digits", "lower_upper_letters_digits" or
# "lower_upper_letters_digits_symbols".
password_requirements = ""

# Passkey sign-in (needs [auth.webauthn]).
# [auth.passkey]
# enabled = false

# WebAuthn relying party.
# [auth.webauthn]
# rp_display_name = "Supabase"
# rp_id = "localhost"
# rp_origins = ["http://127.0.0.1:3000"]

[auth.rate_limit]
# Emails per hour (needs [auth.email.smtp]).
email_sent = 2
# SMS messages per hour.
sms_sent = 30
# Anonymous sign-ins per hour per IP.
anonymous_users = 30
# Token refreshes per 5 minutes per IP.
token_refresh = 150
# Sign-ups and sign-ins per 5 minutes per IP.
sign_in_sign_ups = 30
# OTP and magic-link checks per 5 minutes per IP.
token_verifications = 30
# Web3 sign-ins per 5 minutes per IP.
web3 = 30

# CAPTCHA on auth forms: "hcaptcha" or "turnstile".
# [auth.captcha]
# enabled = true
# provider = "hcaptcha"
# secret = ""

[auth.email]
# Allow sign-up with email.
enable_signup = true
# Confirm an email change on both the old and the new address.
double_confirm_changes = true
# Require a confirmed email before sign-in.
enable_confirmations = false
# Require a recent sign-in to change the password.
secure_password_change = false
# Shortest time between two confirmation or recovery emails to one user.
max_frequency = "1s"
# Digits in an email OTP.
otp_length = 6
# Seconds an email OTP stays valid.
otp_expiry = 3600

# Deliver email through your SMTP server.
# [auth.email.smtp]
# enabled = true
# host = "smtp.sendgrid.net"
# port = 587
# user = "apikey"
# pass = "env(SENDGRID_API_KEY)"
# admin_email = "admin@email.com"
# sender_name = "Admin"

# Custom email templates, by kind (invite, confirmation, recovery, magic_link, email_change,
# reauthentication).
# [auth.email.template.invite]
# subject = "You have been invited"
# content_path = "./supabase/templates/invite.html"

# Notification emails, by kind.
# [auth.email.notification.password_changed]
# enabled = true
# subject = "Your password has been changed"
# content_path = "./templates/password_changed_notification.html"

[auth.sms]
# Allow sign-up with a phone number.
enable_signup = false
# Require a confirmed phone number before sign-in.
enable_confirmations = false
# Text of the OTP message.
template = "Your code is {{ .Code }}"
# Shortest time between two OTP messages to one user.
max_frequency = "5s"

# Fixed OTPs for test phone numbers.
# [auth.sms.test_otp]
# 4152127777 = "123456"

# Session limits.
# [auth.sessions]
# Sign users out after this long.
# timebox = "24h"
# Sign users out after this long without activity.
# inactivity_timeout = "8h"

# Hook run before a user is created; it may reject the sign-up.
# [auth.hook.before_user_created]
# enabled = true
# uri = "pg-functions://postgres/auth/before-user-created-hook"

# Hook run before a token is issued; it may add claims.
# [auth.hook.custom_access_token]
# enabled = true
# uri = "pg-functions://<database>/<schema>/<hook_name>"

# SMS provider: twilio, twilio_verify, messagebird, textlocal or vonage.
[auth.sms.twilio]
enabled = false
account_sid = ""
message_service_sid = ""
# Keep the token out of git: read it from the environment.
auth_token = "env(SUPABASE_AUTH_SMS_TWILIO_AUTH_TOKEN)"

[auth.mfa]
# Factors one user may enroll.
max_enrolled_factors = 10

# Authenticator-app (TOTP) factors.
[auth.mfa.totp]
enroll_enabled = false
verify_enabled = false

# Phone factors.
[auth.mfa.phone]
enroll_enabled = false
verify_enabled = false
otp_length = 6
template = "Your code is {{ .Code }}"
max_frequency = "5s"

# WebAuthn factors.
# [auth.mfa.web_authn]
# enroll_enabled = true
# verify_enabled = true

# OAuth providers, by name: apple, azure, bitbucket, discord, facebook, github, gitlab, google,
# keycloak, linkedin_oidc, notion, twitch, twitter, x, slack, spotify, workos, zoom.
[auth.external.apple]
enabled = false
client_id = ""
# Keep the secret out of git: read it from the environment.
secret = "env(SUPABASE_AUTH_EXTERNAL_APPLE_SECRET)"
# Callback URL override.
redirect_uri = ""
# Provider URL override (self-hosted GitLab, single-tenant Azure, other OIDC issuers).
url = ""
# Skip the nonce check (local Google sign-in needs this).
skip_nonce_check = false
# Accept users for whom the provider returns no email.
email_optional = false

# Sign in with Solana.
[auth.web3.solana]
enabled = false

# Third-party auth: accept tokens from another issuer.
[auth.third_party.firebase]
enabled = false
# project_id = "my-firebase-project"

[auth.third_party.auth0]
enabled = false
# tenant = "my-auth0-tenant"
# tenant_region = "us"

[auth.third_party.aws_cognito]
enabled = false
# user_pool_id = "my-user-pool-id"
# user_pool_region = "us-east-1"

[auth.third_party.clerk]
enabled = false
# domain = "example.clerk.accounts.dev"

# Act as an OAuth 2.1 authorization server.
[auth.oauth_server]
enabled = false
# Path of the consent page in your app.
authorization_url_path = "/oauth/consent"
# Let clients register themselves.
allow_dynamic_registration = false

[edge_runtime]
enabled = true
# "per_worker" (hot reload) or "oneshot".
policy = "per_worker"
# Port for the Chrome inspector.
inspector_port = 8083
# Deno major version.
deno_version = 2

# Secrets for edge functions, by name.
# [edge_runtime.secrets]
# secret_key = "env(SECRET_VALUE)"

[analytics]
enabled = true
port = 54327
# "postgres" or "bigquery".
backend = "postgres"

# Experimental settings; they may change or go away.
[experimental]
# OrioleDB version for the Postgres storage engine (S3-backed).
orioledb_version = ""
# S3 bucket host, region and credentials for OrioleDB.
s3_host = "env(S3_HOST)"
s3_region = "env(S3_REGION)"
s3_access_key = "env(S3_ACCESS_KEY)"
s3_secret_key = "env(S3_SECRET_KEY)"

# pg-delta schema engine.
# [experimental.pgdelta]
# enabled = false
# declarative_schema_path = "./database"
# format_options = "{\"keywordCase\":\"upper\",\"indent\":2,\"maxWidth\":80,\"commaStyle\":\"trailing\"}"
)toml";

}  // namespace

std::string default_config_toml(const std::string& project_id) {
  std::string text(kHead);
  text += sanitize_project_id(project_id);
  text += kBody;
  return text;
}

}  // namespace basalt::config
