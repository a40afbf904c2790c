// The embedded PostgreSQL of `basalt start` when no DATABASE_URL is given: Debian's server
// binaries run as a child process on a private data folder (initdb on first use), with the
// checks that turn the usual start-up failures into one clear line each.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "platform/progress.hpp"

namespace basalt::platform {

struct PostgresOptions {
  std::filesystem::path data_root;  // pgdata = data_root/"pgdata", sockets in data_root/"run"
  std::optional<std::filesystem::path> bin_dir;  // else the newest under bin_root, preferring
                                                 // wanted_major
  std::filesystem::path bin_root = "/usr/lib/postgresql";
  int wanted_major = 15;                        // [db] major_version
  int port = 54322;                             // [db] port
  std::string os_user = "postgres";             // Postgres's OS user when Basalt runs as root
  std::string superuser_password = "postgres";  // TCP login of postgres, as Supabase local
  bool no_sync = false;  // initdb --no-sync, server fsync=off: fast but unsafe, tests only
  // Postgres gets SIGINT (fast shutdown) if the thread that called start() ends first, so a
  // crashed Basalt leaves no server behind. Call start() from a thread that lives as long as
  // the server (the main thread), or turn this off.
  bool stop_with_parent = true;
  std::chrono::seconds start_timeout{30};
  std::chrono::seconds stop_timeout{30};
};

struct BinDirChoice {
  std::filesystem::path bin_dir;
  int major = 0;
  std::vector<std::string> warnings;
};

// Picks <bin_root>/<major>/bin holding postgres and initdb: `wanted_major` when installed,
// else the newest (with a warning). Error when there is none.
Result<BinDirChoice> select_bin_dir(const std::filesystem::path& bin_root, int wanted_major);

// "postgres (PostgreSQL) 15.20 (Debian ...)" -> 15.
std::optional<int> parse_postgres_version(std::string_view version_output);

// The first lines of a postmaster.pid file.
struct PostmasterPid {
  pid_t pid = 0;
  std::filesystem::path data_dir;
  int port = 0;
};
std::optional<PostmasterPid> parse_postmaster_pid(std::string_view text);

// The last `n` lines of `text`.
std::string tail_lines(std::string_view text, std::size_t n);

// Drops and re-creates database `dbname` through a connection to a maintenance database
// (template1), ending every other session on it first. For `basalt db reset`.
Status reset_database(const std::string& maintenance_conninfo, std::string_view dbname);

class PostgresManager {
 public:
  explicit PostgresManager(PostgresOptions options);
  ~PostgresManager();  // stops a Postgres this object started
  PostgresManager(const PostgresManager&) = delete;
  PostgresManager& operator=(const PostgresManager&) = delete;

  // Chooses the binaries (done by init/start when not called first). Warnings (e.g. the
  // wanted major is not installed) go to warnings().
  Status find_binaries();
  const std::vector<std::string>& warnings() const { return warnings_; }
  const std::filesystem::path& bin_dir() const { return bin_dir_; }
  int binaries_major() const { return major_; }

  // Runs initdb when the data folder holds no cluster yet, then writes Basalt's settings and
  // pg_hba.conf. Returns whether it initialised.
  Result<bool> init_if_needed(const Progress& progress);

  // Starts Postgres and waits until it accepts connections on the unix socket.
  Status start(const Progress& progress);

  // Stops the Postgres this object started: fast (SIGINT) or smart (SIGTERM) shutdown, then
  // SIGQUIT after stop_timeout. No-op when not running.
  Status stop(bool fast = true);

  // Stops the Postgres recorded in the data folder's postmaster.pid (one started by another
  // Basalt process), for `basalt stop`. Ok when none runs.
  Status stop_running_instance(bool fast = true);

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  std::filesystem::path pgdata() const { return options_.data_root / "pgdata"; }
  std::filesystem::path unix_socket_dir() const { return options_.data_root / "run"; }
  std::filesystem::path log_file() const { return options_.data_root / "postgres.log"; }
  int port() const { return options_.port; }

  // libpq connection string over the unix socket (local trust: no password).
  std::string conninfo(std::string_view user = "postgres",
                       std::string_view dbname = "postgres") const;
  // postgresql://postgres:<password>@127.0.0.1:<port>/postgres, as Supabase local prints it.
  std::string database_url() const;

  // `basalt db reset`: drop and re-create the postgres database of this running server.
  Status reset_database();

 private:
  struct Identity;
  Result<Identity> identity() const;
  Status prepare_dirs(const Identity& who);
  Status check_before_start(const Identity& who, const Progress& progress);
  Status wait_ready(std::uintmax_t log_offset);

  PostgresOptions options_;
  std::filesystem::path bin_dir_;
  int major_ = 0;
  std::vector<std::string> warnings_;
  pid_t pid_ = -1;
};

}  // namespace basalt::platform
