// Internal to the config module: the .env files the Supabase CLI loads before it reads
// config.toml, so env(NAME) and SUPABASE_* overrides see the same variables as with the CLI.
#pragma once
#include <filesystem>
#include <map>
#include <string>

#include "common/error.hpp"

namespace basalt::config::detail {

using EnvMap = std::map<std::string, std::string>;

// Parses .env text (KEY=value lines, `export`, # comments, '…' literal and "…" escaped values,
// ${VAR} from earlier lines of the same text). `label` names the file in errors; the message
// never quotes the file's content, which may hold secrets.
Result<EnvMap> parse_dotenv(const std::string& text, const std::string& label);

// The CLI's layering for a project: supabase/ first, then the work folder; in each,
// .env.<env>.local, .env.local (skipped when env is "test"), .env.<env>, .env. The first file
// that defines a variable wins. Missing files are skipped.
Result<EnvMap> project_dotenv(const std::filesystem::path& workdir, const std::string& env);

}  // namespace basalt::config::detail
