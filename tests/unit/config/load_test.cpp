// load(): defaults, the init template, every Supabase CLI key, dynamic tables, unknown keys,
// bad TOML and bad values.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "config/config.hpp"
#include "config_test_util.hpp"

namespace basalt::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::ProjectTest;
using ::testing::StartsWith;

class LoadTest : public ProjectTest {};

void expect_default_structs(const Config& c) {
  EXPECT_EQ(c.api, ApiConfig{});
  EXPECT_EQ(c.db, DbConfig{});
  EXPECT_EQ(c.auth, AuthConfig{});
  EXPECT_EQ(c.storage, StorageConfig{});
  EXPECT_EQ(c.realtime, RealtimeConfig{});
}

TEST_F(LoadTest, NoFileGivesCliDefaults) {
  Loaded loaded = load_ok();
  EXPECT_THAT(loaded.warnings, IsEmpty());
  const Config& c = loaded.config;
  expect_default_structs(c);
  EXPECT_EQ(c.project_id, dir_.filename().string());
  EXPECT_EQ(c.workdir, dir_);
  EXPECT_EQ(c.config_file, dir_ / "supabase" / "config.toml");
  EXPECT_FALSE(c.database_url.has_value());
  // Spot checks of the struct defaults against the CLI's values.
  EXPECT_EQ(c.api.port, 54321);
  EXPECT_EQ(c.db.major_version, 17);
  EXPECT_EQ(c.storage.file_size_limit_bytes, 50u * 1024 * 1024);
  // Keys without a struct field come from the same defaults.
  EXPECT_EQ(c.raw["auth"]["rate_limit"]["email_sent"].value<std::int64_t>(), 2);
  EXPECT_EQ(c.raw["auth"]["sms"]["max_frequency"].value<std::string>(), "5s");
  EXPECT_EQ(c.raw["inbucket"]["port"].value<std::int64_t>(), 54324);
  EXPECT_FALSE(c.raw["auth"]["email"]["smtp"]);
}

TEST_F(LoadTest, ProjectIdDefaultsToSanitizedFolderName) {
  use_subfolder("My App!");
  Loaded loaded = load_ok();
  EXPECT_EQ(loaded.config.project_id, "My_App_");
}

TEST_F(LoadTest, InitTemplateLoadsSilentlyWithTheDefaults) {
  write_config(default_config_toml("demo"));
  Loaded from_template = load_ok();
  EXPECT_THAT(from_template.warnings, IsEmpty());
  EXPECT_EQ(from_template.config.project_id, "demo");
  expect_default_structs(from_template.config);

  std::filesystem::remove(dir_ / "supabase" / "config.toml");
  Loaded without_file = load_ok();
  toml::table a = from_template.config.raw;
  toml::table b = without_file.config.raw;
  a.erase("project_id");
  b.erase("project_id");
  EXPECT_EQ(a, b);
}

TEST_F(LoadTest, InitTemplateSanitizesProjectId) {
  EXPECT_THAT(default_config_toml("my project"), HasSubstr("project_id = \"my_project\"\n"));
}

// Every key of the Supabase CLI's config struct, including the optional sections the init
// template leaves commented out.
constexpr const char* kEveryKey = R"toml(
project_id = "everything"

[api]
enabled = true
port = 54321
schemas = ["public", "graphql_public"]
extra_search_path = ["public", "extensions"]
max_rows = 1000
auto_expose_new_tables = false
external_url = "http://127.0.0.1:54321"

[api.tls]
enabled = true
cert_path = "../certs/cert.pem"
key_path = "../certs/key.pem"

[db]
port = 54322
shadow_port = 54320
health_timeout = "2m"
major_version = 15
root_key = "root"

[db.pooler]
enabled = true
port = 54329
pool_mode = "session"
default_pool_size = 20
max_client_conn = 100

[db.migrations]
enabled = true
schema_paths = ["./schemas/*.sql"]

[db.seed]
enabled = true
sql_paths = ["./seed.sql", "./seeds/*.sql"]

