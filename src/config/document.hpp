// Internal to the config module: turns the parsed config.toml into the effective document the
// way the Supabase CLI's viper/mapstructure pipeline does (defaults, SUPABASE_* overrides,
// env(NAME), weak typing), and remembers where each value came from for messages.
#pragma once
#include <toml++/toml.h>

#include <map>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "config/config.hpp"
#include "config/schema.hpp"

namespace basalt::config::detail {

using Path = std::vector<std::string>;

// "auth.external.github.secret"; names that are not bare TOML keys are quoted.
std::string dotted(const Path& path);

// "SUPABASE_AUTH_EXTERNAL_GITHUB_SECRET": viper's AutomaticEnv name for a key.
std::string override_variable(const Path& path);

// Adds every key of `defaults` that `doc` lacks (tables merge key by key), so values from the
// file keep their source positions.
void fill_defaults(toml::table& doc, const toml::table& defaults);

class Document {
 public:
  // `file_label` is how messages name config.toml ("supabase/config.toml").
  Document(toml::table& doc, const EnvLookup& env, std::string file_label,
           std::vector<std::string>& warnings);

  // SUPABASE_<KEY> variables replace values (as strings, converted later like the CLI does).
  void apply_overrides();
  // env(NAME) substitution, conversion to the schema types, unknown keys -> warnings.
  Status normalize();

  // "supabase/config.toml:12", "environment variable SUPABASE_API_PORT", or the bare file
  // label for defaults. Falls back to the nearest enclosing table that has a position.
  std::string where(const Path& path) const;
  Error error(const Path& path, const std::string& message) const;
  void warn(const Path& path, const std::string& message);

  toml::table& doc() { return doc_; }

 private:
  void override_table(toml::table& table, const Spec& spec, Path& path);
  void override_leaf(toml::table& table, const std::string& key, Path& path);
  void remember(const Path& path, const toml::key& key, const toml::node& node);
  Status walk_table(toml::table& table, const Spec& spec, Path& path);
  Status walk_value(toml::table& parent, const std::string& key, const Spec& spec, Path& path);
  Status convert_leaf(toml::table& parent, const std::string& key, const Spec& spec,
                      const Path& path);
  // env(NAME) in a string node, in place. Returns NAME when it was substituted.
  std::string substitute(toml::node& node);

  toml::table& doc_;
  const EnvLookup& env_;
  std::string file_label_;
  std::vector<std::string>& warnings_;
  std::map<Path, std::string> origins_;  // where each visited value came from
};

// The CLI's checks that go beyond types (config.go Validate and friends), on the normalized
// document; may also adjust it the way the CLI does (deprecated providers, phone sign-up).
Status validate(Document& document);

}  // namespace basalt::config::detail
