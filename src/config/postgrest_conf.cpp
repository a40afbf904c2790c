#include "config/postgrest_conf.hpp"

#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "config/postgrest_conf_file.hpp"

extern char** environ;

namespace basalt::config {

namespace {

// Every key PostgREST v14 reads (Config.hs), then the old names it still accepts.
const std::vector<std::string>& known_keys() {
  static const std::vector<std::string> keys{
      "db-aggregates-enabled",
      "db-anon-role",
      "db-channel",
      "db-channel-enabled",
      "db-config",
      "db-extra-search-path",
      "db-hoisted-tx-settings",
      "db-max-rows",
      "db-plan-enabled",
      "db-pool",
      "db-pool-acquisition-timeout",
      "db-pool-max-lifetime",
      "db-pool-max-idletime",
      "db-pool-automatic-recovery",
      "db-pre-config",
      "db-pre-request",
      "db-prepared-statements",
      "db-root-spec",
      "db-schemas",
      "db-tx-end",
      "db-uri",
      "jwt-aud",
      "jwt-role-claim-key",
      "jwt-secret",
      "jwt-secret-is-base64",
      "jwt-cache-max-entries",
      "log-level",
      "log-query",
      "openapi-mode",
      "openapi-security-active",
      "openapi-server-proxy-uri",
      "server-cors-allowed-origins",
      "server-host",
      "server-port",
      "server-trace-header",
      "server-timing-enabled",
      "server-unix-socket",
      "server-unix-socket-mode",
      "admin-server-host",
      "admin-server-port",
      "internal-schema-cache-query-sleep",
      // aliases
      "max-rows",
      "db-pool-timeout",
      "pre-request",
      "root-spec",
      "db-schema",
      "role-claim-key",
      "secret-is-base64",
  };
  return keys;
}

std::string env_name(std::string_view key) {
  std::string out = "PGRST_";
  for (char c : key) {
    out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string db_name(std::string_view key) {
  std::string out(key);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::string> split_commas(std::string_view s) {
  std::vector<std::string> out;
  while (true) {
    const auto comma = s.find(',');
    out.push_back(trim(s.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

std::string in_quotes(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

Result<std::string> read_file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::make(400, "config", "cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Standard or URL-safe base64, with or without padding; nullopt when it is not base64.
std::optional<std::string> decode_base64(std::string text) {
  for (char& c : text) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char c : text) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/')) return std::nullopt;
  }
  if (text.size() % 4 == 1) return std::nullopt;
  const std::size_t pad = (4 - text.size() % 4) % 4;
  text.append(pad, '=');
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

// One setting's value as found, and where.
struct Found {
  ConfValue value;
  std::string origin;  // "postgrest.conf:4", "PGRST_DB_URI", "pgrst.db_schemas (in-database)"
};

class Reader {
 public:
  Reader(const ConfEntries& file, const PostgrestSources& sources)
      : file_(file), sources_(sources) {}

  // In-database beats environment beats file (PostgREST's overrideFromDbOrEnvironment).
  std::optional<Found> find(std::string_view key) const {
    const auto& db_names = postgrest_db_setting_names();
    const std::string dbk = db_name(key);
    if (std::find(db_names.begin(), db_names.end(), dbk) != db_names.end()) {
      if (auto it = sources_.db_settings.find(dbk); it != sources_.db_settings.end()) {
        return Found{ConfValue{ConfValue::Kind::string, it->second, {}},
                     "pgrst." + dbk + " (in-database configuration)"};
      }
    }
    const std::string envk = env_name(key);
    if (sources_.env) {
      if (auto v = sources_.env(envk)) {
        return Found{ConfValue{ConfValue::Kind::string, *v, {}}, envk};
      }
    }
    if (auto it = file_.find(std::string(key)); it != file_.end()) {
      return Found{it->second.value, it->second.file + ":" + std::to_string(it->second.line)};
    }
    return std::nullopt;
  }

  // The setting under `key`, else under its old name `alias` (PostgREST's optWithAlias).
  std::optional<Found> find(std::string_view key, std::string_view alias,
                            bool emptyable = false) const {
    auto f = find(key);
    if (f && !emptyable && is_empty_string(*f)) f.reset();
    if (!f && !alias.empty()) {
      f = find(alias);
      if (f && !emptyable && is_empty_string(*f)) f.reset();
    }
    return f;
  }

  void fail(const Found& f, std::string_view key, std::string_view problem) {
    errors.push_back(f.origin + ": " + std::string(key) + ": " + std::string(problem));
  }

  void mark(std::string_view key, const Found& f) {
    set.push_back(std::string(key));
    origins[std::string(key)] = f.origin;
  }

  // Strings: "" counts as unset (PostgREST's optString) unless `emptyable`.
  std::optional<std::string> str(std::string_view key, std::string_view alias = {},
                                 bool emptyable = false) {
    auto f = find(key, alias, emptyable);
    if (!f) return std::nullopt;
    if (f->value.kind == ConfValue::Kind::list) {
      fail(*f, key, "expected a string, got a list (write \"a,b\")");
      return std::nullopt;
    }
    mark(key, *f);
    return f->value.text;
  }

  std::optional<bool> boolean(std::string_view key, std::string_view alias = {}) {
    auto f = find(key, alias);
    if (!f) return std::nullopt;
    mark(key, *f);
    const auto& v = f->value;
    if (v.kind == ConfValue::Kind::boolean) return v.text == "true";
    if (v.kind == ConfValue::Kind::string || v.kind == ConfValue::Kind::number) {
      // PostgREST reads True, true, TRUE, "true" (letters only, any case) or a number (> 0).
      std::string letters;
      for (char c : v.text) {
        if (std::isalpha(static_cast<unsigned char>(c))) {
          letters += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
      }
      if (letters == "true") return true;
      if (letters == "false") return false;
      if (auto n = parse_integer(v.text)) return *n > 0;
    }
    fail(*f, key, "expected a boolean (true or false), got " + describe(v));
    return std::nullopt;
  }

  std::optional<long long> integer(std::string_view key, std::string_view alias = {},
                                   long long min = 0, long long max = 2147483647) {
    auto f = find(key, alias);
    if (!f) return std::nullopt;
    mark(key, *f);
    const auto& v = f->value;
    std::optional<long long> n;
    if (v.kind == ConfValue::Kind::number || v.kind == ConfValue::Kind::string) {
      n = parse_integer(v.text);
    }
    if (!n) {
      fail(*f, key, "expected a whole number, got " + describe(v));
      return std::nullopt;
    }
    if (*n < min || *n > max) {
      fail(*f, key,
           "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
               std::to_string(*n));
      return std::nullopt;
    }
    return n;
  }

  std::vector<std::string> errors;
  std::vector<std::string> set;
  std::map<std::string, std::string> origins;

 private:
  static bool is_empty_string(const Found& f) {
    return f.value.kind == ConfValue::Kind::string && f.value.text.empty();
  }

  static std::string describe(const ConfValue& v) {
    if (v.kind == ConfValue::Kind::list) return "a list";
    if (v.kind == ConfValue::Kind::string) return in_quotes(v.text);
    return v.text;
  }

  // A whole number as Haskell's `read` takes it (surrounding spaces, optional '-'), or a number
  // literal with a zero fraction / exponent ("3000", "3e3").
  static std::optional<long long> parse_integer(std::string_view text) {
    const std::string t = trim(text);
    long long n = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
    if (ec == std::errc() && p == t.data() + t.size() && !t.empty()) return n;
    double d = 0;
    auto [q, ec2] = std::from_chars(t.data(), t.data() + t.size(), d);
    if (ec2 == std::errc() && q == t.data() + t.size() && !t.empty() && std::floor(d) == d &&
        std::fabs(d) < 9e15 && t.find_first_of(".eE") != std::string::npos) {
      return static_cast<long long>(d);
    }
    return std::nullopt;
  }

  const ConfEntries& file_;
  const PostgrestSources& sources_;
};

// jwt-secret: "@file" (one trailing line break dropped), base64 when asked, then a JWK or
// JWK Set with one symmetric key, else the text itself (at least 32 characters).
Result<std::string> resolve_jwt_secret(std::string secret, bool is_base64) {
  if (secret.starts_with('@')) {
    auto text = read_file_text(secret.substr(1));
    if (!text) return std::move(text).error();
    secret = std::move(text).value();
    if (secret.ends_with('\n')) secret.pop_back();
  }
  if (is_base64) {
    std::string t = trim(secret);
    std::replace(t.begin(), t.end(), '.', '=');
    auto decoded = decode_base64(t);
    if (!decoded) {
      return Error::make(400, "config", "jwt-secret-is-base64 is true but it is not base64");
    }
    secret = std::move(*decoded);
  }
  boost::system::error_code ec;
  auto json = boost::json::parse(secret, ec);
  if (!ec && json.is_object()) {
    const auto& o = json.as_object();
    std::vector<const boost::json::object*> keys;
    if (const auto* ks = o.if_contains("keys"); ks && ks->is_array()) {
      for (const auto& k : ks->as_array()) {
        if (k.is_object()) keys.push_back(&k.as_object());
      }
    } else if (o.contains("kty")) {
      keys.push_back(&o);
    }
    if (!keys.empty()) {
      if (keys.size() != 1) {
        return Error::make(400, "config",
                           "jwt-secret: a JWK Set with more than one key is not supported by "
                           "Basalt yet (it verifies HS256 with one key)");
      }
      const auto* kty = keys.front()->if_contains("kty");
      const auto* k = keys.front()->if_contains("k");
      if (kty == nullptr || !kty->is_string() || kty->as_string() != "oct" || k == nullptr ||
          !k->is_string()) {
        return Error::make(400, "config",
                           "jwt-secret: only a symmetric JWK (kty \"oct\") is supported by Basalt "
                           "yet; RSA and EC keys are not");
      }
      auto bytes = decode_base64(std::string(k->as_string()));
      if (!bytes) return Error::make(400, "config", "jwt-secret: the JWK's \"k\" is not base64url");
      return std::move(*bytes);
    }
  }
  if (secret.size() < 32) {
    return Error::make(400, "config",
                       "jwt-secret: The JWT secret must be at least 32 characters long.");
  }
  return secret;
}

bool valid_uri(std::string_view s) {
  return static_cast<bool>(boost::urls::parse_uri(s));
}

void check_unsupported(const PostgrestConfig& c, const Reader& r,
                       std::vector<std::string>& warnings) {
  auto warn = [&](std::string_view key, bool applies, std::string_view what) {
    if (!applies || !c.is_set(key)) return;
    auto it = r.origins.find(std::string(key));
    const std::string where = it == r.origins.end() ? std::string() : " (" + it->second + ")";
    warnings.push_back(std::string(key) + where +
                       " is not supported by Basalt yet: " + std::string(what));
  };
  const PostgrestConfig d;
  warn("db-pool-max-lifetime", c.db_pool_max_lifetime != d.db_pool_max_lifetime,
       "connections are kept until they break");
  warn("db-pool-max-idletime", c.db_pool_max_idletime != d.db_pool_max_idletime,
       "idle connections are kept");
  warn("db-pool-automatic-recovery", !c.db_pool_automatic_recovery,
       "Basalt always reconnects when the database comes back");
  warn("db-prepared-statements", !c.db_prepared_statements,
       "statements are always prepared (use a session-mode pooler)");
  warn("db-root-spec", c.db_root_spec.has_value(),
       "the root path serves the built-in OpenAPI document");
  warn("log-query", c.log_query, "SQL is logged at debug level (--log-level debug)");
  warn("openapi-security-active", c.openapi_security_active,
       "the OpenAPI document has no security definitions");
  warn("openapi-server-proxy-uri", c.openapi_server_proxy_uri.has_value(),
       "the OpenAPI document names PostgREST's default host");
  warn("server-trace-header", c.server_trace_header.has_value(),
       "responses carry X-Request-Id instead");
  warn("server-timing-enabled", c.server_timing_enabled, "no Server-Timing header is sent");
  warn("server-unix-socket", c.server_unix_socket.has_value(),
       "Basalt listens on server-host:server-port");
  warn("server-unix-socket-mode", true, "there is no unix socket");
  warn("admin-server-port", c.admin_server_port.has_value(),
       "there is no admin server (/live, /ready, /metrics)");
  warn("internal-schema-cache-query-sleep", true, "it is a PostgREST test hook");
}

}  // namespace

bool PostgrestConfig::is_set(std::string_view key) const {
  return std::find(explicitly_set.begin(), explicitly_set.end(), key) != explicitly_set.end();
}

const std::vector<std::string>& postgrest_db_setting_names() {
  // PostgREST v14's Config/Database.hs: the settings that may live in the database.
  static const std::vector<std::string> names{
      "db_aggregates_enabled",
      "db_anon_role",
      "db_pre_config",
      "db_extra_search_path",
      "db_max_rows",
      "db_plan_enabled",
      "db_pre_request",
      "db_prepared_statements",
      "db_root_spec",
      "db_schemas",
      "db_tx_end",
      "db_hoisted_tx_settings",
      "jwt_aud",
      "jwt_role_claim_key",
      "jwt_secret",
      "jwt_secret_is_base64",
      "jwt_cache_max_lifetime",
      "openapi_mode",
      "openapi_security_active",
      "openapi_server_proxy_uri",
      "server_cors_allowed_origins",
      "server_trace_header",
      "server_timing_enabled",
  };
  return names;
}

std::vector<std::string> process_env_names() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry = *e;
    out.emplace_back(entry.substr(0, entry.find('=')));
  }
  return out;
}

Result<PostgrestLoaded> parse_postgrest_config(std::string_view text, const std::string& file_name,
                                               const PostgrestSources& sources) {
  auto entries = parse_conf_text(text, file_name, sources.env);
  if (!entries) return std::move(entries).error();
  const ConfEntries& file = *entries;
  PostgrestLoaded out;
  PostgrestConfig& c = out.config;
  Reader r(file, sources);

  // Keys PostgREST would ignore: say so, they are usually typos.
  const auto& known = known_keys();
  constexpr std::string_view kApp = "app.settings.";
  for (const auto& [key, entry] : file) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    if (key.starts_with(kApp) && key.find('.', kApp.size()) == std::string::npos) continue;
    out.warnings.push_back(entry.file + ":" + std::to_string(entry.line) + ": unknown setting " +
                           in_quotes(key) + " (PostgREST ignores it too)");
  }
  std::set<std::string> known_env;
  for (const auto& k : known) known_env.insert(env_name(k));
  for (const auto& name : sources.env_names) {
    if (!name.starts_with("PGRST_") || name.starts_with("PGRST_APP_SETTINGS_")) continue;
    if (!known_env.contains(name)) {
      out.warnings.push_back("environment variable " + name +
                             " is not a PostgREST setting (ignored)");
    }
  }

  // app.settings.*: the file's, then PGRST_APP_SETTINGS_<name> (the environment wins).
  std::map<std::string, std::string> app;
  for (const auto& [key, entry] : file) {
    if (!key.starts_with(kApp) || key.find('.', kApp.size()) != std::string::npos) continue;
    if (entry.value.kind == ConfValue::Kind::list) {
      r.errors.push_back(entry.file + ":" + std::to_string(entry.line) + ": " + key +
                         ": expected a string, got a list");
      continue;
    }
    app[key] = entry.value.text;
  }
  for (const auto& name : sources.env_names) {
    constexpr std::string_view kEnvApp = "PGRST_APP_SETTINGS_";
    if (!name.starts_with(kEnvApp) || name.size() == kEnvApp.size() || !sources.env) continue;
    if (auto v = sources.env(name)) app[std::string(kApp) + name.substr(kEnvApp.size())] = *v;
  }
  for (auto& [k, v] : app) {
    c.app_settings.emplace_back(k, v);
    c.explicitly_set.push_back(k);
  }

  if (auto v = r.boolean("db-aggregates-enabled")) c.db_aggregates_enabled = *v;
  if (auto v = r.str("db-anon-role")) c.db_anon_role = *v;
  if (auto v = r.str("db-channel")) c.db_channel = *v;
  if (auto v = r.boolean("db-channel-enabled")) c.db_channel_enabled = *v;
  if (auto v = r.boolean("db-config")) c.db_config = *v;
  if (auto v = r.str("db-extra-search-path", {}, true)) {
    c.db_extra_search_path = v->empty() ? std::vector<std::string>{} : split_commas(*v);
  }
  if (auto v = r.str("db-hoisted-tx-settings")) c.db_hoisted_tx_settings = split_commas(*v);
  if (auto v = r.integer("db-max-rows", "max-rows", 0, 9'000'000'000'000'000'000LL)) {
    c.db_max_rows = *v;
  }
  if (auto v = r.boolean("db-plan-enabled")) c.db_plan_enabled = *v;
  if (auto v = r.integer("db-pool", {}, 1, 10000)) c.db_pool = static_cast<int>(*v);
  if (auto v = r.integer("db-pool-acquisition-timeout", {}, 1, 86400)) {
    c.db_pool_acquisition_timeout = static_cast<int>(*v);
  }
  if (auto v = r.integer("db-pool-max-lifetime")) c.db_pool_max_lifetime = static_cast<int>(*v);
  if (auto v = r.integer("db-pool-max-idletime", "db-pool-timeout")) {
    c.db_pool_max_idletime = static_cast<int>(*v);
  }
  if (auto v = r.boolean("db-pool-automatic-recovery")) c.db_pool_automatic_recovery = *v;
  if (auto v = r.str("db-pre-config")) c.db_pre_config = *v;
  if (auto v = r.str("db-pre-request", "pre-request")) c.db_pre_request = *v;
  if (auto v = r.boolean("db-prepared-statements")) c.db_prepared_statements = *v;
  if (auto v = r.str("db-root-spec", "root-spec")) c.db_root_spec = *v;
  if (auto v = r.str("db-schemas", "db-schema")) {
    auto schemas = split_commas(*v);
    if (std::any_of(schemas.begin(), schemas.end(), [](const auto& s) { return s.empty(); })) {
      r.fail(*r.find("db-schemas", "db-schema"), "db-schemas",
             "a schema name is empty in " + in_quotes(*v));
    } else {
      c.db_schemas = std::move(schemas);
    }
  }
  if (auto v = r.str("db-tx-end")) {
    if (*v == "commit" || *v == "commit-allow-override" || *v == "rollback" ||
        *v == "rollback-allow-override") {
      c.db_tx_end = *v;
    } else {
      r.fail(*r.find("db-tx-end"), "db-tx-end",
             "expected commit, commit-allow-override, rollback or rollback-allow-override, got " +
                 in_quotes(*v));
    }
  }
  if (auto v = r.str("db-uri")) {
    if (v->starts_with('@')) {
      auto text = read_file_text(v->substr(1));
      if (!text) {
        r.fail(*r.find("db-uri"), "db-uri", text.error().message);
      } else {
        c.db_uri = trim(*text);
      }
    } else {
      c.db_uri = *v;
    }
  }
  if (auto v = r.str("jwt-aud")) {
    if (v->find(':') != std::string::npos && !valid_uri(*v)) {
      r.fail(*r.find("jwt-aud"), "jwt-aud",
             "should be a string or a valid URI, got " + in_quotes(*v));
    } else {
      c.jwt_aud = *v;
    }
  }
  if (auto v = r.str("jwt-role-claim-key", "role-claim-key")) {
    auto path = parse_jspath(*v);
    if (!path) {
      r.fail(*r.find("jwt-role-claim-key", "role-claim-key"), "jwt-role-claim-key",
             path.error().message);
    } else {
      c.jwt_role_claim_key = std::move(path).value();
      c.jwt_role_claim_key_text = *v;
    }
  }
  if (auto v = r.boolean("jwt-secret-is-base64", "secret-is-base64")) c.jwt_secret_is_base64 = *v;
  if (auto v = r.str("jwt-secret")) {
    auto secret = resolve_jwt_secret(*v, c.jwt_secret_is_base64);
    if (!secret) {
      std::string m = secret.error().message;
      if (m.starts_with("jwt-secret: ")) m.erase(0, 12);
      r.fail(*r.find("jwt-secret"), "jwt-secret", m);
    } else {
      c.jwt_secret = std::move(secret).value();
    }
  }
  if (auto v = r.integer("jwt-cache-max-entries")) c.jwt_cache_max_entries = static_cast<int>(*v);
  if (auto v = r.str("log-level")) {
    if (*v == "crit" || *v == "error" || *v == "warn" || *v == "info" || *v == "debug") {
      c.log_level = *v;
    } else {
      r.fail(*r.find("log-level"), "log-level",
             "expected crit, error, warn, info or debug, got " + in_quotes(*v));
    }
  }
  if (auto v = r.boolean("log-query")) c.log_query = *v;
  if (auto v = r.str("openapi-mode")) {
    if (*v == "follow-privileges" || *v == "ignore-privileges" || *v == "disabled") {
      c.openapi_mode = *v;
    } else {
      r.fail(*r.find("openapi-mode"), "openapi-mode",
             "expected follow-privileges, ignore-privileges or disabled, got " + in_quotes(*v));
    }
  }
  if (auto v = r.boolean("openapi-security-active")) c.openapi_security_active = *v;
  if (auto v = r.str("openapi-server-proxy-uri")) c.openapi_server_proxy_uri = *v;
  if (auto v = r.str("server-cors-allowed-origins")) {
    c.server_cors_allowed_origins = split_commas(*v);
  }
  if (auto v = r.str("server-host")) c.server_host = *v;
  if (auto v = r.integer("server-port", {}, 0, 65535)) c.server_port = static_cast<int>(*v);
  if (auto v = r.str("server-trace-header")) c.server_trace_header = *v;
  if (auto v = r.boolean("server-timing-enabled")) c.server_timing_enabled = *v;
  if (auto v = r.str("server-unix-socket")) c.server_unix_socket = *v;
  if (auto v = r.str("server-unix-socket-mode")) {
    int mode = -1;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), mode, 8);
    if (ec != std::errc() || p == v->data()) {
      r.fail(*r.find("server-unix-socket-mode"), "server-unix-socket-mode", "not an octal number");
    } else if (mode < 0600 || mode > 0777) {
      r.fail(*r.find("server-unix-socket-mode"), "server-unix-socket-mode",
             "needs to be between 600 and 777");
    } else {
      c.server_unix_socket_mode = mode;
    }
  }
  if (auto v = r.str("admin-server-host", "server-host")) c.admin_server_host = *v;
  if (auto v = r.integer("admin-server-port", {}, 0, 65535)) {
    if (*v == c.server_port) {
      r.fail(*r.find("admin-server-port"), "admin-server-port",
             "cannot be the same as server-port");
    } else {
      c.admin_server_port = static_cast<int>(*v);
    }
  }
  if (auto v = r.integer("internal-schema-cache-query-sleep")) {
    c.internal_schema_cache_query_sleep = static_cast<int>(*v);
  }
  // admin-server-host falls back to server-host: only its own key counts as set.
  for (const auto& k : r.set) {
    if (k == "admin-server-host" && !r.find("admin-server-host")) continue;
    c.explicitly_set.push_back(k);
  }

  if (!r.errors.empty()) {
    Error e = Error::make(400, "config", r.errors.front());
    for (std::size_t i = 1; i < r.errors.size(); ++i) {
      if (i > 1) e.details += '\n';
      e.details += r.errors[i];
    }
    return e;
  }
  check_unsupported(c, r, out.warnings);
  return out;
}

Result<PostgrestLoaded> load_postgrest_config(const PostgrestSources& sources) {
  if (!sources.file) return parse_postgrest_config("", "(no file)", sources);
  auto text = read_file_text(sources.file->string());
  if (!text) return std::move(text).error();
  return parse_postgrest_config(*text, sources.file->string(), sources);
}

}  // namespace basalt::config