[db.settings]
effective_cache_size = "4GB"
logical_decoding_work_mem = "64MB"
maintenance_work_mem = "64MB"
max_connections = 100
max_locks_per_transaction = 64
max_parallel_maintenance_workers = 2
max_parallel_workers = 8
max_parallel_workers_per_gather = 2
max_replication_slots = 10
max_slot_wal_keep_size = "1GB"
max_standby_archive_delay = "30s"
max_standby_streaming_delay = "30s"
max_wal_size = "1GB"
max_wal_senders = 10
max_worker_processes = 8
session_replication_role = "origin"
shared_buffers = "128MB"
statement_timeout = "8s"
track_activity_query_size = "1024"
track_commit_timestamp = false
wal_keep_size = "0"
wal_sender_timeout = "60s"
work_mem = "4MB"

[db.network_restrictions]
enabled = true
allowed_cidrs = ["0.0.0.0/0"]
allowed_cidrs_v6 = ["::/0"]

[db.ssl_enforcement]
enabled = true

[db.vault]
any_secret_name = "value"
other = "env(VAULT_OTHER)"

[realtime]
enabled = true
ip_version = "IPv6"
max_header_length = 8192

[studio]
enabled = true
port = 54323
api_url = "http://127.0.0.1"
openai_api_key = "env(OPENAI_API_KEY)"

[inbucket]
enabled = true
port = 54324
smtp_port = 54325
pop3_port = 54326
admin_email = "admin@email.com"
sender_name = "Admin"

[storage]
enabled = true
file_size_limit = "50MiB"

[storage.image_transformation]
enabled = true

[storage.s3_protocol]
enabled = true

[storage.buckets.images]
public = true
file_size_limit = "5MB"
allowed_mime_types = ["image/png"]
objects_path = "./images"

[storage.analytics]
enabled = true
max_namespaces = 5
max_tables = 10
max_catalogs = 2

[storage.analytics.buckets.warehouse]

[storage.vector]
enabled = true
max_buckets = 10
max_indexes = 5

[storage.vector.buckets.embeddings]

[auth]
enabled = true
site_url = "http://127.0.0.1:3000"
external_url = "http://127.0.0.1:54321/auth/v1"
additional_redirect_urls = ["https://127.0.0.1:3000"]
jwt_expiry = 3600
jwt_issuer = "http://127.0.0.1:54321/auth/v1"
enable_refresh_token_rotation = true
refresh_token_reuse_interval = 10
enable_manual_linking = true
enable_signup = true
enable_anonymous_sign_ins = true
minimum_password_length = 8
password_requirements = "lower_upper_letters_digits_symbols"
signing_keys_path = "./signing_keys.json"
publishable_key = "sb_publishable_x"
secret_key = "sb_secret_x"
jwt_secret = "a-secret-of-at-least-sixteen-chars"
anon_key = "anon"
service_role_key = "service"

[auth.passkey]
enabled = true

[auth.webauthn]
rp_display_name = "Demo"
rp_id = "localhost"
rp_origins = ["http://127.0.0.1:3000"]

[auth.rate_limit]
anonymous_users = 30
token_refresh = 150
sign_in_sign_ups = 30
token_verifications = 30
email_sent = 2
sms_sent = 30
web3 = 30

[auth.captcha]
enabled = true
provider = "turnstile"
secret = "captcha-secret"

[auth.hook.mfa_verification_attempt]
enabled = true
uri = "pg-functions://postgres/public/mfa_hook"

[auth.hook.password_verification_attempt]
enabled = false
uri = ""

[auth.hook.custom_access_token]
enabled = true
uri = "pg-functions://postgres/public/claims"

[auth.hook.send_sms]
enabled = true
uri = "https://example.com/sms"
secrets = "v1,whsec_aWxpa2VzdXBhYmFzZXZlcnltdWNoYW5kaWhvcGV5b3Vkb3Rvbw=="

[auth.hook.send_email]
enabled = false

[auth.hook.before_user_created]
enabled = false

[auth.mfa]
max_enrolled_factors = 10

[auth.mfa.totp]
enroll_enabled = true
verify_enabled = true

[auth.mfa.phone]
enroll_enabled = false
verify_enabled = true
otp_length = 6
template = "Code {{ .Code }}"
max_frequency = "5s"

[auth.mfa.web_authn]
enroll_enabled = false
verify_enabled = false

[auth.sessions]
timebox = "24h"
inactivity_timeout = "8h"

[auth.email]
enable_signup = true
double_confirm_changes = true
enable_confirmations = true
secure_password_change = true
max_frequency = "1m"
otp_length = 8
otp_expiry = 600

[auth.email.template.invite]
subject = "Join us"
content_path = "./templates/invite.html"

