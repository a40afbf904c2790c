// PostgREST's own configuration, for `basalt rest`: every setting PostgREST v14 knows, with
// PostgREST's defaults and aliases, read from its config file (postgrest_conf_file.hpp), from
// PGRST_* environment variables (PGRST_DB_URI → db-uri, PGRST_APP_SETTINGS_x → app.settings.x)
// and from the in-database configuration (pgrst.* role settings, db-config), in PostgREST's
// order: in-database beats environment beats file. Values are checked (a bad boolean, an
// unknown db-tx-end, a non-numeric port is an error naming file:line or the variable) and the
// settings Basalt does not support yet produce warnings naming them.
#pragma once
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "config/config.hpp"
#include "config/jspath.hpp"

namespace basalt::config {

struct PostgrestConfig {
  std::vector<std::pair<std::string, std::string>> app_settings;  // app.settings.*, by name
  bool db_aggregates_enabled = false;
  std::optional<std::string> db_anon_role;  // unset: anonymous requests are refused (PGRST302)
  std::string db_channel = "pgrst";
  bool db_channel_enabled = true;
  bool db_config = true;
  std::vector<std::string> db_extra_search_path{"public"};
  std::vector<std::string> db_hoisted_tx_settings{
      "statement_timeout", "plan_filter.statement_cost_limit", "default_transaction_isolation"};
  std::optional<long long> db_max_rows;
  bool db_plan_enabled = false;
  int db_pool = 10;
  int db_pool_acquisition_timeout = 10;  // seconds
  int db_pool_max_lifetime = 1800;       // seconds
  int db_pool_max_idletime = 30;         // seconds
  bool db_pool_automatic_recovery = true;
  std::optional<std::string> db_pre_config;   // "schema.function" or "function"
  std::optional<std::string> db_pre_request;  // "schema.function" or "function"
  bool db_prepared_statements = true;
  std::optional<std::string> db_root_spec;
  std::vector<std::string> db_schemas{"public"};
  // "commit", "commit-allow-override", "rollback" or "rollback-allow-override".
  std::string db_tx_end = "commit";
  std::string db_uri = "postgresql://";  // after "@file" was read
  std::optional<std::string> jwt_aud;
  JsPath jwt_role_claim_key = default_role_claim_key();
  std::string jwt_role_claim_key_text = ".role";
  // The HS256 key: after "@file", base64 (jwt-secret-is-base64) and a JWK's "k" were decoded.
  std::optional<std::string> jwt_secret;
  bool jwt_secret_is_base64 = false;
  int jwt_cache_max_entries = 1000;
  std::string log_level = "error";  // crit, error, warn, info, debug
  bool log_query = false;
  std::string openapi_mode = "follow-privileges";  // or ignore-privileges, disabled
  bool openapi_security_active = false;
  std::optional<std::string> openapi_server_proxy_uri;
  std::optional<std::vector<std::string>> server_cors_allowed_origins;  // unset: any origin
  std::string server_host = "!4";  // also *, *4, !6, *6 (PostgREST's special addresses)
  int server_port = 3000;
  std::optional<std::string> server_trace_header;
  bool server_timing_enabled = false;
  std::optional<std::string> server_unix_socket;
  int server_unix_socket_mode = 0660;
  std::string admin_server_host = "!4";
  std::optional<int> admin_server_port;
  std::optional<int> internal_schema_cache_query_sleep;

  // Which settings were given explicitly (any source), e.g. "log-level", "app.settings.x".
  std::vector<std::string> explicitly_set;
  bool is_set(std::string_view key) const;
};

struct PostgrestSources {
  std::optional<std::filesystem::path> file;  // none: environment (and database) only
  EnvLookup env;                              // $(NAME) in the file, PGRST_<KEY>
  // The names of the environment's variables (PGRST_APP_SETTINGS_* are found among them).
  std::vector<std::string> env_names;
  // In-database configuration: "db_schemas" → "a, b" (the pgrst. prefix already removed).
  std::map<std::string, std::string> db_settings;
};

struct PostgrestLoaded {
  PostgrestConfig config;
  // Unknown keys in the file and settings Basalt does not support yet, each naming the
  // setting and where it was set.
  std::vector<std::string> warnings;
};

// Reads sources.file (when set) and the rest. Errors have code "config"; the message is the
// first problem ("postgrest.conf:4: db-tx-end: ...", "PGRST_SERVER_PORT: ..."), details the
// others, one a line.
Result<PostgrestLoaded> load_postgrest_config(const PostgrestSources& sources);
// The same with the file's text given (`file_name` for messages and imports).
Result<PostgrestLoaded> parse_postgrest_config(std::string_view text, const std::string& file_name,
                                               const PostgrestSources& sources);

// The settings PostgREST reads from the database ("db_schemas", "jwt_secret", ...; each is
// pgrst.<name> there).
const std::vector<std::string>& postgrest_db_setting_names();

// The names of this process's environment variables.
std::vector<std::string> process_env_names();

}  // namespace basalt::config
