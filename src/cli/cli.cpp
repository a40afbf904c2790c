#include "cli/cli.hpp"

#include <CLI/CLI.hpp>
#include <cstdlib>

#include "common/log.hpp"

namespace basalt::cli {

int run(int argc, char** argv) {
  CLI::App app{"Basalt: a Supabase-compatible backend in one binary", "basalt"};
  app.require_subcommand(1);
  CommonOptions common;
  std::string log_level = "info";
  bool json_log = false;
  app.add_option("--workdir", common.workdir, "Project folder (holds supabase/)")
      ->capture_default_str();
  app.add_option("--data-dir", common.data_dir,
                 "Basalt's data folder (default: <workdir>/supabase/.basalt; env BASALT_DATA_DIR)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn or error")
      ->capture_default_str();
  app.add_flag("--log-json", json_log, "Write every log line as JSON");
  if (const char* l = std::getenv("BASALT_LOG_LEVEL")) log_level = l;

  auto* start =
      app.add_subcommand("start", "Start Basalt (and its embedded Postgres) in the foreground");
  auto* stop = app.add_subcommand("stop", "Stop the Basalt running for this project");
  bool status_json = false;
  auto* status = app.add_subcommand("status", "Show URLs and keys of the running Basalt");
  status->add_flag("--json,-j", status_json,
                   "Print as JSON (the keys of `supabase status -o json`)");
  auto* status_o = status->add_option("-o,--output", "Output format: pretty or json");
  bool force = false;
  auto* init = app.add_subcommand("init", "Create supabase/config.toml, migrations/ and seed.sql");
  init->add_flag("--force", force, "Overwrite an existing config.toml");
  auto* db = app.add_subcommand("db", "Database commands");
  db->require_subcommand(1);
  auto* reset =
      db->add_subcommand("reset", "Drop and re-create the database, then migrations and seed");
  auto* migration = app.add_subcommand("migration", "Migration files");
  migration->require_subcommand(1);
  std::string migration_name;
  auto* mnew = migration->add_subcommand("new", "Create an empty migration file");
  mnew->add_option("name", migration_name, "Migration name")->required();
  auto* mlist = migration->add_subcommand("list", "List local and applied migrations");
  std::string rest_config;
  auto* rest = app.add_subcommand(
      "rest", "Serve only the REST API at / on an existing database, configured as PostgREST");
  rest->add_option("--config", rest_config,
                   "PostgREST's config file (PGRST_* variables override it; without it, only "
                   "the environment configures)");

  // Options given after the subcommand apply too (`basalt start --workdir D`).
  for (auto* sub : {start, stop, status, init, db, reset, migration, mnew, mlist, rest}) {
    sub->fallthrough();
  }
  app.fallthrough();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  log::init(log_level, json_log ? log::Format::json : log::Format::text);
  if (status_o->count() > 0) status_json = status_o->as<std::string>() == "json";

  if (*start) return cmd_start(common);
  if (*stop) return cmd_stop(common);
  if (*status) return cmd_status(common, status_json);
  if (*init) return cmd_init(common, force);
  if (*reset) return cmd_db_reset(common);
  if (*mnew) return cmd_migration_new(common, migration_name);
  if (*mlist) return cmd_migration_list(common);
  if (*rest) return cmd_rest(rest_config);
  return 2;
}

}  // namespace basalt::cli