[auth.email.template.recovery]
content_path = "./templates/recovery.html"

[auth.email.notification.password_changed]
enabled = true
subject = "Password changed"
content_path = "./templates/changed.html"

[auth.email.smtp]
enabled = true
host = "smtp.example.com"
port = 587
user = "apikey"
pass = "smtp-pass"
admin_email = "admin@example.com"
sender_name = "Admin"

[auth.sms]
enable_signup = true
enable_confirmations = true
template = "Your code is {{ .Code }}"
max_frequency = "5s"

[auth.sms.twilio]
enabled = true
account_sid = "sid"
message_service_sid = "msid"
auth_token = "token"

[auth.sms.twilio_verify]
enabled = false
account_sid = ""
message_service_sid = ""
auth_token = ""

[auth.sms.messagebird]
enabled = false
originator = ""
access_key = ""

[auth.sms.textlocal]
enabled = false
sender = ""
api_key = ""

[auth.sms.vonage]
enabled = false
from = ""
api_key = ""
api_secret = ""

[auth.sms.test_otp]
4152127777 = "123456"
"+14155550000" = "000000"

[auth.external.github]
enabled = true
client_id = "gh-client"
secret = "gh-secret"
url = ""
redirect_uri = ""
skip_nonce_check = false
email_optional = true

[auth.external.google]
enabled = true
client_id = "google-client"
skip_nonce_check = true

[auth.web3.solana]
enabled = true

[auth.web3.ethereum]
enabled = false

[auth.oauth_server]
enabled = true
allow_dynamic_registration = true
authorization_url_path = "/oauth/consent"

[auth.third_party.firebase]
enabled = false
project_id = ""

[auth.third_party.auth0]
enabled = false
tenant = ""
tenant_region = ""

[auth.third_party.aws_cognito]
enabled = false
user_pool_id = ""
user_pool_region = ""

[auth.third_party.clerk]
enabled = true
domain = "example.clerk.accounts.dev"

[auth.third_party.workos]
enabled = false
issuer_url = ""

[edge_runtime]
enabled = true
policy = "oneshot"
inspector_port = 8083
deno_version = 1

[edge_runtime.secrets]
stripe_key = "env(STRIPE_KEY)"

[functions.hello-world]
enabled = true
verify_jwt = false
import_map = "./functions/import_map.json"
entrypoint = "./functions/hello-world/index.ts"
static_files = ["./functions/hello-world/*.html"]

[analytics]
enabled = true
port = 54327
backend = "bigquery"
gcp_project_id = "gcp"
gcp_project_number = "123"
gcp_jwt_path = "./gcp.json"
vector_port = 54328

[experimental]
orioledb_version = ""
s3_host = ""
s3_region = ""
s3_access_key = ""
s3_secret_key = ""

[experimental.webhooks]
enabled = true

[experimental.pgdelta]
enabled = false
declarative_schema_path = "./database"
format_options = "{}"

[[experimental.inspect.rules]]
query = "select 1"
name = "one"
pass = "ok"
fail = "not ok"

[remotes.staging]
project_id = "abcdefghijklmnopqrst"

[remotes.staging.auth]
site_url = "https://staging.example.com"

[remotes.staging.db.seed]
enabled = false
)toml";

TEST_F(LoadTest, EveryCliKeyLoadsWithoutWarnings) {
  write_config(kEveryKey);
  Loaded loaded = load_ok();
  EXPECT_THAT(loaded.warnings, IsEmpty());
  const Config& c = loaded.config;
  EXPECT_EQ(c.project_id, "everything");
  EXPECT_TRUE(c.api.tls.enabled);
  EXPECT_EQ(c.api.tls.cert_path, "../certs/cert.pem");
  EXPECT_EQ(c.db.major_version, 15);
  EXPECT_THAT(c.db.seed.sql_paths, ElementsAre("./seed.sql", "./seeds/*.sql"));
  EXPECT_THAT(c.db.migrations.schema_paths, ElementsAre("./schemas/*.sql"));
  EXPECT_EQ(c.auth.minimum_password_length, 8);
  EXPECT_EQ(c.auth.password_requirements, "lower_upper_letters_digits_symbols");
  EXPECT_EQ(c.auth.jwt_secret, "a-secret-of-at-least-sixteen-chars");
  EXPECT_EQ(c.auth.email.max_frequency, "1m");
  EXPECT_EQ(c.auth.email.otp_length, 8);
  EXPECT_EQ(c.auth.email.otp_expiry, 600);
  EXPECT_TRUE(c.storage.image_transformation);
  EXPECT_EQ(c.raw["auth"]["email"]["smtp"]["port"].value<std::int64_t>(), 587);
  EXPECT_EQ(c.raw["auth"]["hook"]["send_sms"]["uri"].value<std::string>(),
            "https://example.com/sms");
  EXPECT_EQ(c.raw["experimental"]["inspect"]["rules"][0]["name"].value<std::string>(), "one");
  // Remote overrides are for linked projects; the local config is used as written.
  EXPECT_EQ(c.auth.site_url, "http://127.0.0.1:3000");
}

