// The key schema follows the Supabase CLI's config struct (pkg/config), not its template: the
// template omits optional keys that the CLI still decodes, and those must load silently too.
#include "config/schema.hpp"

#include <initializer_list>
#include <limits>

namespace basalt::config::detail {
namespace {

using P = std::shared_ptr<const Spec>;
using Fields = std::initializer_list<std::pair<std::string, P>>;

constexpr std::int64_t kCountMax = std::numeric_limits<std::int32_t>::max();

P make(Spec s) {
  return std::make_shared<const Spec>(std::move(s));
}

P leaf(Kind kind) {
  Spec s;
  s.kind = kind;
  return make(std::move(s));
}

P boolean() {
  return leaf(Kind::kBool);
}
P str() {
  return leaf(Kind::kString);
}
P strs() {
  return leaf(Kind::kStrings);
}
P size() {
  return leaf(Kind::kSize);
}
P duration() {
  return leaf(Kind::kDuration);
}

P integer(std::int64_t min, std::int64_t max) {
  Spec s;
  s.kind = Kind::kInt;
  s.min = min;
  s.max = max;
  return make(std::move(s));
}
// The CLI's uint fields.
P count() {
  return integer(0, kCountMax);
}
// A port the CLI requires (or Basalt binds); 0 is refused.
P port() {
  return integer(1, 65535);
}
// A uint16 port where the CLI accepts 0 as "not set" or checks it only when enabled.
P port0() {
  return integer(0, 65535);
}

P one_of(std::initializer_list<std::string> choices) {
  Spec s;
  s.kind = Kind::kEnum;
  s.choices = choices;
  return make(std::move(s));
}

P table(Fields fields) {
  Spec s;
  s.kind = Kind::kTable;
  s.fields = fields;
  return make(std::move(s));
}

// A pointer-held section in the CLI struct.
P section(Fields fields) {
  Spec s;
  s.kind = Kind::kTable;
  s.fields = fields;
  s.presence_only = true;
  return make(std::move(s));
}

P map_of(P element) {
  Spec s;
  s.kind = Kind::kMap;
  s.element = std::move(element);
  return make(std::move(s));
}

P table_array(P element) {
  Spec s;
  s.kind = Kind::kTableArray;
  s.element = std::move(element);
  return make(std::move(s));
}

P api() {
  return table({
      {"enabled", boolean()},
      {"port", port()},
      {"schemas", strs()},
      {"extra_search_path", strs()},
      {"max_rows", count()},
      {"auto_expose_new_tables", boolean()},
      {"external_url", str()},
      {"tls", table({{"enabled", boolean()}, {"cert_path", str()}, {"key_path", str()}})},
  });
}

P db() {
  P settings = table({
      {"effective_cache_size", str()},
      {"logical_decoding_work_mem", str()},
      {"maintenance_work_mem", str()},
      {"max_connections", count()},
      {"max_locks_per_transaction", count()},
      {"max_parallel_maintenance_workers", count()},
      {"max_parallel_workers", count()},
      {"max_parallel_workers_per_gather", count()},
      {"max_replication_slots", count()},
      {"max_slot_wal_keep_size", str()},
      {"max_standby_archive_delay", str()},
      {"max_standby_streaming_delay", str()},
      {"max_wal_size", str()},
      {"max_wal_senders", count()},
      {"max_worker_processes", count()},
      {"session_replication_role", one_of({"origin", "replica", "local"})},
      {"shared_buffers", str()},
      {"statement_timeout", str()},
      {"track_activity_query_size", str()},
      {"track_commit_timestamp", boolean()},
      {"wal_keep_size", str()},
      {"wal_sender_timeout", str()},
      {"work_mem", str()},
  });
  return table({
      {"port", port()},
      {"shadow_port", port()},
      {"health_timeout", duration()},
      // Checked against the versions the CLI accepts after conversion.
      {"major_version", count()},
      {"root_key", str()},
      {"pooler", table({
                     {"enabled", boolean()},
                     {"port", port0()},
                     {"pool_mode", one_of({"transaction", "session"})},
                     {"default_pool_size", count()},
                     {"max_client_conn", count()},
                 })},
      {"migrations", table({{"enabled", boolean()}, {"schema_paths", strs()}})},
      {"seed", table({{"enabled", boolean()}, {"sql_paths", strs()}})},
      {"settings", settings},
      {"network_restrictions", table({
                                   {"enabled", boolean()},
                                   {"allowed_cidrs", strs()},
                                   {"allowed_cidrs_v6", strs()},
                               })},
      {"ssl_enforcement", section({{"enabled", boolean()}})},
      {"vault", map_of(str())},
  });
}

P storage() {
  P bucket = table({
      {"public", boolean()},
      {"file_size_limit", size()},
      {"allowed_mime_types", strs()},
      {"objects_path", str()},
  });
  // Analytics and vector bucket entries carry no settings: the CLI only reads their names.
  P empty = table({});
  return table({
      {"enabled", boolean()},
      {"file_size_limit", size()},
      {"image_transformation", section({{"enabled", boolean()}})},
      {"s3_protocol", section({{"enabled", boolean()}})},
      {"buckets", map_of(bucket)},
      {"analytics", table({
                        {"enabled", boolean()},
                        {"max_namespaces", count()},
                        {"max_tables", count()},
                        {"max_catalogs", count()},
                        {"buckets", map_of(empty)},
                    })},
      {"vector", table({
                     {"enabled", boolean()},
                     {"max_buckets", count()},
                     {"max_indexes", count()},
                     {"buckets", map_of(empty)},
                 })},
  });
}

P auth() {
  P hook = section({{"enabled", boolean()}, {"uri", str()}, {"secrets", str()}});
  P factor = table({{"enroll_enabled", boolean()}, {"verify_enabled", boolean()}});
  P twilio = table({
      {"enabled", boolean()},
      {"account_sid", str()},
      {"message_service_sid", str()},
      {"auth_token", str()},
  });
  P email_template = table({{"subject", str()}, {"content", str()}, {"content_path", str()}});
  P notification = table({
      {"enabled", boolean()},
      {"subject", str()},
      {"content", str()},
      {"content_path", str()},
  });
  P provider = table({
      {"enabled", boolean()},
      {"client_id", str()},
      {"secret", str()},
      {"url", str()},
      {"redirect_uri", str()},
      {"skip_nonce_check", boolean()},
      {"email_optional", boolean()},
      // Basalt: a generic OpenID Connect provider (src/auth/oidc_provider.hpp).
      {"issuer", str()},
      {"authorization_url", str()},
      {"token_url", str()},
      {"userinfo_url", str()},
      {"jwks_url", str()},
      {"scopes", strs()},
  });
  return table({
      {"enabled", boolean()},
      {"site_url", str()},
      {"external_url", str()},
      {"additional_redirect_urls", strs()},
      {"jwt_expiry", count()},
      {"jwt_issuer", str()},
      {"enable_refresh_token_rotation", boolean()},
      {"refresh_token_reuse_interval", count()},
      {"enable_manual_linking", boolean()},
      {"enable_signup", boolean()},
      {"enable_anonymous_sign_ins", boolean()},
      {"minimum_password_length", count()},
      {"password_requirements", one_of({"", "letters_digits", "lower_upper_letters_digits",
                                        "lower_upper_letters_digits_symbols"})},
      {"signing_keys_path", str()},
      {"passkey", section({{"enabled", boolean()}})},
      {"webauthn", section({
                       {"rp_display_name", str()},
                       {"rp_id", str()},
                       {"rp_origins", strs()},
                   })},
      {"rate_limit", table({
                         {"anonymous_users", count()},
                         {"token_refresh", count()},
                         {"sign_in_sign_ups", count()},
                         {"token_verifications", count()},
                         {"email_sent", count()},
                         {"sms_sent", count()},
                         {"web3", count()},
                     })},
      {"captcha", section({
                      {"enabled", boolean()},
                      {"provider", one_of({"hcaptcha", "turnstile"})},
                      {"secret", str()},
                  })},
      {"hook", table({
                   {"mfa_verification_attempt", hook},
                   {"password_verification_attempt", hook},
                   {"custom_access_token", hook},
                   {"send_sms", hook},
                   {"send_email", hook},
                   {"before_user_created", hook},
               })},
      {"mfa", table({
                  {"totp", factor},
                  {"phone", table({
                                {"enroll_enabled", boolean()},
                                {"verify_enabled", boolean()},
                                {"otp_length", count()},
                                {"template", str()},
                                {"max_frequency", duration()},
                            })},
                  {"web_authn", factor},
                  {"max_enrolled_factors", count()},
              })},
      {"sessions", table({{"timebox", duration()}, {"inactivity_timeout", duration()}})},
      {"email", table({
                    {"enable_signup", boolean()},
                    {"double_confirm_changes", boolean()},
                    {"enable_confirmations", boolean()},
                    {"secure_password_change", boolean()},
                    {"template", map_of(email_template)},
                    {"notification", map_of(notification)},
                    {"smtp", section({
                                 {"enabled", boolean()},
                                 {"host", str()},
                                 {"port", port0()},
                                 {"user", str()},
                                 {"pass", str()},
                                 {"admin_email", str()},
                                 {"sender_name", str()},
                             })},
                    {"max_frequency", duration()},
                    {"otp_length", count()},
                    {"otp_expiry", count()},
                })},
      {"sms", table({
                  {"enable_signup", boolean()},
                  {"enable_confirmations", boolean()},
                  {"template", str()},
                  {"twilio", twilio},
                  {"twilio_verify", twilio},
                  {"messagebird", table({
                                      {"enabled", boolean()},
                                      {"originator", str()},
                                      {"access_key", str()},
                                  })},
                  {"textlocal", table({
                                    {"enabled", boolean()},
                                    {"sender", str()},
                                    {"api_key", str()},
                                })},
                  {"vonage", table({
                                 {"enabled", boolean()},
                                 {"from", str()},
                                 {"api_key", str()},
                                 {"api_secret", str()},
                             })},
                  {"test_otp", map_of(str())},
                  {"max_frequency", duration()},
              })},
      {"external", map_of(provider)},
      {"web3", table({
                   {"solana", table({{"enabled", boolean()}})},
                   {"ethereum", table({{"enabled", boolean()}})},
               })},
      {"oauth_server", table({
                           {"enabled", boolean()},
                           {"allow_dynamic_registration", boolean()},
                           {"authorization_url_path", str()},
                       })},
      {"publishable_key", str()},
      {"secret_key", str()},
      {"jwt_secret", str()},
      {"anon_key", str()},
      {"service_role_key", str()},
      {"third_party", table({
                          {"firebase", table({{"enabled", boolean()}, {"project_id", str()}})},
                          {"auth0", table({
                                        {"enabled", boolean()},
                                        {"tenant", str()},
                                        {"tenant_region", str()},
                                    })},
                          {"aws_cognito", table({
                                              {"enabled", boolean()},
                                              {"user_pool_id", str()},
                                              {"user_pool_region", str()},
                                          })},
                          {"clerk", table({{"enabled", boolean()}, {"domain", str()}})},
                          {"workos", table({{"enabled", boolean()}, {"issuer_url", str()}})},
                      })},
  });
}

// Everything a [remotes.<name>] block may hold too.
std::vector<std::pair<std::string, P>> base_fields() {
  return {
      {"project_id", str()},
      {"api", api()},
      {"db", db()},
      {"realtime", table({
                       {"enabled", boolean()},
                       {"ip_version", one_of({"IPv6", "IPv4"})},
                       {"max_header_length", count()},
                   })},
      {"studio", table({
                     {"enabled", boolean()},
                     {"port", port0()},
                     {"api_url", str()},
                     {"openai_api_key", str()},
                 })},
      {"inbucket", table({
                       {"enabled", boolean()},
                       {"port", port0()},
                       {"smtp_port", port0()},
                       {"pop3_port", port0()},
                       {"admin_email", str()},
                       {"sender_name", str()},
                   })},
      {"storage", storage()},
      {"auth", auth()},
      {"edge_runtime", table({
                           {"enabled", boolean()},
                           {"policy", one_of({"per_worker", "oneshot"})},
                           {"inspector_port", port0()},
                           {"secrets", map_of(str())},
                           {"deno_version", count()},
                       })},
      {"functions", map_of(table({
                        {"enabled", boolean()},
                        {"verify_jwt", boolean()},
                        {"import_map", str()},
                        {"entrypoint", str()},
                        {"static_files", strs()},
                    }))},
      {"analytics", table({
                        {"enabled", boolean()},
                        {"port", port0()},
                        {"backend", one_of({"postgres", "bigquery"})},
                        {"gcp_project_id", str()},
                        {"gcp_project_number", str()},
                        {"gcp_jwt_path", str()},
                        {"vector_port", port0()},
                    })},
      {"experimental", table({
                           {"orioledb_version", str()},
                           {"s3_host", str()},
                           {"s3_region", str()},
                           {"s3_access_key", str()},
                           {"s3_secret_key", str()},
                           {"webhooks", section({{"enabled", boolean()}})},
                           {"pgdelta", section({
                                           {"enabled", boolean()},
                                           {"declarative_schema_path", str()},
                                           {"format_options", str()},
                                       })},
                           {"inspect", table({{"rules", table_array(table({
                                                            {"query", str()},
                                                            {"name", str()},
                                                            {"pass", str()},
                                                            {"fail", str()},
                                                        }))}})},
                       })},
  };
}

Spec build_root() {
  Spec base;
  base.kind = Kind::kTable;
  base.fields = base_fields();
  Spec root = base;
  root.fields.emplace_back("remotes", map_of(make(std::move(base))));
  return root;
}

}  // namespace

const Spec& root_spec() {
  static const Spec root = build_root();
  return root;
}

}  // namespace basalt::config::detail
