// A Basalt project on disk: the Supabase CLI folder layout (supabase/config.toml,
// migrations/, seed.sql), Basalt's private data folder (embedded Postgres, the JWT secret,
// the run-state file), and the derived facts every command needs (URLs, keys).
#pragma once
#include <filesystem>
#include <optional>
#include <string>

#include "common/error.hpp"
#include "config/config.hpp"

namespace basalt::cli {

namespace fs = std::filesystem;

struct Project {
  config::Config config;
  fs::path workdir;
  fs::path supabase_dir;  // workdir/supabase
  fs::path data_root;     // workdir/supabase/.basalt unless --data-dir / BASALT_DATA_DIR

  fs::path migrations_dir() const { return supabase_dir / "migrations"; }
  fs::path state_file() const { return data_root / "basalt.json"; }
  fs::path secret_file() const { return data_root / "jwt_secret"; }
  bool embedded() const { return !config.database_url.has_value(); }
  std::string api_url() const;
  // The URL a developer uses (psql, supabase-js server code): TCP on 127.0.0.1.
  std::string db_url() const;
};

// Loads config.toml (printing its warnings to the log) and fixes the folders.
Result<Project> load_project(const fs::path& workdir, const std::optional<fs::path>& data_dir);

// [auth] jwt_secret / BASALT_JWT_SECRET, else the secret persisted in the data folder; with
// `create`, a new one is generated and persisted (0600) when there is none yet.
Result<std::string> jwt_secret(const Project& project, bool create);

// What a running `basalt start` writes so that status/stop/db reset can find it.
struct RunState {
  long pid = 0;
  std::string api_url;
  std::string db_url;
  std::string socket_dir;  // embedded Postgres's unix socket folder ("" with DATABASE_URL)
  int db_port = 0;
};

Status write_run_state(const Project& project, const RunState& state);
std::optional<RunState> read_run_state(const Project& project);
void remove_run_state(const Project& project);
bool process_alive(long pid);

// A libpq conninfo equal to `url` but logging in as `user` (passwords kept).
Result<std::string> conninfo_as(const std::string& url, const std::string& user);

}  // namespace basalt::cli