TEST_F(LoadTest, UnknownKeysWarnWithFileLineAndKey) {
  write_config(
      "[api]\n"
      "port = 54321\n"
      "prot = 5\n"
      "\n"
      "[nonsense]\n"
      "a = 1\n"
      "\n"
      "[functions.hello]\n"
      "unknown_field = true\n");
  Loaded loaded = load_ok();
  EXPECT_THAT(loaded.warnings,
              ElementsAre("supabase/config.toml:3: unknown key \"api.prot\" (ignored)",
                          "supabase/config.toml:9: unknown key \"functions.hello.unknown_field\" "
                          "(ignored)",
                          "supabase/config.toml:5: unknown key \"nonsense\" (ignored)"));
  EXPECT_FALSE(loaded.config.raw["api"]["prot"]);
  EXPECT_FALSE(loaded.config.raw["nonsense"]);
  EXPECT_EQ(loaded.config.api.port, 54321);
}

TEST_F(LoadTest, UnknownKeyInADynamicTableEntryWarns) {
  write_config(
      "[storage.buckets.avatars]\n"
      "public = true\n"
      "pubic = false\n");
  Loaded loaded = load_ok();
  EXPECT_THAT(loaded.warnings, ElementsAre("supabase/config.toml:3: unknown key "
                                           "\"storage.buckets.avatars.pubic\" (ignored)"));
}

TEST_F(LoadTest, BadTomlNamesFileLineAndColumn) {
  write_config(
      "[api]\n"
      "port = \n");
  std::string message = load_error();
  EXPECT_THAT(message, StartsWith("supabase/config.toml:2:"));
  EXPECT_THAT(message, HasSubstr("expected value"));
}

TEST_F(LoadTest, BadTomlRedefinedTable) {
  write_config("[api]\nport = 1\n\n[api]\nenabled = true\n");
  std::string message = load_error();
  EXPECT_THAT(message, StartsWith("supabase/config.toml:4:1: "));
  EXPECT_THAT(message, HasSubstr("api"));
}

struct BadValue {
  const char* name;
  const char* toml;
  const char* message;
};

void PrintTo(const BadValue& v, std::ostream* os) {
  *os << v.name;
}

class BadValueTest : public ProjectTest, public ::testing::WithParamInterface<BadValue> {};

