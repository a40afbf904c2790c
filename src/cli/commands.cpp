// The short commands: init, stop, status, db reset, migration new|list.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "cli/cli.hpp"
#include "cli/database.hpp"
#include "cli/services.hpp"
#include "common/log.hpp"
#include "jwt/keys.hpp"
#include "platform/migrations.hpp"

namespace basalt::cli {

namespace {

Result<Project> load_or_report(const CommonOptions& o) {
  auto p = load_project(o.workdir, o.data_dir);
  if (!p) log::error("{}", p.error().message);
  return p;
}

bool write_new_file(const fs::path& path, std::string_view text, bool overwrite) {
  std::error_code ec;
  if (!overwrite && fs::exists(path, ec)) return true;
  std::ofstream out(path, std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

int cmd_init(const CommonOptions& o, bool force) {
  std::error_code ec;
  fs::path workdir = fs::absolute(o.workdir, ec);
  fs::path supabase = workdir / "supabase";
  fs::path config_file = supabase / "config.toml";
  if (fs::exists(config_file, ec) && !force) {
    log::error("{} already exists: use --force to overwrite it", config_file.string());
    return 1;
  }
  fs::create_directories(supabase / "migrations", ec);
  if (ec) {
    log::error("cannot create {}: {}", (supabase / "migrations").string(), ec.message());
    return 1;
  }
  std::string project_id = workdir.filename().string();
  if (project_id.empty() || project_id == ".") project_id = "basalt";
  std::string text = config::default_config_toml(project_id);
  // The CLI writes the newest major it supports; Basalt writes the one it will actually run
  // (Debian 12 ships 15), so a fresh project starts without a version warning.
  if (auto bins = platform::select_bin_dir("/usr/lib/postgresql", 15); bins) {
    const std::string from = "major_version = 17";
    if (auto at = text.find(from); at != std::string::npos) {
      text.replace(at, from.size(), "major_version = " + std::to_string(bins->major));
    }
  }
  bool ok = write_new_file(config_file, text, true) &&
            write_new_file(supabase / "seed.sql", "", false) &&
            write_new_file(supabase / ".gitignore", ".basalt\n.branches\n.temp\n.env\n", false);
  if (!ok) {
    log::error("cannot write into {}", supabase.string());
    return 1;
  }
  std::printf("Finished basalt init: created %s\n", config_file.c_str());
  return 0;
}

int cmd_stop(const CommonOptions& o) {
  auto p = load_or_report(o);
  if (!p) return 1;
  auto state = read_run_state(*p);
  if (state && process_alive(state->pid)) {
    if (::kill(static_cast<pid_t>(state->pid), SIGTERM) != 0) {
      log::error("cannot signal Basalt (pid {}): {}", state->pid, std::strerror(errno));
      return 1;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (process_alive(state->pid) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (process_alive(state->pid)) {
      log::error("Basalt (pid {}) did not stop within 60 s", state->pid);
      return 1;
    }
    std::printf("Stopped Basalt.\n");
    return 0;
  }
  remove_run_state(*p);
  if (p->embedded()) {
    // A Postgres left behind by a Basalt that was killed: stop it too.
    platform::PostgresManager pg(postgres_options(*p));
    if (auto s = pg.stop_running_instance(true); !s) {
      log::error("{}", s.error().message);
      return 1;
    }
  }
  std::printf("Basalt is not running.\n");
  return 0;
}

int cmd_status(const CommonOptions& o, bool json) {
  auto p = load_or_report(o);
  if (!p) return 1;
  auto state = read_run_state(*p);
  if (!state || !process_alive(state->pid)) {
    log::error("Basalt is not running for {}: run `basalt start`", p->workdir.string());
    return 1;
  }
  auto secret = jwt_secret(*p, false);
  if (!secret) {
    log::error("{}", secret.error().message);
    return 1;
  }
  const std::string anon = jwt::make_api_key("anon", *secret);
  const std::string service = jwt::make_api_key("service_role", *secret);
  const std::string rest = state->api_url + "/rest/v1";
  if (json) {
    // The keys of `supabase status -o json` that Basalt serves.
    boost::json::object out{{"API_URL", state->api_url}, {"REST_URL", rest},
                            {"DB_URL", state->db_url},   {"JWT_SECRET", *secret},
                            {"ANON_KEY", anon},          {"SERVICE_ROLE_KEY", service}};
    std::printf("%s\n", boost::json::serialize(out).c_str());
    return 0;
  }
  std::printf(
      "Basalt is running (pid %ld).\n\n"
      "         API URL: %s\n"
      "        REST URL: %s\n"
      "          DB URL: %s\n"
      "      JWT secret: %s\n"
      "        anon key: %s\n"
      "service_role key: %s\n",
      state->pid, state->api_url.c_str(), rest.c_str(), state->db_url.c_str(), secret->c_str(),
      anon.c_str(), service.c_str());
  return 0;
}

int cmd_db_reset(const CommonOptions& o) {
  auto p = load_or_report(o);
  if (!p) return 1;
  if (!p->embedded()) {
    log::error(
        "db reset drops the database; with DATABASE_URL Basalt does not manage that database, "
        "so it will not drop it");
    return 1;
  }
  auto state = read_run_state(*p);
  const bool running = state && process_alive(state->pid);
  std::unique_ptr<platform::PostgresManager> temp;
  std::string maintenance;
  if (running) {
    maintenance = platform::conninfo_pair("host", state->socket_dir) + " " +
                  platform::conninfo_pair("port", std::to_string(state->db_port)) +
                  " user=postgres dbname=template1";
  } else {
    temp = std::make_unique<platform::PostgresManager>(postgres_options(*p));
    const auto progress = platform::Progress::to_log();
    auto fresh = temp->init_if_needed(progress);
    if (!fresh) {
      log::error("{}", fresh.error().message);
      return 1;
    }
    if (auto s = temp->start(progress); !s) {
      log::error("{}", s.error().message);
      return 1;
    }
    maintenance = temp->conninfo("postgres", "template1");
  }
  log::info("Resetting local database...");
  if (auto s = platform::reset_database(maintenance, "postgres"); !s) {
    log::error("{}", s.error().message);
    return 1;
  }
  std::string admin = running
                          ? platform::conninfo_pair("host", state->socket_dir) + " " +
                                platform::conninfo_pair("port", std::to_string(state->db_port)) +
                                " user=postgres dbname=postgres"
                          : temp->conninfo("postgres");
  auto conn = platform::PgSync::connect(admin);
  if (!conn) {
    log::error("{}", conn.error().message);
    return 1;
  }
  if (auto s = prepare_database(*conn, *p, true); !s) {
    log::error("{}", s.error().message);
    return 1;
  }
  std::printf("Finished basalt db reset.\n");
  return 0;
}

int cmd_migration_new(const CommonOptions& o, const std::string& name) {
  auto p = load_or_report(o);
  if (!p) return 1;
  auto path = platform::migration_new(p->migrations_dir(), name, std::chrono::system_clock::now());
  if (!path) {
    log::error("{}", path.error().message);
    return 1;
  }
  std::printf("Created new migration at %s\n", fs::relative(*path, p->workdir).string().c_str());
  return 0;
}

int cmd_migration_list(const CommonOptions& o) {
  auto p = load_or_report(o);
  if (!p) return 1;
  auto local = platform::list_local_migrations(p->migrations_dir());
  if (!local) {
    log::error("{}", local.error().message);
    return 1;
  }
  for (const auto& w : local->warnings) log::warn("{}", w);
  auto admin = connect_admin(*p);
  if (!admin) {
    log::error("{}", admin.error().message);
    return 1;
  }
  auto remote = platform::list_applied_migrations(*admin->conn);
  if (!remote) {
    log::error("{}", remote.error().message);
    return 1;
  }
  std::vector<std::string> local_versions;
  for (const auto& m : local->files) local_versions.push_back(m.version);
  auto rows = platform::migration_list_rows(local_versions, *remote);
  std::printf("\n  %-14s | %-14s | %s\n  %s|%s|%s\n", "Local", "Remote", "Time (UTC)",
              std::string(15, '-').c_str(), std::string(16, '-').c_str(),
              std::string(21, '-').c_str());
  for (const auto& r : rows) {
    std::printf("  %-14s | %-14s | %s\n", r.local.c_str(), r.remote.c_str(), r.time.c_str());
  }
  std::printf("\n");
  return 0;
}

}  // namespace basalt::cli
