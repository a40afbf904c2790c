#include "cli/database.hpp"

#include <unistd.h>

#include <cstdlib>

#include "common/log.hpp"
#include "platform/bootstrap.hpp"
#include "platform/migrations.hpp"

namespace basalt::cli {

platform::PostgresOptions postgres_options(const Project& p) {
  platform::PostgresOptions o;
  o.data_root = p.data_root;
  o.wanted_major = p.config.db.major_version;
  o.port = p.config.db.port;
  if (const char* user = std::getenv("BASALT_PG_USER"); user && *user) o.os_user = user;
  if (const char* bin = std::getenv("BASALT_PG_BIN"); bin && *bin) o.bin_dir = bin;
  // Test suites create many throw-away clusters; fsync buys them nothing.
  if (const char* ns = std::getenv("BASALT_PG_NO_SYNC"); ns && std::string_view(ns) == "1") {
    o.no_sync = true;
  }
  return o;
}

Status prepare_database(platform::PgSync& conn, const Project& p, bool seed) {
  const auto progress = platform::Progress::to_log();
  auto boot = platform::apply_bootstrap(conn, progress);
  if (!boot) return std::move(boot).error();
  if (p.embedded()) {
    if (auto s = platform::set_role_passwords(conn, "postgres"); !s) return s;
  }
  auto applied = platform::apply_migrations(conn, p.migrations_dir(), progress);
  if (!applied) return std::move(applied).error();
  if (seed) {
    if (auto s = platform::apply_seed(conn, p.supabase_dir, p.config.db.seed, progress); !s) {
      return s;
    }
  }
  return Status{};
}

Result<AdminConnection> connect_admin(const Project& p) {
  AdminConnection out;
  if (!p.embedded()) {
    auto c = platform::PgSync::connect(*p.config.database_url);
    if (!c) return std::move(c).error();
    out.conn.emplace(std::move(c).value());
    return out;
  }
  auto state = read_run_state(p);
  if (state && process_alive(state->pid) && !state->socket_dir.empty()) {
    std::string conninfo = platform::conninfo_pair("host", state->socket_dir) + " " +
                           platform::conninfo_pair("port", std::to_string(state->db_port)) +
                           " user=postgres dbname=postgres";
    auto c = platform::PgSync::connect(conninfo);
    if (!c) return std::move(c).error();
    out.conn.emplace(std::move(c).value());
    return out;
  }
  out.temp = std::make_unique<platform::PostgresManager>(postgres_options(p));
  const auto progress = platform::Progress::to_log();
  auto fresh = out.temp->init_if_needed(progress);
  if (!fresh) return std::move(fresh).error();
  if (auto s = out.temp->start(progress); !s) return std::move(s).error();
  auto c = platform::PgSync::connect(out.temp->conninfo());
  if (!c) return std::move(c).error();
  out.conn.emplace(std::move(c).value());
  if (*fresh) {
    if (auto s = prepare_database(*out.conn, p, true); !s) return std::move(s).error();
  }
  return out;
}

Result<std::shared_ptr<const std::set<std::string>>> load_allowed_roles(platform::PgSync& conn,
                                                                        std::string_view login,
                                                                        bool include_login) {
  std::vector<std::optional<std::string>> params;
  params.emplace_back(login.empty() ? std::nullopt : std::optional<std::string>(login));
  params.emplace_back(include_login ? "t" : "f");
  auto r = conn.exec_params(
      "select rolname from pg_roles "
      "where pg_has_role(coalesce($1::name, current_user), oid, 'member') "
      "and ($2::bool or rolname <> coalesce($1::name, current_user))",
      params);
  if (!r) return std::move(r).error();
  auto roles = std::make_shared<std::set<std::string>>();
  for (int i = 0; i < r->rows(); ++i) roles->insert(std::string(r->get(i, 0)));
  return std::shared_ptr<const std::set<std::string>>(std::move(roles));
}

}  // namespace basalt::cli
