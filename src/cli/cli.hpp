// The `basalt` command line: start, stop, status, init, db reset, migration new|list, rest.
// Each command is a function returning the process exit code; run() parses argv with CLI11.
#pragma once
#include <filesystem>
#include <optional>
#include <string>

namespace basalt::cli {

int run(int argc, char** argv);

struct CommonOptions {
  std::filesystem::path workdir = ".";
  std::optional<std::filesystem::path> data_dir;
};

int cmd_start(const CommonOptions& o);
int cmd_stop(const CommonOptions& o);
int cmd_status(const CommonOptions& o, bool json);
int cmd_init(const CommonOptions& o, bool force);
int cmd_db_reset(const CommonOptions& o);
int cmd_migration_new(const CommonOptions& o, const std::string& name);
int cmd_migration_list(const CommonOptions& o);
// `basalt rest`: PostgREST's configuration (`config_file` "" = environment only), REST at /.
int cmd_rest(const std::string& config_file);

}  // namespace basalt::cli
