// The project's own schema, applied as the Supabase CLI applies it: supabase/migrations/
// <version>_<name>.sql files, one transaction each, recorded in
// supabase_migrations.schema_migrations; then the seed files of [db.seed], recorded by hash
// in supabase_migrations.seed_files.
#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "config/config.hpp"
#include "platform/pg_sync.hpp"
#include "platform/progress.hpp"

namespace basalt::platform {

struct MigrationName {
  std::string version;  // the leading digits, kept as text (the history table's key is text)
  std::string name;     // may be empty ("20240101000000_.sql")
};

// `<digits>_<name>.sql` -> {digits, name}; anything else -> nullopt.
std::optional<MigrationName> parse_migration_filename(std::string_view filename);

struct LocalMigration {
  std::string version;
  std::string name;
  std::filesystem::path path;
};

struct LocalMigrations {
  std::vector<LocalMigration> files;  // in file-name order, as the CLI applies them
  std::vector<std::string> warnings;  // skipped files, one line each
};

// Reads `dir` (a missing folder is no migrations). Sub-folders are ignored; a file whose name
// does not match is skipped with a warning, and so is a legacy first `<ts>_init.sql` older than
// 2021-12-09, as the CLI does.
Result<LocalMigrations> list_local_migrations(const std::filesystem::path& dir);

// Versions recorded in supabase_migrations.schema_migrations, ascending; none if the table
// does not exist yet.
Result<std::vector<std::string>> list_applied_migrations(PgSync& conn);

// Applies every local migration whose version is not recorded yet, each in its own
// transaction (all statements, then the history row), under the platform advisory lock.
// Notifies PostgREST-compatible listeners (`NOTIFY pgrst, 'reload schema'`) when any applied.
// Returns how many were applied.
Result<int> apply_migrations(PgSync& conn, const std::filesystem::path& migrations_dir,
                             const Progress& progress);

// Creates `<dir>/<YYYYMMDDHHMMSS>_<name>.sql` (UTC time `now`) holding `contents`; creates
// `dir` if needed and never overwrites a file. Returns the new file's path.
Result<std::filesystem::path> migration_new(const std::filesystem::path& dir, std::string_view name,
                                            std::chrono::system_clock::time_point now,
                                            std::string_view contents = {});

// "20060102150405" in UTC.
std::string migration_timestamp(std::chrono::system_clock::time_point now);

// "20240101093000" -> "2024-01-01 09:30:00"; a version that is no such time comes back as is.
std::string format_version_time(std::string_view version);

// One line of `basalt migration list`: Local | Remote | Time (UTC).
struct MigrationListRow {
  std::string local;   // empty when only applied
  std::string remote;  // empty when only local
  std::string time;    // format_version_time of the version
};

// Merges both sorted version lists chronologically (as numbers), as the CLI's table does;
// versions that are not numbers are left out.
std::vector<MigrationListRow> migration_list_rows(const std::vector<std::string>& local,
                                                  const std::vector<std::string>& remote);

struct SeedFileMatch {
  std::filesystem::path file;  // on disk
  std::string recorded;        // the key in seed_files: "supabase/seed.sql" for ./seed.sql
};

struct SeedFiles {
  std::vector<SeedFileMatch> files;   // in the order of the patterns, each pattern's sorted
  std::vector<std::string> warnings;  // patterns that matched nothing, bad patterns
};

// Expands [db.seed] sql_paths (globs relative to `supabase_dir` unless absolute), without
// duplicates.
SeedFiles resolve_seed_files(const std::filesystem::path& supabase_dir,
                             const std::vector<std::string>& patterns);

// Runs the seed files not yet recorded with their current hash, each in its own transaction
// with its hash row. A file recorded with another hash only gets its hash updated (it is not
// run again), as the CLI does. Nothing when seed is disabled.
Status apply_seed(PgSync& conn, const std::filesystem::path& supabase_dir,
                  const config::SeedConfig& seed, const Progress& progress);

// Hex SHA-256 of a file's bytes.
Result<std::string> sha256_file(const std::filesystem::path& file);

}  // namespace basalt::platform
