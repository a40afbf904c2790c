// Test harness for the integration suites: runs the real `basalt` binary on a throw-away
// project under /tmp (free ports, own Postgres), waits until it serves, and offers a small
// HTTP client and a way to run the other subcommands. Cleans up processes and files.
#pragma once
#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "platform/postgres_manager.hpp"

namespace basalt::harness {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";
  Headers headers;  // sent as given, in order; Host and Content-Length are added when missing
  std::string body;
};

struct HttpResponse {
  int status = 0;
  Headers headers;  // as received, in order
  std::string body;

  // The first value of header `name` (case-insensitive), if present.
  std::optional<std::string> header(std::string_view name) const;
  // Every value of header `name` (case-insensitive).
  std::vector<std::string> header_values(std::string_view name) const;
  // "HTTP 200\nName: value\n...\n\nbody", for failure messages.
  std::string describe() const;
};

// One request on a fresh connection to 127.0.0.1:`port`. A transport failure (refused, reset,
// timeout, unparsable response) is an Error whose message says which step failed.
Result<HttpResponse> http_send(int port, const HttpRequest& request,
                               std::chrono::milliseconds timeout = 30s);

// A TCP port on 127.0.0.1 that nobody listens on right now (bind to port 0, then close), or 0.
int free_port();
// Whether 127.0.0.1:`port` can be bound (with SO_REUSEADDR, as servers bind).
bool port_is_free(int port);
// Whether a process with this pid exists (zombies included).
bool pid_alive(pid_t pid);

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal or when it could not be started
  bool timed_out = false;
  std::string output;  // stdout and stderr interleaved
};

// Runs the basalt binary with `args` and waits for it. After `timeout` it gets SIGTERM (so a
// `start` that unexpectedly succeeded still stops its Postgres), then SIGKILL 30 s later.
// The environment is the test's, cleaned (see BasaltProcess), plus `env`.
CommandResult run_basalt(const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env = {},
                         std::chrono::seconds timeout = 60s);

// The text of a whole file ("" when unreadable).
std::string read_text(const fs::path& path);
void write_text(const fs::path& path, std::string_view text);  // creates parent folders
// The last `n` lines of `text`.
std::string last_lines(std::string_view text, std::size_t n);

struct ProjectOptions {
  // Write supabase/config.toml with the chosen ports (false: e.g. to run `basalt init`).
  bool write_config = true;
  // TOML appended to the generated config.toml (any table but [api] and [db]).
  std::string extra_config;
  // Files for supabase/migrations/: {file name, SQL}.
  std::vector<std::pair<std::string, std::string>> migrations;
  // supabase/seed.sql, when set.
  std::optional<std::string> seed;
  // Extra environment for every basalt process of this project (start and run_cli).
  std::map<std::string, std::string> env;
};

// A project folder /tmp/basalt-it-XXXXXX (mode 0755 so the `postgres` OS user can reach its
// data folder) and, once start() is called, the `basalt start` process serving it.
//
// The child's environment is the test's without DATABASE_URL, BASALT_DATA_DIR, BASALT_HOST,
// BASALT_JWT_SECRET and SUPABASE_* (they would point Basalt elsewhere), with
// BASALT_PG_NO_SYNC=1 unless already set, plus ProjectOptions::env. Its stdout and stderr go to
// <dir>/basalt.log. It gets SIGTERM should the test process die first.
//
// Set BASALT_KEEP_TEST_DIRS=1 to keep the folders for a post-mortem.
class BasaltProcess {
 public:
  explicit BasaltProcess(ProjectOptions options = {});
  ~BasaltProcess();  // stop(), then removes the folder
  BasaltProcess(const BasaltProcess&) = delete;
  BasaltProcess& operator=(const BasaltProcess&) = delete;

  // Spawns `basalt start --workdir <dir>` and waits until GET /health answers 200 and the
  // banner has printed both keys. When a port turned out to be taken meanwhile, picks new
  // ones and tries again (up to 3 times). The failure message ends with the log's tail.
  ::testing::AssertionResult start(std::chrono::seconds timeout = 60s);

  // SIGTERM and wait (then SIGKILL after `timeout`); then checks that no Postgres is left on
  // the data folder (one that is gets stopped, and the result is a failure). Success when
  // Basalt exited 0 on its own and left no Postgres. No-op success when not running.
  ::testing::AssertionResult stop(std::chrono::seconds timeout = 30s);

  // stop() then start() on the same folder and ports.
  ::testing::AssertionResult restart();

