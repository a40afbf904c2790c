// Basalt's configuration: the Supabase CLI's supabase/config.toml (same keys, same defaults)
// plus the environment (DATABASE_URL, BASALT_JWT_SECRET, SUPABASE_* overrides, env(NAME)).
// One struct per subsystem for what Basalt uses today; every other key is in Config::raw.
#pragma once
#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace basalt::config {

struct ApiTlsConfig {
  bool enabled = false;
  std::string cert_path;  // as written, relative to supabase/
  std::string key_path;
  bool operator==(const ApiTlsConfig&) const = default;
};

struct ApiConfig {
  bool enabled = true;
  int port = 54321;
  std::vector<std::string> schemas{"public", "graphql_public"};
  std::vector<std::string> extra_search_path{"public", "extensions"};
  int max_rows = 1000;
  ApiTlsConfig tls;
  bool operator==(const ApiConfig&) const = default;
};

struct SeedConfig {
  bool enabled = true;
  std::vector<std::string> sql_paths{"./seed.sql"};  // globs, relative to supabase/
  bool operator==(const SeedConfig&) const = default;
};

struct MigrationsConfig {
  bool enabled = true;
  std::vector<std::string> schema_paths;  // globs, relative to supabase/
  bool operator==(const MigrationsConfig&) const = default;
};

struct DbConfig {
  int port = 54322;
  int shadow_port = 54320;
  int major_version = 17;  // the CLI accepts 13, 14, 15 and 17
  SeedConfig seed;
  MigrationsConfig migrations;
  bool operator==(const DbConfig&) const = default;
};

struct AuthEmailConfig {
  bool enable_signup = true;
  bool double_confirm_changes = true;
  bool enable_confirmations = false;
  bool secure_password_change = false;
  std::string max_frequency = "1s";  // a Go duration; see parse_duration()
  int otp_length = 6;
  int otp_expiry = 3600;
  bool operator==(const AuthEmailConfig&) const = default;
};

struct AuthConfig {
  bool enabled = true;
  std::string site_url = "http://127.0.0.1:3000";
  std::vector<std::string> additional_redirect_urls{"https://127.0.0.1:3000"};
  int jwt_expiry = 3600;
  bool enable_refresh_token_rotation = true;
  int refresh_token_reuse_interval = 10;
  bool enable_signup = true;
  bool enable_anonymous_sign_ins = false;
  bool enable_manual_linking = false;
  int minimum_password_length = 6;
  std::string password_requirements;  // "", "letters_digits", "lower_upper_letters_digits", ...
  std::string jwt_secret;             // [auth] jwt_secret or BASALT_JWT_SECRET; may be empty
  AuthEmailConfig email;
  bool operator==(const AuthConfig&) const = default;
};

// The secret the Supabase CLI signs its well-known local anon/service_role keys with when
// auth.jwt_secret is unset. load() does not apply it: whoever needs a secret decides.
inline constexpr std::string_view kSupabaseDefaultJwtSecret =
    "super-secret-jwt-token-with-at-least-32-characters-long";

struct StorageBucketConfig {
  std::optional<bool> is_public;            // `public`; unset leaves the bucket as it is
  std::string file_size_limit;              // as written ("" when unset)
  std::uint64_t file_size_limit_bytes = 0;  // unset -> storage.file_size_limit_bytes
  std::vector<std::string> allowed_mime_types;
  std::string objects_path;  // as written, relative to supabase/
  bool operator==(const StorageBucketConfig&) const = default;
};

struct StorageConfig {
  bool enabled = true;
  std::string file_size_limit = "50MiB";
  std::uint64_t file_size_limit_bytes = 50ull * 1024 * 1024;
  bool image_transformation = false;                   // [storage.image_transformation] enabled
  std::map<std::string, StorageBucketConfig> buckets;  // [storage.buckets.<name>]
  bool operator==(const StorageConfig&) const = default;
};

struct RealtimeConfig {
  bool enabled = true;
  bool operator==(const RealtimeConfig&) const = default;
};

struct Config {
  std::string project_id;  // defaults to the work folder's name
  ApiConfig api;
  DbConfig db;
  AuthConfig auth;
  StorageConfig storage;
  RealtimeConfig realtime;

  // The whole effective document, for keys without a struct field (rate limits, smtp, email
  // templates, hooks, sms, external providers, ...). It is the Supabase CLI's layering:
  // `supabase init` defaults <- config.toml <- SUPABASE_* variables, with env(NAME) already
  // substituted, unknown keys removed and every known key converted to its schema type:
  // booleans are bool, numbers and ports int64_t, strings and enums std::string, lists
  // toml::array of strings; sizes and durations stay strings that parse_size() and
  // parse_duration() accept. Sections that are commented out in the init template (e.g.
  // [auth.email.smtp], [auth.hook.*]) are present only when the file has them. As the CLI
  // does, [functions.<name>] gets enabled/verify_jwt = true and a non-empty
  // [auth.email.smtp] gets enabled = true when unset. Read it with toml++, e.g.
  //   raw["auth"]["rate_limit"]["email_sent"].value_or<std::int64_t>(2)
  //   raw.at_path("auth.email.smtp.host").value<std::string>()
  // (use the operator[] chain when a dynamic name may contain dots, like bucket names).
  toml::table raw;

  // From the environment, not config.toml.
  std::optional<std::string> database_url;  // DATABASE_URL: use this Postgres, manage none
  std::filesystem::path workdir;            // project folder (holds supabase/)
  std::filesystem::path config_file;        // workdir/supabase/config.toml (may not exist)
};

// Reads the environment; injectable so tests need not touch the real one. nullopt = unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_env();

struct Loaded {
  Config config;
  std::vector<std::string> warnings;  // unknown keys, unset env(NAME), major_version fallbacks...
};

// Loads workdir/supabase/config.toml (Supabase CLI defaults when it is absent), applies
// env(NAME) substitution and the environment overrides. Bad TOML or a bad value is an Error
// (code "config") whose message names the file, the line and the key. Like the CLI, variables
// for env(NAME) and SUPABASE_* also come from .env files in supabase/ and the work folder
// (.env.<SUPABASE_ENV>.local, .env.local, .env.<SUPABASE_ENV>, .env; SUPABASE_ENV defaults to
// "development"); the real environment wins over them. DATABASE_URL and BASALT_JWT_SECRET
// are read from `env` only, never from .env files.
Result<Loaded> load(const std::filesystem::path& workdir, const EnvLookup& env);

// The text `basalt init` writes to supabase/config.toml (project_id is sanitized first).
std::string default_config_toml(const std::string& project_id);

// The CLI's project_id rule: runs of characters outside [A-Za-z0-9_.-] become "_", leading
// "_", "." and "-" are dropped, and the result is cut to 40 characters.
std::string sanitize_project_id(std::string_view project_id);

// "50MiB", "1GB", "500KB", "1.5 mb", "1024" -> bytes. Like the CLI, units are case-insensitive
// and always 1024-based ("5MB" == "5MiB"); the trailing "b" is optional. Error otherwise.
Result<std::uint64_t> parse_size(const std::string& text);

// A Go duration as config.toml uses them: "1s", "5m", "1h30m", "1.5h", "300ms", "0".
Result<std::chrono::nanoseconds> parse_duration(const std::string& text);

}  // namespace basalt::config
