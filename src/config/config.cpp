// load(): the Supabase CLI's order of layers (init template defaults, config.toml, SUPABASE_*
// variables, env(NAME)), its conversions and checks, then Basalt's own variables on top.
#include "config/config.hpp"

#include <cstdlib>
#include <exception>
#include <fstream>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

#include "config/document.hpp"
#include "config/dotenv.hpp"
#include "config/values.hpp"

namespace basalt::config {
namespace {

using detail::config_error;

constexpr std::string_view kFileLabel = "supabase/config.toml";

std::string folder_name(const std::filesystem::path& workdir) {
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(workdir, ec);
  if (ec) absolute = workdir;
  absolute = absolute.lexically_normal();
  if (absolute.filename().empty()) absolute = absolute.parent_path();
  return absolute.filename().string();
}

// The file's text; nullopt when there is no file.
Result<std::optional<std::string>> read_config(const std::filesystem::path& file) {
  std::error_code ec;
  auto status = std::filesystem::status(file, ec);
  if (status.type() == std::filesystem::file_type::not_found) {
    return std::optional<std::string>();
  }
  if (ec) return config_error(std::string(kFileLabel) + ": " + ec.message());
  if (!std::filesystem::is_regular_file(status)) {
    return config_error(std::string(kFileLabel) + ": not a regular file");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return config_error(std::string(kFileLabel) + ": cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  return std::optional<std::string>(text.str());
}

Result<toml::table> parse(std::string_view text, std::string_view label) {
  try {
    return toml::parse(text, label);
  } catch (const toml::parse_error& e) {
    return config_error(std::string(label) + ":" + std::to_string(e.source().begin.line) + ":" +
                        std::to_string(e.source().begin.column) + ": " +
                        std::string(e.description()));
  }
}

// Reads of the normalized document, where every known key already has its schema type.
class Reader {
 public:
  explicit Reader(const toml::table& doc) : doc_(doc) {}

  template <class T>
  void get(std::initializer_list<std::string_view> path, T& out) const {
    if (const toml::node* node = find(path)) out = node->value_or(out);
  }
  void get(std::initializer_list<std::string_view> path, int& out) const {
    if (const toml::node* node = find(path)) {
      out = static_cast<int>(node->value_or(static_cast<std::int64_t>(out)));
    }
  }
  void get(std::initializer_list<std::string_view> path, std::vector<std::string>& out) const {
    if (const toml::node* node = find(path); node != nullptr && node->is_array()) {
      out = strings(*node);
    }
  }

  static std::vector<std::string> strings(const toml::node& node) {
    std::vector<std::string> out;
    for (const auto& element : *node.as_array()) out.push_back(element.value_or(std::string()));
    return out;
  }

  const toml::node* find(std::initializer_list<std::string_view> path) const {
    const toml::node* node = &doc_;
    for (std::string_view name : path) {
      const toml::table* table = node->as_table();
      if (table == nullptr) return nullptr;
      node = table->get(name);
      if (node == nullptr) return nullptr;
    }
    return node;
  }

 private:
  const toml::table& doc_;
};

void fill(const toml::table& doc, Config& c) {
  Reader r(doc);
  r.get({"project_id"}, c.project_id);

  r.get({"api", "enabled"}, c.api.enabled);
  r.get({"api", "port"}, c.api.port);
  r.get({"api", "schemas"}, c.api.schemas);
  r.get({"api", "extra_search_path"}, c.api.extra_search_path);
  r.get({"api", "max_rows"}, c.api.max_rows);
  r.get({"api", "tls", "enabled"}, c.api.tls.enabled);
  r.get({"api", "tls", "cert_path"}, c.api.tls.cert_path);
  r.get({"api", "tls", "key_path"}, c.api.tls.key_path);

  r.get({"db", "port"}, c.db.port);
  r.get({"db", "shadow_port"}, c.db.shadow_port);
  r.get({"db", "major_version"}, c.db.major_version);
  r.get({"db", "seed", "enabled"}, c.db.seed.enabled);
  r.get({"db", "seed", "sql_paths"}, c.db.seed.sql_paths);
  r.get({"db", "migrations", "enabled"}, c.db.migrations.enabled);
  r.get({"db", "migrations", "schema_paths"}, c.db.migrations.schema_paths);

  AuthConfig& a = c.auth;
  r.get({"auth", "enabled"}, a.enabled);
  r.get({"auth", "site_url"}, a.site_url);
  r.get({"auth", "additional_redirect_urls"}, a.additional_redirect_urls);
  r.get({"auth", "jwt_expiry"}, a.jwt_expiry);
  r.get({"auth", "enable_refresh_token_rotation"}, a.enable_refresh_token_rotation);
  r.get({"auth", "refresh_token_reuse_interval"}, a.refresh_token_reuse_interval);
  r.get({"auth", "enable_signup"}, a.enable_signup);
  r.get({"auth", "enable_anonymous_sign_ins"}, a.enable_anonymous_sign_ins);
  r.get({"auth", "enable_manual_linking"}, a.enable_manual_linking);
  r.get({"auth", "minimum_password_length"}, a.minimum_password_length);
  r.get({"auth", "password_requirements"}, a.password_requirements);
  r.get({"auth", "jwt_secret"}, a.jwt_secret);
  r.get({"auth", "email", "enable_signup"}, a.email.enable_signup);
  r.get({"auth", "email", "double_confirm_changes"}, a.email.double_confirm_changes);
  r.get({"auth", "email", "enable_confirmations"}, a.email.enable_confirmations);
  r.get({"auth", "email", "secure_password_change"}, a.email.secure_password_change);
  r.get({"auth", "email", "max_frequency"}, a.email.max_frequency);
  r.get({"auth", "email", "otp_length"}, a.email.otp_length);
  r.get({"auth", "email", "otp_expiry"}, a.email.otp_expiry);

  StorageConfig& s = c.storage;
  r.get({"storage", "enabled"}, s.enabled);
  r.get({"storage", "file_size_limit"}, s.file_size_limit);
  if (auto bytes = parse_size(s.file_size_limit)) s.file_size_limit_bytes = *bytes;
  r.get({"storage", "image_transformation", "enabled"}, s.image_transformation);
  if (const toml::node* buckets = r.find({"storage", "buckets"})) {
    for (auto&& [name, node] : *buckets->as_table()) {
      const toml::table& t = *node.as_table();
      StorageBucketConfig bucket;
      if (const auto* v = t.get("public")) bucket.is_public = v->value_or(false);
      if (const auto* v = t.get("file_size_limit")) bucket.file_size_limit = v->value_or("");
      bucket.file_size_limit_bytes = s.file_size_limit_bytes;  // the CLI's fallback
      if (auto bytes = parse_size(bucket.file_size_limit); bytes && *bytes > 0) {
        bucket.file_size_limit_bytes = *bytes;
      }
      if (const auto* v = t.get("allowed_mime_types")) {
        bucket.allowed_mime_types = Reader::strings(*v);
      }
      if (const auto* v = t.get("objects_path")) bucket.objects_path = v->value_or("");
      s.buckets.emplace(std::string(name.str()), std::move(bucket));
    }
  }

  r.get({"realtime", "enabled"}, c.realtime.enabled);
}

// The CLI fills these before decoding, so they count as set.
void implied_defaults(toml::table& doc) {
  if (toml::table* functions = doc["functions"].as_table()) {
    for (auto&& [name, node] : *functions) {
      if (toml::table* function = node.as_table()) {
        if (!function->contains("enabled")) function->insert("enabled", true);
        if (!function->contains("verify_jwt")) function->insert("verify_jwt", true);
      }
    }
  }
  if (toml::table* smtp = doc["auth"]["email"]["smtp"].as_table()) {
    if (!smtp->empty() && !smtp->contains("enabled")) smtp->insert("enabled", true);
  }
}

Result<Loaded> load_unchecked(const std::filesystem::path& workdir, const EnvLookup& env) {
  Loaded loaded;
  Config& config = loaded.config;
  config.workdir = workdir;
  config.config_file = workdir / "supabase" / "config.toml";

  Result<std::optional<std::string>> text = read_config(config.config_file);
  if (!text) return std::move(text).error();
  toml::table doc;
  if (*text) {
    Result<toml::table> parsed = parse(**text, kFileLabel);
    if (!parsed) return std::move(parsed).error();
    doc = std::move(*parsed);
  }
  Result<toml::table> defaults = parse(default_config_toml(folder_name(workdir)), "");
  if (!defaults) return std::move(defaults).error();
  detail::fill_defaults(doc, *defaults);

  // Variables from .env files sit under the real environment, as godotenv never overrides.
  std::string supabase_env = env("SUPABASE_ENV").value_or("");
  Result<detail::EnvMap> dotenv = detail::project_dotenv(workdir, supabase_env);
  if (!dotenv) return std::move(dotenv).error();
  EnvLookup layered = [&env, &vars = *dotenv](const std::string& name) {
    std::optional<std::string> value = env(name);
    if (!value) {
      if (auto it = vars.find(name); it != vars.end()) value = it->second;
    }
    return value;
  };

  detail::Document document(doc, layered, std::string(kFileLabel), loaded.warnings);
  document.apply_overrides();
  implied_defaults(doc);
  if (Status s = document.normalize(); !s) return std::move(s).error();
  if (Status s = detail::validate(document); !s) return std::move(s).error();

  fill(doc, config);
  config.raw = std::move(doc);

  if (auto url = env("DATABASE_URL"); url && !url->empty()) config.database_url = *url;
  if (auto secret = env("BASALT_JWT_SECRET"); secret && !secret->empty()) {
    if (secret->size() < 16) {
      return config_error("environment variable BASALT_JWT_SECRET: must be at least 16 characters");
    }
    config.auth.jwt_secret = *secret;
    config.raw["auth"].as_table()->insert_or_assign("jwt_secret", *secret);
  }
  return loaded;
}

}  // namespace

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Result<Loaded> load(const std::filesystem::path& workdir, const EnvLookup& env) {
  try {
    return load_unchecked(workdir, env);
  } catch (const std::exception& e) {
    return config_error(std::string(kFileLabel) + ": " + e.what());
  }
}

}  // namespace basalt::config