  // Whether the `basalt start` child has not exited yet.
  bool running() const;
  // Waits until the child exits; its exit code (-1: killed by a signal), or nullopt on timeout
  // or when it was never started.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  // HTTP to this Basalt's API port.
  Result<HttpResponse> request(const HttpRequest& request,
                               std::chrono::milliseconds timeout = 30s) const;
  Result<HttpResponse> get(std::string target, Headers headers = {}) const;

  // `basalt --workdir <dir> <args...>` with this project's environment.
  CommandResult run_cli(std::vector<std::string> args, std::chrono::seconds timeout = 60s) const;

  // Rewrites `port = N` in the [api] and [db] tables of an existing config.toml (e.g. one
  // written by `basalt init`) to this project's ports.
  Status adopt_config_ports();
  // Picks new free ports (and rewrites config.toml when this harness wrote it).
  void pick_ports();

  const fs::path& dir() const { return dir_; }
  fs::path supabase_dir() const { return dir_ / "supabase"; }
  fs::path data_dir() const { return dir_ / "supabase" / ".basalt"; }
  fs::path log_path() const { return dir_ / "basalt.log"; }
  std::string log_text() const { return read_text(log_path()); }
  int api_port() const { return api_port_; }
  int db_port() const { return db_port_; }
  std::string api_url() const;
  // postgresql://postgres:postgres@127.0.0.1:<db port>/postgres
  std::string db_url() const;
  // The keys from the banner of the last successful start().
  const std::string& anon_key() const { return anon_key_; }
  const std::string& service_role_key() const { return service_role_key_; }
  pid_t pid() const { return pid_; }
  // The pid recorded in the data folder's postmaster.pid, if that file exists.
  std::optional<pid_t> postgres_pid() const;

 private:
  ::testing::AssertionResult start_once(std::chrono::seconds timeout, bool& port_clash);
  void write_config_file() const;
  std::vector<std::string> environment() const;
  bool ensure_no_postgres(std::string& problem);

  ProjectOptions options_;
  fs::path dir_;
  int api_port_ = 0;
  int db_port_ = 0;
  std::string anon_key_;
  std::string service_role_key_;

  pid_t pid_ = -1;
  // A thread blocks in waitpid for the child, so it never lingers as a zombie (which would
  // look alive to `basalt stop`, which polls kill(pid, 0)).
  std::thread reaper_;
  mutable std::mutex mutex_;
  std::condition_variable exited_cv_;
  bool exited_ = true;
  int exit_code_ = -1;
};

// A basalt process that keeps running, such as `basalt rest --config FILE`: `basalt <args...>`
// with the environment run_basalt() gives, stdout and stderr to log_path() (a file under /tmp,
// removed with the object unless BASALT_KEEP_TEST_DIRS=1). Destroying it stops it.
class BasaltServer {
 public:
  explicit BasaltServer(std::vector<std::string> args, std::map<std::string, std::string> env = {});
  ~BasaltServer();
  BasaltServer(const BasaltServer&) = delete;
  BasaltServer& operator=(const BasaltServer&) = delete;

  // Spawns it and waits until 127.0.0.1:`port` answers GET `ready_path` (any HTTP status).
  // The failure message ends with the log's tail.
  ::testing::AssertionResult start(int port, std::string ready_path = "/",
                                   std::chrono::seconds timeout = 60s);
  // SIGTERM, then waits; SIGKILL after `timeout`. The exit code (-1: killed by a signal), or
  // nullopt when it was not running.
  std::optional<int> stop(std::chrono::seconds timeout = 30s);
  // Waits until it exits on its own; its exit code, or nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  bool running();

  const fs::path& log_path() const { return log_; }
  std::string log_text() const { return read_text(log_); }
  pid_t pid() const { return pid_; }

 private:
  std::vector<std::string> args_;
  std::map<std::string, std::string> env_;
  fs::path log_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// A throw-away embedded Postgres for tests that drive the libraries directly: a folder under
// /tmp the `postgres` OS user can reach, a free port, initdb --no-sync, started, and (unless
// asked not to) the platform bootstrap applied. Destroying it stops Postgres and removes the
// folder.
class TestPostgres {
 public:
  static Result<std::unique_ptr<TestPostgres>> create(bool bootstrap = true);
  ~TestPostgres();
  TestPostgres(const TestPostgres&) = delete;
  TestPostgres& operator=(const TestPostgres&) = delete;

  platform::PostgresManager& pg() { return *pg_; }
  const fs::path& root() const { return root_; }

 private:
  TestPostgres() = default;
  fs::path root_;
  std::unique_ptr<platform::PostgresManager> pg_;
};

}  // namespace basalt::harness