TEST_P(BadValueTest, IsAnErrorNamingFileLineAndKey) {
  write_config(GetParam().toml);
  EXPECT_EQ(load_error(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Values, BadValueTest,
    ::testing::Values(
        BadValue{"PortNotANumber", "project_id = \"x\"\n[api]\nport = \"abc\"\n",
                 "supabase/config.toml:3: api.port: expected an integer 1-65535, got \"abc\""},
        BadValue{"PortTooLarge", "[api]\nport = 70000\n",
                 "supabase/config.toml:2: api.port: expected an integer 1-65535, got 70000"},
        BadValue{"PortZero", "[db]\nport = 0\n",
                 "supabase/config.toml:2: db.port: expected an integer 1-65535, got 0"},
        BadValue{"PortFloat", "[db]\nshadow_port = 1.5\n",
                 "supabase/config.toml:2: db.shadow_port: expected an integer 1-65535, got 1.5"},
        BadValue{"MaxRowsNegative", "[api]\nmax_rows = -1\n",
                 "supabase/config.toml:2: api.max_rows: expected a non-negative integer, got -1"},
        BadValue{"JwtExpiryNegative", "[auth]\njwt_expiry = -60\n",
                 "supabase/config.toml:2: auth.jwt_expiry: expected a non-negative integer, "
                 "got -60"},
        BadValue{"JwtExpiryNotANumber", "[auth]\n\njwt_expiry = \"1h\"\n",
                 "supabase/config.toml:3: auth.jwt_expiry: expected a non-negative integer, "
                 "got \"1h\""},
        BadValue{"SizeUnit", "[storage]\nfile_size_limit = \"5XB\"\n",
                 "supabase/config.toml:2: storage.file_size_limit: expected a size like "
                 "\"50MiB\" or \"500KB\", got \"5XB\""},
        BadValue{"SizeNegative", "[storage]\nfile_size_limit = -5\n",
                 "supabase/config.toml:2: storage.file_size_limit: expected a size like "
                 "\"50MiB\" or \"500KB\", got -5"},
        BadValue{"BucketSize", "[storage.buckets.a]\nfile_size_limit = \"lots\"\n",
                 "supabase/config.toml:2: storage.buckets.a.file_size_limit: expected a size "
                 "like \"50MiB\" or \"500KB\", got \"lots\""},
        BadValue{"PasswordRequirements", "[auth]\npassword_requirements = \"strong\"\n",
                 "supabase/config.toml:2: auth.password_requirements: expected one of \"\", "
                 "\"letters_digits\", \"lower_upper_letters_digits\" or "
                 "\"lower_upper_letters_digits_symbols\", got \"strong\""},
        BadValue{"Bool", "[auth]\nenable_signup = \"yes\"\n",
                 "supabase/config.toml:2: auth.enable_signup: expected true or false, got \"yes\""},
        BadValue{"Duration", "[auth.email]\nmax_frequency = \"soon\"\n",
                 "supabase/config.toml:2: auth.email.max_frequency: expected a duration like "
                 "\"1s\", \"5m\" or \"1h30m\", got \"soon\""},
        BadValue{"StringList", "[api]\nschemas = [\"public\", [\"nested\"]]\n",
                 "supabase/config.toml:2: api.schemas[1]: expected a string, got an array"},
        BadValue{"StringGotTable", "[auth]\nsite_url = { a = 1 }\n",
                 "supabase/config.toml:2: auth.site_url: expected a string, got a table"},
        BadValue{"SectionNotATable", "api = 5\n",
                 "supabase/config.toml:1: api: expected a table, got 5"},
        BadValue{"FunctionNotATable", "[functions]\nhello = true\n",
                 "supabase/config.toml:2: functions.hello: expected a table, got true"},
        BadValue{"MajorVersion16", "[db]\nmajor_version = 16\n",
                 "supabase/config.toml:2: db.major_version: expected 13, 14, 15 or 17, got 16"},
        BadValue{"MajorVersion12", "[db]\nmajor_version = 12\n",
                 "supabase/config.toml:2: db.major_version: Postgres 12 is not supported; use "
                 "13, 14, 15 or 17"},
        BadValue{"JwtSecretShort", "[auth]\njwt_secret = \"short\"\n",
                 "supabase/config.toml:2: auth.jwt_secret: must be at least 16 characters"},
        BadValue{"BucketName", "[storage.buckets.\"a/b\"]\npublic = true\n",
                 "supabase/config.toml:1: storage.buckets.\"a/b\": invalid bucket name; use "
                 "letters, digits, spaces and _!-.*'()&$@=;:+,?"},
        BadValue{"FunctionSlug", "[functions.1st]\nverify_jwt = false\n",
                 "supabase/config.toml:1: functions.1st: invalid function name; start with a "
                 "letter and use only letters, digits, _ and -"},
        BadValue{"RemoteRef", "[remotes.prod]\nproject_id = \"not-a-ref\"\n",
                 "supabase/config.toml:2: remotes.prod.project_id: expected a project ref of 20 "
                 "lower-case letters, got \"not-a-ref\""},
        BadValue{"SmtpMissingHost", "[auth.email.smtp]\nport = 587\n",
                 "supabase/config.toml:1: auth.email.smtp.host: required when auth.email.smtp is "
                 "enabled"},
        BadValue{"HookWithoutSecret",
                 "[auth.hook.send_email]\nenabled = true\nuri = \"https://example.com/hook\"\n",
                 "supabase/config.toml:1: auth.hook.send_email.secrets: required for an HTTP "
                 "hook"},
        BadValue{"HookScheme",
                 "[auth.hook.custom_access_token]\nenabled = true\nuri = \"ftp://x\"\n",
                 "supabase/config.toml:3: auth.hook.custom_access_token.uri: expected an http, "
                 "https or pg-functions URI, got \"ftp://x\""},
        BadValue{"MfaEnrollWithoutVerify", "[auth.mfa.totp]\nenroll_enabled = true\n",
                 "supabase/config.toml:2: auth.mfa.totp.enroll_enabled: needs verify_enabled = "
                 "true"},
        BadValue{"ExternalWithoutClientId", "[auth.external.github]\nenabled = true\n",
                 "supabase/config.toml:1: auth.external.github.client_id: required when "
                 "auth.external.github is enabled"},
        BadValue{"SmsProviderWithoutSecret",
                 "[auth.sms.vonage]\nenabled = true\nfrom = \"Basalt\"\napi_key = \"k\"\n",
                 "supabase/config.toml:1: auth.sms.vonage.api_secret: required when "
                 "auth.sms.vonage is enabled"},
        BadValue{"DenoVersion", "[edge_runtime]\ndeno_version = 3\n",
                 "supabase/config.toml:2: edge_runtime.deno_version: expected 1 or 2, got 3"},
        BadValue{"RealtimeIpVersion", "[realtime]\nip_version = \"ipv4\"\n",
                 "supabase/config.toml:2: realtime.ip_version: expected one of \"IPv6\" or "
                 "\"IPv4\", got \"ipv4\""}),
    [](const ::testing::TestParamInfo<BadValue>& info) { return std::string(info.param.name); });

TEST_F(LoadTest, StringsConvertLikeTheCli) {
  write_config(
      "[api]\n"
      "port = \"54999\"\n"
      "enabled = \"false\"\n"
      "schemas = \"public,api\"\n"
      "max_rows = \"0x10\"\n"
      "[auth]\n"
      "enable_signup = 0\n"
      "jwt_expiry = 7200.0\n"
      "[auth.sms.test_otp]\n"
      "4152127777 = 123456\n"
      "[storage]\n"
      "file_size_limit = 1024\n"
      "[auth.sessions]\n"
      "timebox = 1000000000\n");
  Loaded loaded = load_ok();
  const Config& c = loaded.config;
  EXPECT_EQ(c.api.port, 54999);
  EXPECT_FALSE(c.api.enabled);
  EXPECT_THAT(c.api.schemas, ElementsAre("public", "api"));
  EXPECT_EQ(c.api.max_rows, 16);
  EXPECT_FALSE(c.auth.enable_signup);
  EXPECT_EQ(c.auth.jwt_expiry, 7200);
  EXPECT_EQ(c.storage.file_size_limit_bytes, 1024u);
  // raw carries the converted types.
  EXPECT_EQ(c.raw["api"]["port"].value<std::int64_t>(), 54999);
  EXPECT_EQ(c.raw["auth"]["sms"]["test_otp"]["4152127777"].value<std::string>(), "123456");
  EXPECT_EQ(c.raw["storage"]["file_size_limit"].value<std::string>(), "1024");
  EXPECT_EQ(c.raw["auth"]["sessions"]["timebox"].value<std::string>(), "1000000000ns");
}

TEST_F(LoadTest, DynamicTables) {
  write_config(
      "[storage]\n"
      "file_size_limit = \"10MiB\"\n"
      "[storage.buckets.avatars]\n"
      "public = true\n"
      "allowed_mime_types = [\"image/png\", \"image/webp\"]\n"
      "[storage.buckets.\"docs.v2\"]\n"
      "file_size_limit = \"1MB\"\n"
      "objects_path = \"./docs\"\n"
      "[functions.hello]\n"
      "[functions.private-fn]\n"
      "verify_jwt = false\n"
      "[auth.external.github]\n"
      "enabled = true\n"
      "client_id = \"id\"\n"
      "secret = \"s\"\n"
      "[auth.sms.test_otp]\n"
      "4152127777 = \"123456\"\n"
      "[db.vault]\n"
      "stripe = \"sk_test\"\n"
      "[edge_runtime.secrets]\n"
      "any_name = \"v\"\n"
      "[auth.email.template.recovery]\n"
      "subject = \"Reset\"\n"
      "content_path = \"./templates/recovery.html\"\n"
      "[remotes.prod]\n"
      "project_id = \"abcdefghijklmnopqrst\"\n"
      "[remotes.prod.api]\n"
      "max_rows = 10\n");
  Loaded loaded = load_ok();
  EXPECT_THAT(loaded.warnings, IsEmpty());
  const Config& c = loaded.config;
  ASSERT_EQ(c.storage.buckets.size(), 2u);
  const StorageBucketConfig& avatars = c.storage.buckets.at("avatars");
  EXPECT_EQ(avatars.is_public, true);
  EXPECT_EQ(avatars.file_size_limit_bytes, 10u * 1024 * 1024);  // falls back to storage's
  EXPECT_THAT(avatars.allowed_mime_types, ElementsAre("image/png", "image/webp"));
  const StorageBucketConfig& docs = c.storage.buckets.at("docs.v2");
  EXPECT_FALSE(docs.is_public.has_value());
  EXPECT_EQ(docs.file_size_limit, "1MB");
  EXPECT_EQ(docs.file_size_limit_bytes, 1024u * 1024);
  EXPECT_EQ(docs.objects_path, "./docs");
  // Functions get the CLI's implied defaults.
  EXPECT_EQ(c.raw["functions"]["hello"]["enabled"].value<bool>(), true);
  EXPECT_EQ(c.raw["functions"]["hello"]["verify_jwt"].value<bool>(), true);
  EXPECT_EQ(c.raw["functions"]["private-fn"]["verify_jwt"].value<bool>(), false);
  EXPECT_EQ(c.raw["auth"]["external"]["github"]["client_id"].value<std::string>(), "id");
  EXPECT_EQ(c.raw["auth"]["external"]["apple"]["enabled"].value<bool>(), false);
  EXPECT_EQ(c.raw["auth"]["sms"]["test_otp"]["4152127777"].value<std::string>(), "123456");
  EXPECT_EQ(c.raw["db"]["vault"]["stripe"].value<std::string>(), "sk_test");
  EXPECT_EQ(c.raw["edge_runtime"]["secrets"]["any_name"].value<std::string>(), "v");
  EXPECT_EQ(c.raw["auth"]["email"]["template"]["recovery"]["subject"].value<std::string>(),
            "Reset");
  EXPECT_EQ(c.api.max_rows, 1000);
}

TEST_F(LoadTest, SmtpSectionImpliesEnabled) {
  write_config(
      "[auth.email.smtp]\n"
      "host = \"smtp.example.com\"\n"
      "port = 2525\n"
      "user = \"u\"\n"
      "pass = \"p\"\n"
      "admin_email = \"a@example.com\"\n");
  Loaded loaded = load_ok();
  EXPECT_EQ(loaded.config.raw["auth"]["email"]["smtp"]["enabled"].value<bool>(), true);
}

TEST_F(LoadTest, PhoneSignupWithoutProviderIsTurnedOffWithAWarning) {
  write_config("[auth.sms]\nenable_signup = true\n");
  Loaded loaded = load_ok();
  EXPECT_THAT(loaded.warnings,
              ElementsAre("supabase/config.toml:2: auth.sms.enable_signup: no SMS provider is "
                          "enabled; phone sign-up is off"));
  EXPECT_EQ(loaded.config.raw["auth"]["sms"]["enable_signup"].value<bool>(), false);
}

TEST_F(LoadTest, DeprecatedProvidersAreDropped) {
  write_config("[auth.external.slack]\nenabled = true\nclient_id = \"x\"\nsecret = \"y\"\n");
  Loaded loaded = load_ok();
  EXPECT_THAT(loaded.warnings, ElementsAre("supabase/config.toml:1: auth.external.slack: "
                                           "deprecated provider ignored; use "
                                           "[auth.external.slack_oidc]"));
  EXPECT_FALSE(loaded.config.raw["auth"]["external"]["slack"]);
}

TEST_F(LoadTest, ProjectIdWithInvalidCharactersIsFixedWithAWarning) {
  write_config("project_id = \"my app\"\n");
  Loaded loaded = load_ok();
  EXPECT_EQ(loaded.config.project_id, "my_app");
  EXPECT_THAT(loaded.warnings,
              ElementsAre("supabase/config.toml:1: project_id: \"my app\" has characters the "
                          "Supabase CLI does not allow; using \"my_app\""));
}

TEST_F(LoadTest, ConfigPathThatIsAFolderIsAnError) {
  std::filesystem::create_directories(dir_ / "supabase" / "config.toml");
  EXPECT_THAT(load_error(), StartsWith("supabase/config.toml: "));
}

}  // namespace
}  // namespace basalt::config
